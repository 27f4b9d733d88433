"""Transaction lines that are not sales of a product: postage, fees, adjustments, vouchers, tests.

Retail exports mix product lines with lines for postage and carriage, manual
corrections, discounts, bank and marketplace fees, free samples, bad-debt and stock
adjustments, test codes and gift vouchers. Counted as sales they distort spend and
frequency (a bank charge is not a purchase), so they are excluded by a rule on the
product code or the description, before returns are netted (a credit note for
postage must not reduce a product purchase). The defaults below cover the usual
codes; a study file replaces either list (``non_product: {codes: [...], descriptions: [...]}``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from segkit.io.quality import QualityReport

#: Product codes that are not products, as regular expressions matched against the whole code (any case):
#: (what they are, pattern).
NON_PRODUCT_CODE_RULES: tuple[tuple[str, str], ...] = (
    ("postage and carriage", r"POST|POSTAGE|DOT|C2|C3|CARRIAGE|SHIPPING|DELIVERY"),
    ("manual lines", r"M|MANUAL"),
    ("discounts", r"D|DISCOUNT"),
    ("fees and bank charges", r"BANK CHARGES?|AMAZON ?FEE|CRUK|FEE|COMMISSION"),
    ("samples", r"S|SAMPLES?"),
    ("adjustments (bad debt included)", r"ADJUST\d*|B|BAD ?DEBT"),
    ("test codes", r"TEST\d*"),
    ("gift vouchers", r"GIFT(_\w+)?|VOUCHER\w*"),
)
#: Descriptions of lines that are not products, matched against the whole description (any case).
NON_PRODUCT_DESCRIPTION_RULES: tuple[tuple[str, str], ...] = (
    ("postage and carriage", r"(DOTCOM )?POSTAGE|CARRIAGE|SHIPPING( COSTS?)?|DELIVERY( CHARGE)?"),
    ("manual lines", r"MANUAL"),
    ("discounts", r"DISCOUNT"),
    ("fees and bank charges", r"BANK CHARGES?|AMAZON FEE|CRUK COMMISSION"),
    ("samples", r"SAMPLES?"),
    ("adjustments (bad debt included)", r"ADJUST BAD DEBT|ADJUSTMENT( BY .*)?"),
    ("test codes", r"THIS IS A TEST PRODUCT\.?|TEST"),
    ("gift vouchers", r".*GIFT ?VOUCHER.*"),
)
#: The default patterns, as the study file would give them.
NON_PRODUCT_CODES: tuple[str, ...] = tuple(p for _, p in NON_PRODUCT_CODE_RULES)
NON_PRODUCT_DESCRIPTIONS: tuple[str, ...] = tuple(p for _, p in NON_PRODUCT_DESCRIPTION_RULES)

DETAIL_COLUMNS = ["matched_on", "value", "kind", "rows", "customers", "amount"]


def _rules(patterns: Sequence[str] | None, defaults: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    if patterns is None:
        return list(defaults)
    return [("study file", p) for p in patterns]


def _match(values: pd.Series, rules: list[tuple[str, str]]) -> pd.Series:
    """The kind of the first rule each value matches in full (spaces at either end ignored), else NA."""
    kind = pd.Series(pd.NA, index=values.index, dtype="object")
    if not rules or values.isna().all():
        return kind
    text = values.astype("string").str.strip()
    uniq = text.dropna().unique()
    lookup = {}
    for v in uniq:
        for label, pattern in rules:
            if re.fullmatch(pattern, str(v), flags=re.IGNORECASE):
                lookup[v] = label
                break
    return text.map(lookup).astype("object").where(text.isin(list(lookup)), pd.NA)


def non_product_lines(df: pd.DataFrame, *, codes: Sequence[str] | None = None,
                      descriptions: Sequence[str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Which lines are not products, and what they were, per code or description.

    Parameters
    ----------
    df : DataFrame
        Transactions with ``product`` and/or ``description`` (without either, no line is excluded).
    codes, descriptions : sequence of str, optional
        Regular expressions for the whole product code / description; None uses the defaults.

    Returns
    -------
    mask : Series of bool
        True for lines that are not products.
    detail : DataFrame
        One row per excluded code (or description, for lines whose code is not excluded):
        ``matched_on``, ``value``, ``kind``, ``rows``, ``customers``, ``amount``, largest amount first.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["a", "a", "b"], "product": ["85123A", "POST", "X1"],
    ...                    "description": ["HEART T-LIGHT HOLDER", "POSTAGE", "Bank Charges"],
    ...                    "amount": [12.0, 18.0, -1.5]})
    >>> mask, detail = non_product_lines(df)
    >>> mask.tolist()
    [False, True, True]
    >>> detail[["matched_on", "value", "kind"]].values.tolist()
    [['product', 'POST', 'postage and carriage'], ['description', 'Bank Charges', 'fees and bank charges']]
    """
    by_code = (_match(df["product"], _rules(codes, NON_PRODUCT_CODE_RULES)) if "product" in df.columns
               else pd.Series(pd.NA, index=df.index, dtype="object"))
    by_desc = (_match(df["description"], _rules(descriptions, NON_PRODUCT_DESCRIPTION_RULES))
               if "description" in df.columns else pd.Series(pd.NA, index=df.index, dtype="object"))
    mask = (by_code.notna() | by_desc.notna()).astype(bool)
    parts = []
    for on, kind, take in (("product", by_code, by_code.notna()), ("description", by_desc,
                                                                    by_desc.notna() & by_code.isna())):
        if not take.any():
            continue
        sub = df.loc[take]
        g = pd.DataFrame({"value": sub[on].astype("string").str.strip(), "kind": kind[take],
                          "customer_id": sub["customer_id"], "amount": sub["amount"]})
        agg = g.groupby(["value", "kind"], dropna=False).agg(rows=("amount", "size"),
                                                              customers=("customer_id", "nunique"),
                                                              amount=("amount", "sum")).reset_index()
        parts.append(agg.assign(matched_on=on))
    detail = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=DETAIL_COLUMNS)
    detail = detail[DETAIL_COLUMNS]
    if len(detail):
        detail = detail.assign(amount=detail["amount"].astype(float).round(2))
        detail = detail.sort_values("amount", key=lambda s: s.abs(), ascending=False, kind="stable")
    return mask, detail.reset_index(drop=True)


def exclude_non_products(df: pd.DataFrame, *, codes: Sequence[str] | None = None,
                         descriptions: Sequence[str] | None = None,
                         report: QualityReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the lines of :func:`non_product_lines`; count them in ``report`` (rule ``non_product``).

    Returns the product lines and the detail table.
    """
    mask, detail = non_product_lines(df, codes=codes, descriptions=descriptions)
    names = df.attrs.get("source_names", {})
    column = names.get("product", "product") if "product" in df.columns else names.get("description", "description")
    report.add("transactions", df.attrs.get("file", ""), "non_product", rows=df.index[mask].tolist(),
               n_total=int(df.attrs.get("n_read", len(df))), column=column)
    return df.loc[~mask], detail
