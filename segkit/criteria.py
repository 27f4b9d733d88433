"""The brief's criteria as measures: what segkit can measure, how a criterion is read, and its verdict row.

A success or knock-out criterion of the study file is either structured::

    success_criteria:
      - {measure: outcome_p_value, outcome: revenue_after, threshold: 0.01}
      - {measure: identification_accuracy, source: early_behaviour, threshold: 0.7}

or free text (``"Segments differ in revenue after the cut-off (p < 0.01)"``), which
:func:`read_criterion` reads by fixed rules: the first measure of :data:`MEASURES`
whose keywords the text contains, and the threshold from a number in the text
(``70%`` -> 0.7, ``p < 0.01`` -> 0.01, ``>= 0.7`` -> 0.7), else the measure's
default. Text that matches no measure is left to the team (``team_judges``):
listed in the verdict, never counted as passed or failed.

Step 1 reads every criterion once (:func:`read_criterion`) and stores the
result in the brief, so step 1's page already shows how each will be
measured; step 7 measures each one (:func:`measure_criteria`): one verdict row
per criterion of the brief, nothing counted twice.

This module loads nothing heavy: :mod:`segkit.config` validates structured
criteria against :data:`MEASURE_NAMES` without loading the statistics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "IDENTIFICATION_SOURCES",
    "MEASURES",
    "MEASURE_NAMES",
    "OUTCOMES",
    "OUTCOME_WORDS",
    "Criterion",
    "Evidence",
    "Measure",
    "brief_criteria",
    "evidence_link",
    "kpi_outcome",
    "measure_criteria",
    "read_criterion",
]


@dataclass(frozen=True)
class Measure:
    """One thing segkit can measure about a segmentation, and how a criterion on it passes.

    Attributes
    ----------
    name : str
        The name a structured criterion gives (``measure: outcome_p_value``).
    label : str
        What is measured, in words; ``{outcome}`` and ``{source}`` are filled per criterion.
    comparison : {">=", ">", "<"}
        The criterion passes when the value compares so with the threshold. A lift passes only when
        its whole 95% interval, as the report rounds it, does.
    default : float or None
        The threshold when the criterion gives none (None: the brief's ``min_segment_share``).
    unit : {"share", "p", "index", "ratio"}
        How the value and the threshold are written.
    page, heading : str
        Where the evidence is: the step's report and the heading of its section.
    keywords : str
        Regular expression a free-text criterion must contain to be read as this measure.
    """

    name: str
    label: str
    comparison: Literal[">=", ">", "<"]
    default: float | None
    unit: Literal["share", "p", "index", "ratio", "none"]
    page: str
    heading: str
    keywords: str


#: Every measure segkit knows, in the order free text is matched against them (first match wins).
MEASURES: tuple[Measure, ...] = (
    Measure("replication_ari", "split-half adjusted Rand index (segments refitted on two random halves)", ">=",
            0.7, "index", "07_validation.html", "Do the segments replicate?",
            r"replicat|split|\bhalf\b|halves|rand index|\bari\b|reproduc"),
    Measure("bootstrap_ari", "median adjusted Rand index between bootstrap solutions at the chosen k", ">=", 0.65,
            "index", "05_stability.html", "Is there a stable segmentation, and how many segments?",
            r"\bstab|bootstrap"),
    Measure("identification_accuracy", "cross-validated accuracy of placing a customer in a segment {source}", ">=",
            0.7, "share", "06_profiling.html", "How to recognise a member: the identification rule",
            r"identif|\bplaced?\b|accura|recogni|assign|measurable|classif"),
    Measure("lift_vs_past_spend", "{outcome} per customer of the target segments / that of as many "
            "customers with the highest past spend", ">", 1.0, "ratio", "07_validation.html",
            "Do the segments beat ranking by past spend?",
            r"heuristic|past spend|\bbeat|better than (ranking|the top)|top customers by"),
    Measure("target_lift", "{outcome} per customer of the target segments / the whole base's (lift over "
            "random targeting)", ">=", 1.5, "ratio", "07_validation.html",
            "Do the segments beat ranking by past spend?", r"\blift|\bgains?\b"),
    Measure("segment_p_value", "largest p-value of a segment against the rest of the base in {outcome} "
            "(Holm-adjusted): every segment must differ", "<", 0.01, "p", "07_validation.html",
            "Did the segments behave differently afterwards?",
            r"segment's behaviou?r|each segment|every segment\b.*differ|from the others|from the rest"),
    Measure("outcome_p_value", "p-value of the difference in {outcome} between segments", "<", 0.01, "p",
            "07_validation.html", "Did the segments behave differently afterwards?",
            r"differ|signific|p\s*[<=≤]|distinct"),
    Measure("min_segment_share", "smallest segment's share of the customers", ">=", None, "share",
            "05_stability.html", "The segments",
            r"substantial|large enough|big enough|\bshare\b|\bsize|smallest segment|at least [\d.]+\s*% of"),
    Measure("team_judges", "not measured by segkit: the team judges", ">=", None, "none", "01_goals.html",
            "Success criteria", r"(?!)"),
)

MEASURE_NAMES: tuple[str, ...] = tuple(m.name for m in MEASURES)
_BY_NAME = {m.name: m for m in MEASURES}

#: The outcomes after the cut-off a criterion can name, and the words that name them (first match wins).
OUTCOMES: dict[str, str] = {
    "promo_share_after": r"promot",
    "active_after": r"\bactive|buy(ing)? again|retention|retain|churn|still buy",
    "orders_after": r"\border|purchases|frequen|visits",
    "revenue_after": r"revenue|spend|sales|value|turnover|\bkpi\b",
}
#: Each outcome after the cut-off in words, as sentences name it.
OUTCOME_WORDS = {"revenue_after": "revenue after the cut-off", "orders_after": "orders after the cut-off",
                  "active_after": "the share buying after the cut-off",
                  "promo_share_after": "the promotion share after the cut-off"}

#: Where a new customer's segment is read from: their first months of purchases, or who they are.
IDENTIFICATION_SOURCES: dict[str, str] = {
    "early_behaviour": r"first (few )?(months|weeks|days|\d+ days)|early|first purchases|behaviou?r",
    "descriptors": r"descriptor|who they are|demograph|prospect|attribute|\bage\b|survey answer",
}


@dataclass(frozen=True)
class Criterion:
    """One criterion of the brief, read: its text, kind, measure and threshold.

    Attributes
    ----------
    text : str
        As the study file gives it (or written from the structured form).
    kind : {"success", "knock-out"}
    measure : str
        One of :data:`MEASURE_NAMES`.
    threshold : float or None
        None only for ``team_judges``.
    outcome : str or None
        For outcome and lift measures: which outcome after the cut-off.
    source : str or None
        For identification: ``early_behaviour`` or ``descriptors``; None: early behaviour where the
        study has transactions, else descriptors.
    read_as : str
        How the text was read, in words (``"structured"`` or the rule that matched).
    """

    text: str
    kind: str
    measure: str
    threshold: float | None
    outcome: str | None = None
    source: str | None = None
    read_as: str = "structured"

    @property
    def spec(self) -> Measure:
        return _BY_NAME[self.measure]

    def measured_by(self, source: str | None = None, window_days: int | None = None) -> str:
        """What is measured, in words, for this criterion."""
        src = source or self.source
        first = f"first {window_days} days" if window_days else "first months"
        where = {"early_behaviour": f"from their {first} of purchases",
                 "descriptors": "from descriptors (who they are)",
                 None: "from their first months of purchases, or descriptors without transactions"}[src]
        return self.spec.label.format(outcome=OUTCOME_WORDS.get(self.outcome or "", self.outcome or ""),
                                      source=where)

    @property
    def threshold_text(self) -> str:
        if self.threshold is None:
            return "n/a"
        return f"{self.spec.comparison} {format_threshold(self.threshold, self.spec.unit)}"

    def to_record(self) -> dict[str, Any]:
        """The criterion as the brief stores it (JSON)."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | str, *, kind: str = "success") -> Criterion:
        """A criterion from the brief; a plain string (an older brief) is read as free text."""
        if isinstance(record, str):
            return read_criterion(record, kind=kind)
        thr = record.get("threshold")
        return cls(str(record.get("text") or ""), str(record.get("kind") or kind), str(record["measure"]),
                   None if thr is None else float(thr), record.get("outcome"), record.get("source"),
                   str(record.get("read_as") or "structured"))


def format_value(value: float | None, unit: str) -> str:
    """A value or threshold as the verdict writes it: shares in %, p-values and indices to 2-3 decimals.

    Examples
    --------
    >>> format_value(0.7, "share"), format_value(0.0004, "p"), format_value(1.234, "ratio")
    ('70%', '< 0.001', '1.23')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not measured"
    if unit == "share":
        return f"{100 * value:.0f}%" if round(100 * value, 1) == round(100 * value) else f"{100 * value:.1f}%"
    if unit == "p":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    return f"{value:.2f}"


def format_threshold(value: float, unit: str) -> str:
    """A threshold as the brief states it: ``70%``, ``0.01``, ``0.7``.

    Examples
    --------
    >>> format_threshold(0.7, "share"), format_threshold(0.01, "p"), format_threshold(1.5, "ratio")
    ('70%', '0.01', '1.5')
    """
    return format_value(value, unit) if unit == "share" else f"{value:g}"


def kpi_outcome(text: str | None) -> str:
    """The outcome after the cut-off a text names (``"orders per customer"`` -> ``orders_after``); revenue if none.

    Examples
    --------
    >>> kpi_outcome("share of customers still buying"), kpi_outcome("revenue per customer"), kpi_outcome(None)
    ('active_after', 'revenue_after', 'revenue_after')
    """
    for outcome, words in OUTCOMES.items():
        if text and re.search(words, text, re.I):
            return outcome
    return "revenue_after"


_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|percent)")
_P_VALUE = re.compile(r"\bp\s*(?:<=|<|≤|=)\s*(\d*\.?\d+)", re.I)
_COMPARED = re.compile(r"(?:>=|≥|<=|≤|>|<|=|at least|at most|above|below|under|over|of)\s*(\d*\.?\d+)", re.I)


def _threshold(text: str, measure: Measure) -> float | None:
    """The threshold a text states for ``measure``, or None (then the measure's default applies)."""
    if measure.unit == "p":
        m = _P_VALUE.search(text)
        return float(m.group(1)) if m else None
    m = _PERCENT.search(text)
    if m and measure.unit in ("share", "index"):
        return float(m.group(1)) / 100
    m = _COMPARED.search(text)
    if m:
        v = float(m.group(1))
        if measure.unit in ("share", "index") and 1 < v <= 100:
            return v / 100  # "at least 70" (percent without the sign)
        return v
    return None


def read_criterion(item: str | Mapping[str, Any], *, kind: str, kpi: str | None = None,
                   min_segment_share: float = 0.05) -> Criterion:
    """Read one criterion of the study file: structured (a mapping) or free text.

    Free text is read by the first measure of :data:`MEASURES` whose keywords it contains; the
    threshold is a number in the text (a percentage, ``p < x``, or a number after ``>=``, ``at
    least`` ...) or the measure's default; the outcome of an outcome or lift measure is the one the
    text names, else the KPI's, else revenue; the identification source is the one the text names
    (first months of purchases, or descriptors), else decided by the data at step 7.

    Parameters
    ----------
    item : str or mapping
        The criterion as the study file gives it.
    kind : {"success", "knock-out"}
    kpi : str, optional
        The brief's KPI, for the default outcome.
    min_segment_share : float
        The brief's minimum segment share: the default threshold of ``min_segment_share``.

    Returns
    -------
    Criterion

    Examples
    --------
    >>> c = read_criterion("Segments differ in orders after the cut-off (p < 0.05)", kind="success")
    >>> c.measure, c.threshold, c.outcome
    ('outcome_p_value', 0.05, 'orders_after')
    >>> read_criterion("A new customer can be placed with at least 70% accuracy", kind="success").threshold
    0.7
    >>> read_criterion("Accessible: members can be reached through our channels", kind="knock-out").measure
    'team_judges'
    """
    if isinstance(item, Mapping):
        name = str(item["measure"])
        if name not in _BY_NAME:
            raise ValueError(f"unknown measure {name!r}; segkit measures {', '.join(MEASURE_NAMES)}")
        spec = _BY_NAME[name]
        thr = item.get("threshold")
        threshold = float(thr) if thr is not None else (spec.default if spec.default is not None
                                                        else (None if name == "team_judges" else min_segment_share))
        outcome = item.get("outcome") or (kpi_outcome(kpi) if "{outcome}" in spec.label else None)
        source = item.get("source")
        crit = Criterion("", kind, name, threshold, outcome, source, "structured")
        text = item.get("text") or (crit.measured_by() + ("" if threshold is None else f" {crit.threshold_text}"))
        return Criterion(str(text), kind, name, threshold, outcome, source, "structured")
    text = str(item)
    spec = next((m for m in MEASURES if re.search(m.keywords, text, re.I)), _BY_NAME["team_judges"])
    if spec.name == "team_judges":
        return Criterion(text, kind, "team_judges", None, read_as="no measure's keywords")
    stated = _threshold(text, spec)
    threshold = stated if stated is not None else (spec.default if spec.default is not None else min_segment_share)
    outcome = None
    if "{outcome}" in spec.label:
        named = next((o for o, words in OUTCOMES.items() if re.search(words, text, re.I)), None)
        outcome = named or kpi_outcome(kpi)
    source = None
    if spec.name == "identification_accuracy":
        source = next((s for s, words in IDENTIFICATION_SOURCES.items() if re.search(words, text, re.I)), None)
    how = f"keywords of {spec.name}" + ("" if stated is not None else ", default threshold")
    return Criterion(text, kind, spec.name, threshold, outcome, source, how)


def brief_criteria(brief: Mapping[str, Any]) -> list[Criterion]:
    """Every criterion of a brief, knock-out first, as :class:`Criterion`: one verdict row each."""
    return [Criterion.from_record(c, kind=kind) for kind, key in (("knock-out", "knockout_criteria"),
                                                                 ("success", "success_criteria"))
            for c in brief.get(key) or []]


def evidence_link(measure: str) -> str:
    """The report section that holds a measure's evidence: ``"07_validation.html#Do-the-segments-replicate?"``.

    The anchor is the section's heading with spaces as hyphens, as the HTML export names it.
    """
    spec = _BY_NAME[measure]
    return f"{spec.page}#{spec.heading.replace(' ', '-')}"


@dataclass
class Evidence:
    """What steps 5-7 measured, for the verdict; a missing measure holds None and a reason in ``notes``.

    Attributes
    ----------
    segment_shares : dict of int to float, optional
        Each segment's share of the customers.
    outcome_p : dict of str to float, optional
        The p-value of the test of segment differences, per outcome after the cut-off.
    segment_p : dict of str to (float, int), optional
        Per outcome: the largest Holm-adjusted p-value of a segment against the rest, and that segment.
    identification : dict, optional
        Per source (``early_behaviour``, ``descriptors``): ``accuracy``, ``baseline`` (share of
        the largest segment), ``n`` and, for early behaviour, ``window_days``.
    replication_ari, bootstrap_ari : float, optional
    lift : dict, optional
        Per baseline (``random``, ``past spend``): ``(lift, ci_low, ci_high)`` of the target segments.
    lift_outcome : str, optional
        The outcome the lift is measured on.
    has_transactions : bool
        Whether the study has transactions (the default identification source then is early behaviour).
    notes : dict of str to str
        Measure name -> why it could not be measured.
    """

    segment_shares: dict[int, float] | None = None
    outcome_p: dict[str, float] | None = None
    segment_p: dict[str, tuple[float, int]] | None = None
    identification: dict[str, dict[str, Any]] = field(default_factory=dict)
    replication_ari: float | None = None
    bootstrap_ari: float | None = None
    lift: dict[str, tuple[float, float, float]] | None = None
    lift_outcome: str | None = None
    has_transactions: bool = True
    notes: dict[str, str] = field(default_factory=dict)


#: Columns of the verdict table, in order.
VERDICT_COLUMNS = ["criterion", "kind", "measure", "measured_by", "threshold", "threshold_text", "value",
                   "value_text", "passed", "evidence", "note", "same_as"]


def _why(evidence: Evidence, measure: str, default: str) -> str:
    return evidence.notes.get(measure, default)


def _row(c: Criterion, evidence: Evidence) -> dict[str, Any]:
    spec = c.spec
    row: dict[str, Any] = {"criterion": c.text, "kind": c.kind, "measure": c.measure,
                           "measured_by": c.measured_by(), "threshold": c.threshold,
                           "threshold_text": c.threshold_text, "value": math.nan, "passed": None,
                           "evidence": evidence_link(c.measure), "note": ""}
    value: float | None = None
    interval_low: float | None = None
    note = ""
    beats_baseline = True
    if c.measure == "team_judges":
        row.update(note="segkit has no measure for this; the team judges it", value_text="not measured")
        return row
    if c.measure == "min_segment_share":
        if evidence.segment_shares:
            seg, value = min(evidence.segment_shares.items(), key=lambda kv: kv[1])
            note = f"segment {seg} is the smallest"
        else:
            note = _why(evidence, c.measure, "no segment sizes")
    elif c.measure == "outcome_p_value":
        if evidence.outcome_p is None:
            note = _why(evidence, c.measure, "later behaviour was not compared")
        elif c.outcome not in evidence.outcome_p:
            note = f"{c.outcome} was not measured; measured: {', '.join(evidence.outcome_p)}"
        else:
            value = evidence.outcome_p[str(c.outcome)]
    elif c.measure == "segment_p_value":
        if evidence.segment_p is None:
            note = _why(evidence, "outcome_p_value", "later behaviour was not compared")
        elif c.outcome not in evidence.segment_p:
            note = f"{c.outcome} was not measured; measured: {', '.join(evidence.segment_p)}"
        else:
            value, seg = evidence.segment_p[str(c.outcome)]
            note = f"segment {seg} differs least from the rest"
    elif c.measure == "identification_accuracy":
        source = c.source or ("early_behaviour" if evidence.has_transactions else "descriptors")
        found = evidence.identification.get(source)
        if found is None:
            note = _why(evidence, f"identification_{source}", f"no identification {source.replace('_', ' ')}")
        else:
            value = float(found["accuracy"])
            base = float(found["baseline"])
            beats_baseline = value > base
            note = f"{found['n']:,} customers; guessing the largest segment is right for {100 * base:.0f}%"
            row["measured_by"] = c.measured_by(source, found.get("window_days"))
    elif c.measure in ("replication_ari", "bootstrap_ari"):
        value = getattr(evidence, c.measure)
        if value is None:
            note = _why(evidence, c.measure, "not measured")
    elif c.measure in ("target_lift", "lift_vs_past_spend"):
        key = "random" if c.measure == "target_lift" else "past spend"
        if not evidence.lift or key not in evidence.lift:
            note = _why(evidence, c.measure, "no target segments to measure")
        elif evidence.lift_outcome != c.outcome:
            note = f"lift is measured on {evidence.lift_outcome}, not {c.outcome}"
        else:
            value, lo, hi = evidence.lift[key]
            note = f"95% interval {lo:.2f} to {hi:.2f}; a lift passes only when the whole interval does"
            # judged on the interval's lower end as the report shows it, so the verdict never claims more
            interval_low = round(lo, 2)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        row.update(value_text="not measured", note=note)
        return row
    assert c.threshold is not None
    judged = interval_low if interval_low is not None else value
    ok = {">=": judged >= c.threshold, ">": judged > c.threshold, "<": judged < c.threshold}[spec.comparison]
    row.update(value=float(value), value_text=format_value(float(value), spec.unit), passed=bool(ok and beats_baseline),
               note=note + ("" if beats_baseline else "; no better than that guess"))
    return row


def measure_criteria(criteria: list[Criterion], evidence: Evidence) -> list[dict[str, Any]]:
    """One verdict row per criterion (:data:`VERDICT_COLUMNS`): the measure, threshold, value, pass and evidence.

    ``passed`` is True or False for a measured criterion and None when it could not be measured (the
    note says why) or is left to the team. An identification accuracy passes only when it also beats
    guessing the largest segment.

    Examples
    --------
    >>> c = read_criterion("Every segment holds at least 5% of customers", kind="knock-out")
    >>> rows = measure_criteria([c], Evidence(segment_shares={1: 0.7, 2: 0.3}))
    >>> rows[0]["value_text"], rows[0]["passed"]
    ('30%', True)
    """
    rows = [_row(c, evidence) for c in criteria]
    # Two criteria of the brief may rest on the same measurement: each keeps its row and says so, and
    # ``same_as`` (the earlier row's number, from 1) lets a count take the measurement once.
    seen: dict[tuple, int] = {}
    for i, (c, row) in enumerate(zip(criteria, rows)):
        row["same_as"] = None
        if c.measure == "team_judges" or row["passed"] is None:
            continue
        key = (row["measured_by"], row["value_text"], row["threshold_text"])
        if key in seen:
            first = criteria[seen[key]]
            same = f"the same measurement as the {first.kind} criterion #{seen[key] + 1}, counted once"
            row["note"] = f"{row['note']}; {same}" if row["note"] else same
            row["same_as"] = seen[key] + 1
        else:
            seen[key] = i
    return rows
