"""How the tables' customer ids match, and the orphans each join leaves.

Counts are of distinct customer ids. The customers table, when given, defines the
population: transactions and survey answers of ids it does not know are dropped
(rules ``orphan_transactions``, ``orphan_survey``). Without a customers table,
survey answers are linked to the transactions' ids.
"""

from __future__ import annotations

import pandas as pd

from segkit.errors import DataError
from segkit.io.quality import QualityReport

JOIN_COLUMNS = ["left", "right", "n_left", "n_right", "n_matched", "n_only_left", "n_only_right"]


def join_losses(left: pd.DataFrame, right: pd.DataFrame, *, left_name: str, right_name: str) -> dict:
    """Distinct ids in each table, in both, and in one only.

    Examples
    --------
    >>> a = pd.DataFrame({"customer_id": ["1", "2", "3"]})
    >>> b = pd.DataFrame({"customer_id": ["2", "3", "3", "9"]})
    >>> join_losses(a, b, left_name="customers", right_name="transactions")["n_only_right"]
    1
    """
    # distinct ids first (vectorised): a set built from millions of transaction lines would iterate them in Python
    lids, rids = set(left["customer_id"].dropna().unique()), set(right["customer_id"].dropna().unique())
    both = lids & rids
    return {"left": left_name, "right": right_name, "n_left": len(lids), "n_right": len(rids),
            "n_matched": len(both), "n_only_left": len(lids - both), "n_only_right": len(rids - both)}


def link_tables(
    tables: dict[str, pd.DataFrame | None], *, report: QualityReport
) -> tuple[dict[str, pd.DataFrame | None], pd.DataFrame]:
    """Measure the joins, drop orphan rows by rule, and return the tables and the joins table.

    Raises
    ------
    DataError
        When two tables share no customer id at all (an id format mismatch, e.g. "007" vs "7").

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["1", "2"]})
    >>> s = pd.DataFrame({"customer_id": ["2", "5"]}, index=[2, 3])
    >>> out, joins = link_tables({"customers": c, "survey": s}, report=QualityReport())
    >>> out["survey"].index.tolist(), joins["n_only_right"].tolist()
    ([2], [1])
    """
    rows = []
    pairs = [("customers", "transactions"), ("customers", "survey"), ("transactions", "survey")]
    for left, right in pairs:
        ldf, rdf = tables.get(left), tables.get(right)
        if ldf is None or rdf is None:
            continue
        losses = join_losses(ldf, rdf, left_name=left, right_name=right)
        rows.append(losses)
        if losses["n_matched"] == 0:
            lf, rf = ldf.attrs.get("file", left), rdf.attrs.get("file", right)
            ex_l = sorted(ldf["customer_id"].dropna().unique())[:3]
            ex_r = sorted(rdf["customer_id"].dropna().unique())[:3]
            raise DataError(
                f"no customer id of {rf} ({right}) appears in {lf} ({left}): e.g. {ex_r} vs {ex_l}; "
                "check the id columns and their format (leading zeros, prefixes)",
                file=rf, column="customer_id",
            )
    joins = pd.DataFrame(rows, columns=JOIN_COLUMNS)
    out = dict(tables)
    reference = "customers" if out.get("customers") is not None else "transactions"
    ref_df = out.get(reference)
    if ref_df is None:
        return out, joins
    known = set(ref_df["customer_id"].unique())
    for name, rule in (("transactions", "orphan_transactions"), ("survey", "orphan_survey")):
        df = out.get(name)
        if df is None or name == reference:
            continue
        orphan = ~df["customer_id"].isin(known)
        _check_id_formats(set(df.loc[orphan, "customer_id"].dropna().unique()), known,
                          n_ids=df["customer_id"].nunique(), file=df.attrs.get("file", name),
                          reference_file=ref_df.attrs.get("file", reference),
                          column=df.attrs.get("source_names", {}).get("customer_id", "customer_id"))
        report.add(name, df.attrs.get("file", ""), rule, rows=df.index[orphan].tolist(),
                   n_total=int(df.attrs.get("n_read", len(df))),
                   column=df.attrs.get("source_names", {}).get("customer_id", "customer_id"))
        out[name] = df.loc[~orphan]
    return out, joins


#: Orphan ids that match a known id once leading zeros are dropped, as a share of a table's ids,
#: from which the two tables write their ids differently (and dropping the orphans would be wrong).
MAX_ZERO_PADDED_SHARE = 0.05


def _check_id_formats(orphans: set, known: set, *, n_ids: int, file: str, reference_file: str, column: str) -> None:
    """Stop when many orphan ids are known ids written with or without leading zeros ("042" vs "42")."""
    def unpad(i: str) -> str:
        return i.lstrip("0") or "0"

    unpadded = {unpad(k): k for k in known}
    pairs = sorted((o, unpadded[unpad(o)]) for o in orphans if unpad(o) in unpadded)
    if len(pairs) < 2 or len(pairs) < MAX_ZERO_PADDED_SHARE * n_ids:
        return
    examples = ", ".join(f"{a!r} vs {b!r}" for a, b in pairs[:3])
    raise DataError(
        f"{len(pairs)} of its {n_ids} customer ids are not in {reference_file} as written but match an id there "
        f"once leading zeros are dropped (e.g. {examples}): the two files write ids differently; make them "
        "agree (keep ids as text, with the same zero padding) before running the study",
        file=file, column=column, n_rows=len(pairs),
    )
