"""The data-quality rules of step 4 and the report of what they did.

Every rule is documented once, in :data:`QUALITY_RULES`. A rule either stops the
study (``action == "stop"``: a :class:`~segkit.errors.DataError` names the file,
column, count and example rows) or fixes the data by the stated action and is
counted in a :class:`QualityReport`. Row numbers are spreadsheet row numbers
(header = row 1, first data row = row 2).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: Outliers: an amount above this many times the 99.9th percentile of purchase amounts is capped.
OUTLIER_FACTOR = 10.0
OUTLIER_QUANTILE = 0.999
#: ... applied only to tables with at least this many purchases.
OUTLIER_MIN_ROWS = 100
#: Order ids starting with this are cancellations (as in the UCI Online Retail data).
CANCEL_PREFIX = "C"

_RULES = [
    # rule, applies_to, action, rationale
    ("empty_file", "all", "stop", "A 0-byte file, or one with only blank space, holds no data."),
    ("header_only", "all", "stop", "A header without data rows is usually a failed export."),
    ("undecodable", "CSV", "stop", "Bytes that read neither as UTF-8, nor as Chinese (GB18030/GBK), nor as "
     "Western text (Windows-1252/Latin-1) would turn names into garbage; the error gives the byte offset and "
     "line. The encoding found is reported in step 2."),
    ("wrong_format", "CSV", "stop", "A separator, encoding or date format the study gives that does not fit "
     "the file's first lines stops before the file is read whole, showing the lines or values seen."),
    ("name_not_found", "study", "stop", "A basis variable or descriptor the study names that is in no table "
     "stops before any step runs, naming the closest column names (or the column a feature needs)."),
    ("several_sheets", "Excel", "stop", "Guessing which sheet holds the data is unsafe; the study names it."),
    ("missing_column", "all", "stop", "A required column is absent; the error lists the columns present "
     "and the closest name."),
    ("duplicate_header", "all", "stop", "Two columns of the same name cannot be told apart."),
    ("uncoercible_value", "all", "stop", "Text in a numeric or yes/no column (e.g. a name in amount) means "
     "shifted or mislabelled columns; guessing would corrupt the values."),
    ("decimal_comma", "all", "stop", "Numbers like 12,5 read with decimal '.' would be off by 10x; "
     "the study must say decimal: ','."),
    ("unparsable_date", "transactions", "stop", "A date in no known format is usually a shifted column; "
     "the error names the rows, date_format fixes a custom format."),
    ("ambiguous_dates", "transactions", "stop", "03/04/2024 is 3 April or 4 March; only the study can say "
     "which (date_format)."),
    ("no_customer_ids", "all", "stop", "Without ids nothing can be segmented or joined."),
    ("no_matching_ids", "joins", "stop", "No id of one table appears in the other: usually an id format "
     "mismatch (leading zeros, prefixes)."),
    ("too_few_customers", "study", "stop", "Fewer customers than the largest number of segments to try."),
    ("constant_basis", "customers, survey", "stop", "A segmentation variable with one value (or none) "
     "cannot separate segments."),
    ("blank_row", "all", "drop", "Fully blank rows carry nothing."),
    ("duplicate_row", "customers, transactions", "drop", "Rows identical in every column are double exports; "
     "the first is kept. Not in a survey: two respondents may give identical answers (a repeated respondent id "
     "is duplicate_id)."),
    ("missing_required", "all", "drop", "A row without customer id, date or amount cannot be attributed "
     "(in the audit's waterfall: 'no customer id', then 'no date or amount')."),
    ("missing_optional", "all", "keep as missing", "Other missing values are kept; methods handle them."),
    ("duplicate_id", "customers, survey", "keep first", "One row per customer; the first row in file order "
     "is kept."),
    ("mixed_date_formats", "transactions", "parse each", "Dates in several unambiguous formats are parsed "
     "each by its own format; the count is those not in the most common format."),
    ("future_date", "transactions", "drop", "A date after today is a typing or clock error."),
    ("after_cutoff", "transactions", "keep, flag", "Transactions after the cut-off are kept apart "
     "(after_cutoff = True) as the outcome period for validation; features use only earlier ones."),
    ("amount_derived", "transactions", "derive", "Without an amount column, a line's amount is its quantity "
     "times its unit price (both mapped in the study file)."),
    ("non_product", "transactions", "drop", "Lines that are not sales of a product (postage and carriage, manual "
     "lines, discounts, fees and bank charges, samples, adjustments including bad debt, test codes, gift "
     "vouchers), by a rule on the product code or the description (segkit.io.nonproduct; the study file may "
     "replace the patterns); dropped before returns are netted."),
    ("non_positive_amount", "transactions", "drop", "A unit price <= 0, or an amount <= 0 that is not a return "
     "(no cancellation order id, quantity not negative), is a free item, an adjustment or an error; not a sale. "
     "A return of amount 0 gives nothing back and is dropped too."),
    ("return_netted", "transactions", "net", "A return (negative quantity, or order id starting with the "
     "study's cancel_prefix, 'C' by default, or a negative amount when neither column exists) is subtracted "
     "from the same customer's latest earlier purchases (of the same product where known) in the same period, "
     "never counted as a sale; each purchase line records what was netted off it (returned_amount) and its "
     "margin shrinks in proportion."),
    ("purchase_fully_returned", "transactions", "zero, keep", "A purchase netted to zero by returns was no "
     "sale: its amount becomes 0 (no feature, outcome or value model counts it as a purchase) and the line "
     "is kept so that its returned_amount still counts in the customer's return rate."),
    ("return_unmatched", "transactions", "drop", "A return without an earlier purchase in the same period "
     "(bought before the data starts, or before the cut-off) cannot be netted; kept out of sales. The part of "
     "a return larger than the purchases it is netted against is dropped likewise (the audit's waterfall "
     "counts its money)."),
    ("outlier_capped", "transactions", "cap, flag", "An amount above 10x the 99.9th percentile of purchase "
     "amounts (lower interpolation; tables of 100+ purchases) is capped at that threshold and flagged "
     "(amount_capped = True), so one typo cannot dominate monetary features."),
    ("descriptor_mode", "transactions", "most frequent", "A descriptor read from the transactions (country, "
     "channel, store) takes, per customer, the value of most of the customer's lines up to the cut-off; a tie "
     "goes to the most recent value. Counted: customers whose lines carry more than one value."),
    ("identifier_descriptor", "study", "drop column", "A descriptor that identifies people (mostly e-mail "
     "addresses or phone numbers, or a different value for nearly every customer: names, ids) describes no "
     "segment and must not reach the reports; the study stops, or, with identifier_descriptors: drop in the study "
     "file, the column is left out of every later step (counted: the rows of its table)."),
    ("ids_from_rows", "survey", "number", "A survey without a respondent id column (ids: row in the study file) "
     "numbers its respondents 1, 2, ... in file order; identical answers of two rows are two respondents."),
    ("yes_no_recoded", "survey, customers", "recode", "Columns answered only yes/no (any case, 1/0, true/false, "
     "y/n, 是/否, and the study file's yes_words/no_words) become 1/0; counted: rows with such an answer."),
    ("ordinal_coded", "survey, customers", "code", "A column declared ordinal in the study file becomes 1, 2, ... "
     "in the order of its levels, so profiles and tests use the order; a value not among the levels stops."),
    ("satisfaction_out_of_range", "survey", "set missing", "Satisfaction is on a 1-5 scale; other values "
     "are coding errors (e.g. 99 for 'no answer')."),
    ("orphan_transactions", "transactions", "drop", "Transactions of ids not in the customers table: the "
     "customers table defines the population."),
    ("orphan_survey", "survey", "drop", "Survey answers of ids unknown to the customers (or transactions) "
     "table cannot be linked to behaviour."),
]

#: Every data-quality rule: what it applies to, what it does and why.
QUALITY_RULES = pd.DataFrame(_RULES, columns=["rule", "applies_to", "action", "rationale"])
_ACTIONS = dict(zip(QUALITY_RULES["rule"], QUALITY_RULES["action"]))

#: What an action does to the rows, in three colours for the audit chart.
_EFFECT_COLORS = {"dropped": "#C44E52", "changed": "#DD8452", "kept (flagged)": "#4C72B0"}


_EFFECTS = {"drop": "dropped", "keep first": "dropped", "keep as missing": "kept (flagged)",
            "keep, flag": "kept (flagged)", "parse each": "kept (flagged)", "number": "kept (flagged)",
            "most frequent": "kept (flagged)"}


def _effect(action: str) -> str:
    # net, zero, cap and set missing change values in place
    return _EFFECTS.get(action, "changed")


REPORT_COLUMNS = ["table", "file", "rule", "column", "action", "n_rows", "share", "example_rows"]


@dataclass
class QualityReport:
    """What the quality rules found and did, one row per table, rule and column.

    Attributes
    ----------
    table : DataFrame
        Columns ``table, file, rule, column, action, n_rows, share, example_rows``;
        ``share`` is ``n_rows`` over the rows read from the file; ``example_rows``
        lists up to five spreadsheet row numbers.

    Examples
    --------
    >>> rep = QualityReport()
    >>> rep.add("transactions", "t.csv", "duplicate_row", rows=[3, 9], n_total=10)
    >>> rep.table[["rule", "n_rows", "share"]].values.tolist()
    [['duplicate_row', 2, 0.2]]
    """

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REPORT_COLUMNS))

    def add(
        self,
        table: str,
        file: str,
        rule: str,
        *,
        rows: Sequence[int] = (),
        n_rows: int | None = None,
        n_total: int,
        column: str = "",
    ) -> None:
        """Record that ``rule`` affected ``rows`` (or ``n_rows`` rows) of ``n_total``; zero counts are skipped."""
        n = len(rows) if n_rows is None else int(n_rows)
        if n == 0:
            return
        row = {
            "table": table, "file": file, "rule": rule, "column": column, "action": _ACTIONS[rule],
            "n_rows": n, "share": round(n / n_total, 6) if n_total else 0.0,
            "example_rows": ", ".join(str(int(r)) for r in list(rows)[:5]),
        }
        new = pd.DataFrame([row], columns=REPORT_COLUMNS)
        self.table = new if self.table.empty else pd.concat([self.table, new], ignore_index=True)

    def n(self, rule: str, table: str | None = None) -> int:
        """Rows affected by ``rule`` (in ``table`` if given)."""
        t = self.table
        mask = t["rule"].eq(rule) & (t["table"].eq(table) if table else True)
        return int(t.loc[mask, "n_rows"].sum())

    def summary(self) -> str:
        """A few lines in words: what was fixed, by rule."""
        if self.table.empty:
            return "Data quality: no rule had to fix anything."
        lines = ["Data quality: rows affected by each rule"]
        for r in self.table.itertuples():
            col = f" [{r.column}]" if r.column else ""
            lines.append(f"  {r.table:<12} {r.rule:<26}{col} {r.n_rows:>8} rows ({r.share:.1%}) -> {r.action}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report and the rules as a JSON-able document (``issues``, ``rules``, ``convention``)."""
        return {
            "convention": "row numbers are spreadsheet rows: header = row 1, first data row = row 2",
            "issues": self.table.astype(object).to_dict(orient="records"),
            "rules": QUALITY_RULES.to_dict(orient="records"),
        }

    def to_json(self, path: Path | str) -> Path:
        """Write :meth:`to_dict` to ``path``; return the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=int), encoding="utf-8")
        return path

    def plot(self, ax=None):
        """Horizontal bars of rows affected per table and rule, coloured by what the rule did.

        Largest first, each bar labelled with its count; the colours tell rows
        dropped from rows changed (netted, capped, set missing) and rows kept as
        they are (kept as missing, flagged). Returns the Axes.
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.38 * max(len(self.table), 2) + 1))
        if self.table.empty:
            ax.text(0.5, 0.5, "no rule affected any row", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return ax
        t = self.table.groupby(["table", "rule", "action"], as_index=False)["n_rows"].sum()
        t["effect"] = t["action"].map(_effect)
        t = t.sort_values(["n_rows", "table", "rule"], ascending=[False, True, True], kind="stable")
        labels = t["table"] + ": " + t["rule"].str.replace("_", " ")
        colors = t["effect"].map(_EFFECT_COLORS)
        bars = ax.barh(labels, t["n_rows"], color=colors)
        ax.bar_label(bars, labels=[f"{n:,}" for n in t["n_rows"]], padding=3, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel("rows affected")
        ax.margins(x=0.12)
        ax.grid(axis="y", visible=False)
        shown = [e for e in _EFFECT_COLORS if e in set(t["effect"])]
        ax.legend(handles=[Patch(color=_EFFECT_COLORS[e], label=e) for e in shown], loc="lower right",
                  frameon=False)
        ax.set_title("Data-quality rules: rows affected")
        return ax

    def _repr_html_(self) -> str:
        return self.table.to_html(index=False)
