"""Step 6, profiling: describe each segment so it can be recognised and reached.

How big and how valuable each segment is, where the profit comes from (the
whale curve), how each segment differs on the variables that formed it, who
its members are (personas, descriptor tests, a multinomial logit), how staff
can recognise a member (identification rules), whom to call first (likelihood
to buy) and which segments to target (Dolnicar, Grün & Leisch 2018, ch. 8-10).

Every section the data cannot support is left empty with the reason in words
(``*_note``), so a study without transactions, margin or descriptors runs
through and its report says what it could not do. Step 5's ``segments.json``
is never rewritten: value share and persona go to step 6's own
``segment_profiles.json``, which the run's index page merges in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from segkit import profiling as pr
from segkit.early import EARLY_COLUMNS, EARLY_WINDOW_DAYS
from segkit.errors import DataError
from segkit.pipeline import numeric_columns, segment_measures
from segkit.progress import Progress
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["ProfilingResult", "Separation", "run"]

#: The customer-table column that says what a customer is worth (net spend up to the cut-off).
VALUE_COLUMN = "monetary_total"
#: The customer-table column of profit (net margin up to the cut-off), when the transactions carry a margin.
MARGIN_COLUMN = "margin_total"
#: Customers on the call list the report shows.
BEST_LIST_LENGTH = 15
#: Depth of the behaviour rule: 4 still reads as a short rule and lets the tree use every basis
#: variable of a 5-8 segment solution.
BEHAVIOUR_RULE_DEPTH = 4
#: A text descriptor keeps at most this many levels in step 6: the most frequent, the rest pooled as "other"
#: (a store or city column with thousands of values would make the tests and rules run for many minutes).
MAX_DESCRIPTOR_LEVELS = 20
OTHER_LEVEL = "other"


def bucket_levels(table: pd.DataFrame, descriptors: list[str], *, max_levels: int = MAX_DESCRIPTOR_LEVELS
                  ) -> tuple[pd.DataFrame, str | None]:
    """``table`` with each text descriptor cut to its ``max_levels - 1`` most frequent levels plus "other".

    Returns the table (a copy when anything changed) and a sentence saying what was pooled, or None.

    Examples
    --------
    >>> t = pd.DataFrame({"city": [f"c{i % 30}" for i in range(300)]})
    >>> out, note = bucket_levels(t, ["city"], max_levels=5)
    >>> sorted(out["city"].unique())[:2], out["city"].nunique()
    (['c0', 'c1'], 5)
    >>> note
    "city has 30 values: the 4 most frequent are kept and the other 26 pooled as 'other' (260 customers)."
    """
    notes, out = [], table
    for d in descriptors:
        col = table[d]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        counts = col.dropna().astype(str).value_counts()
        if len(counts) <= max_levels:
            continue
        keep = set(counts.index[:max_levels - 1])
        if out is table:
            out = table.copy()
        text = col.astype(str).where(col.notna())
        out[d] = text.where(text.isin(keep) | text.isna(), OTHER_LEVEL)
        pooled = int(counts.iloc[max_levels - 1:].sum())
        notes.append(f"{d} has {len(counts):,} values: the {max_levels - 1} most frequent are kept and the other "
                     f"{len(counts) - max_levels + 1:,} pooled as {OTHER_LEVEL!r} ({pooled:,} customers)")
    return out, ("; ".join(notes) + ".") if notes else None


#: Depth of the descriptor rule: staff ask at most three questions of a prospect.
DESCRIPTOR_RULE_DEPTH = 3
#: The parts of step 6 the terminal names as each starts.
PROFILING_PARTS = 6


@dataclass(frozen=True)
class Separation:
    """What the separation plot draws: the numeric prepared basis of the segmented customers and their segments.

    Attributes
    ----------
    X : DataFrame
        Numeric columns of the prepared basis, one row per customer with a segment.
    labels : ndarray of int
        Each row's segment.
    names : dict of int to str
        Segment names for the centroid labels.
    random_state : int
        Seed of the projection and of the subsample drawn.
    """

    X: pd.DataFrame
    labels: np.ndarray
    names: dict[int, str]
    random_state: int

    def plot(self, ax: Any = None) -> Any:
        """The customers on the first two principal components (:func:`segkit.profiling.separation_plot`)."""
        return pr.separation_plot(self.X, self.labels, ax=ax, names=self.names, random_state=self.random_state)


@dataclass
class ProfilingResult:
    """What step 6 shows.

    A section the data cannot support holds None and its ``*_note`` says why,
    in a sentence the report prints as it is.

    Attributes
    ----------
    method : str
        The method of step 3.
    basis_kind : str
        ``"numeric"`` (behaviour), ``"binary"`` (yes/no survey answers) or
        ``"mixed"``, as step 3 recorded it.
    k : int
        Number of segments of step 5's solution.
    n_customers : int
        Customers with a segment.
    names : dict of int to str
        Segment number -> name (step 5's).
    segments : DataFrame
        Step 5's segments (``segment``, ``name``, ``n_customers``, ``share``,
        ``action``, ...) with ``value_share`` and ``persona`` added.
    sizes : DataFrame or None
        Size and value of each segment (:func:`segkit.profiling.segment_sizes`)
        with the attractiveness measures (growth, promotion share, ...). The
        profit columns are left out when spend stands in for profit (they
        would repeat the value columns).
    sizes_note : str or None
        Why there are no sizes by value.
    profit_label : str or None
        What the whale curve and the profit measures rank by: ``"profit"``
        (the margin), or ``"spend"`` when the transactions carry no margin.
        None without transactions.
    profit_note : str or None
        Where the profit measure comes from, in a sentence.
    profile : ProfileResult or None
        Segment means of the numeric basis variables against the base.
    profile_note : str or None
        Why there is no profile.
    separation : Separation or None
        The inputs of the separation plot.
    separation_note : str or None
        Why there is no separation plot.
    whale : WhaleCurve or None
        Customers ranked by profit (or spend), labelled with ``profit_label``.
    whale_note : str or None
        Why there is no whale curve.
    descriptors : list of str
        The study's descriptors present in the customer table.
    personas : PersonaResult or None
        Each segment on the descriptors, against the base.
    persona_texts : dict of int to str
        The persona paragraph of each segment with members.
    personas_note : str or None
        Why there are no personas.
    descriptor_tests : DataFrame or None
        Each descriptor tested for association with the segments (Holm-adjusted).
    logit : LogitResult or None
        Multinomial logit of segment on the descriptors.
    logit_note : str or None
        Why the descriptor tests or the logit are missing.
    behaviour_rule : IdentificationRule
        The identification rule from the basis variables.
    descriptor_rule : IdentificationRule or None
        The identification rule from descriptors only.
    descriptor_rule_note : str or None
        Why there is no descriptor rule.
    early_rule : IdentificationRule or None
        The identification rule from each customer's first :data:`~segkit.early.EARLY_WINDOW_DAYS`
        days of purchases: how a *new* customer is placed.
    early_rule_note : str or None
        Why there is no early-behaviour rule.
    likelihood : LikelihoodToBuy or None
        Each customer's likelihood to buy after the cut-off.
    likelihood_note : str or None
        Why there is no likelihood to buy.
    targets : TargetMatrix or None
        Segments scored on attractiveness and fit to the goal.
    targets_note : str or None
        Why there is no target matrix.
    targets_by_spend : tuple of str
        Attractiveness criteria about profit or margin that were measured by
        spend, because the transactions carry no margin.
    min_segment_share : float
        The brief's minimum segment share (a target segment holds at least this).
    """

    method: str
    basis_kind: str
    k: int
    n_customers: int
    names: dict[int, str]
    segments: pd.DataFrame
    sizes: pd.DataFrame | None
    sizes_note: str | None
    profit_label: str | None
    profit_note: str | None
    profile: pr.ProfileResult | None
    profile_note: str | None
    separation: Separation | None
    separation_note: str | None
    whale: pr.WhaleCurve | None
    whale_note: str | None
    descriptors: list[str]
    personas: pr.PersonaResult | None
    persona_texts: dict[int, str]
    personas_note: str | None
    descriptor_tests: pd.DataFrame | None
    logit: pr.LogitResult | None
    logit_note: str | None
    behaviour_rule: pr.IdentificationRule
    descriptor_rule: pr.IdentificationRule | None
    descriptor_rule_note: str | None
    likelihood: pr.LikelihoodToBuy | None
    likelihood_note: str | None
    targets: pr.TargetMatrix | None
    targets_note: str | None
    targets_by_spend: tuple[str, ...] = ()
    early_rule: pr.IdentificationRule | None = None
    early_rule_note: str | None = None
    early_window_days: int = EARLY_WINDOW_DAYS
    min_segment_share: float = 0.05
    #: text descriptors cut to their most frequent levels (:func:`bucket_levels`), in a sentence; None when none was
    descriptor_levels_note: str | None = None

    # ------------------------------------------------------------------ views the report shows
    @property
    def basis_label(self) -> str:
        """What the basis variables are, in words: ``"survey answers"`` or ``"behaviour"``."""
        return "survey answers" if self.basis_kind == "binary" else "behaviour"

    @property
    def size_table(self) -> pd.DataFrame:
        """Size and value of each segment; without transactions, size only."""
        if self.sizes is not None:
            return self.sizes
        return self.segments[["segment", "name", "n_customers", "share"]]

    @property
    def segment_actions(self) -> pd.DataFrame:
        """The segments with size, value share and action: what to do with each."""
        cols = [c for c in ("segment", "name", "n_customers", "share", "value_share", "action")
                if c in self.segments]
        return self.segments[cols]

    @property
    def distinctive(self) -> pd.DataFrame | None:
        """The distinctive differences from the base (segment, variable, means, standardised difference)."""
        if self.profile is None:
            return None
        t = self.profile.table
        return t.loc[t["distinctive"], ["segment", "variable", "segment_mean", "base_mean", "std_diff"]].round(3)

    @property
    def whale_by_segment(self) -> pd.DataFrame | None:
        """Profit (or spend) by segment, and how many customers are below zero."""
        return None if self.whale is None else self.whale.by_segment()

    @property
    def behaviour_rule_lines(self) -> pd.DataFrame:
        """The behaviour rule as lines for the CRM system."""
        return pd.DataFrame({"rule": self.behaviour_rule.text().splitlines()})

    def plot_sizes(self) -> Any:
        """Each segment's share of customers beside its share of spend (two bar charts); returns the Figure."""
        import matplotlib.pyplot as plt

        sizes = self.sizes
        if sizes is None:
            raise ValueError(f"no sizes to plot: {self.sizes_note}")
        fig, axes = plt.subplots(1, 2, figsize=(11, 0.9 + 0.5 * len(sizes)), sharey=True)
        lab = [f"{s}. {n}" for s, n in zip(sizes["segment"], sizes["name"])]
        for ax, col, colour, what in ((axes[0], "share", "#9AA5B1", "customers"),
                                      (axes[1], "value_share", "#2f5d8a", "spend")):
            ax.barh(lab[::-1], sizes[col][::-1] * 100, color=colour)
            ax.set_xlabel(f"% of {what}")
            ax.set_title(f"Share of {what}")
        fig.tight_layout()
        return fig

    @property
    def descriptor_rule_lines(self) -> pd.DataFrame | None:
        """The descriptor rule as lines for staff without purchase data."""
        if self.descriptor_rule is None:
            return None
        return pd.DataFrame({"rule": self.descriptor_rule.text().splitlines()})

    @property
    def early_rule_lines(self) -> pd.DataFrame | None:
        """The early-behaviour rule as lines: how to place a new customer after their first months."""
        if self.early_rule is None:
            return None
        return pd.DataFrame({"rule": self.early_rule.text().splitlines()})

    @property
    def identification(self) -> dict[str, Any]:
        """The identification artifact: every rule's cross-validated accuracy, baseline and customers."""
        doc: dict[str, Any] = {
            "columns": list(self.behaviour_rule.columns), "cv_accuracy": self.behaviour_rule.cv_accuracy,
            "holdout_accuracy": self.behaviour_rule.holdout_accuracy,
            "baseline_accuracy": self.behaviour_rule.baseline_accuracy}
        for key, rule in (("descriptor", self.descriptor_rule), ("early", self.early_rule)):
            doc[f"{key}_cv_accuracy"] = rule.cv_accuracy if rule else None
            doc[f"{key}_baseline_accuracy"] = rule.baseline_accuracy if rule else None
            doc[f"{key}_n"] = rule.n_customers if rule else None
        doc["early_window_days"] = self.early_window_days
        doc["early_note"] = self.early_rule_note
        doc["descriptor_note"] = self.descriptor_rule_note
        return doc

    @property
    def best_list(self) -> pd.DataFrame | None:
        """The first customers to contact, most likely to buy first (with their ids: for the export, not a page)."""
        return None if self.likelihood is None else self.likelihood.best_list(BEST_LIST_LENGTH)

    @property
    def best_list_shown(self) -> pd.DataFrame | None:
        """The best list as the page shows it: without the customer ids, which a sent report must not hold
        (they are in the per-customer export, with each customer's likelihood to buy)."""
        best = self.best_list
        return None if best is None else best.drop(columns=["customer_id"], errors="ignore")

    @property
    def target_segments(self) -> list[int]:
        """The segments step 7 measures as the targets (``target`` in the sizes table)."""
        if self.sizes is None or "target" not in self.sizes:
            return []
        return [int(s) for s in self.sizes.loc[self.sizes["target"], "segment"]]

    @property
    def target_criteria(self) -> pd.DataFrame | None:
        """What each attractiveness criterion measured, one row per criterion, one column per segment."""
        if self.targets is None:
            return None
        return self.targets.criteria.pivot_table(index="criterion", columns="segment",
                                                 values="raw_value").reset_index()

    @property
    def segment_profiles(self) -> list[dict[str, Any]]:
        """One record per segment (``segment``, ``value_share``, ``persona``): the segment profiles artifact."""
        return [{"segment": int(r.segment), "value_share": _number(r.value_share),
                 "persona": None if _missing(r.persona) else str(r.persona)} for r in self.segments.itertuples()]


def _missing(value: Any) -> bool:
    # a column of text and None may come back with NaN (string dtype) for None
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _number(value: Any) -> float | None:
    return None if _missing(value) else float(value)


#: The profit columns of :func:`segkit.profiling.segment_sizes`, and the value column each repeats when
#: spend stands in for profit.
_PROFIT_AS_VALUE = {f"profit{stem}": f"value{stem}" for stem in ("", "_share", "_per_customer", "_index")}


def _sizes(table: pd.DataFrame, assignments: pd.DataFrame, profit_col: str | None, value_col: str | None
           ) -> tuple[pd.DataFrame | None, str | None]:
    if value_col is None:
        return None, "No transactions: segment value cannot be measured in this study."
    sizes = pr.segment_sizes(assignments, table, value_col=value_col, profit_col=profit_col)
    return sizes.merge(segment_measures(table, assignments), on="segment", how="left"), None


def _profit(table: pd.DataFrame) -> tuple[str | None, str | None, str | None]:
    """The profit column, its label and where it comes from; spend stands in when there is no margin."""
    if MARGIN_COLUMN in table:
        return MARGIN_COLUMN, "profit", "Profit is the net margin of each customer's purchases up to the cut-off."
    if VALUE_COLUMN in table:
        return VALUE_COLUMN, "spend", ("The transactions carry no margin, so profit cannot be measured: customers "
                                       "are ranked by spend (net of returns) instead, and the profit and margin "
                                       "measures below are spend.")
    return None, None, None


def saved_targets(sizes: pd.DataFrame, brief: dict[str, Any]
                  ) -> tuple[pr.TargetMatrix | None, str | None, tuple[str, ...]]:
    """Step 6's target matrix again, from the sizes it saved: step 8's evaluation plot shows the same scores.

    Without a margin step 6 saved no profit columns (they repeat the value columns); they are put back
    so the criteria about profit are measured by spend, as step 6 measured them.
    """
    spend = "profit_index" not in sizes
    if spend:
        sizes = sizes.assign(**{p: sizes[v] for p, v in _PROFIT_AS_VALUE.items() if v in sizes})
    return _targets(sizes, brief, "spend" if spend else "profit")


def _targets(sizes: pd.DataFrame | None, brief: dict[str, Any], profit_label: str | None
             ) -> tuple[pr.TargetMatrix | None, str | None, tuple[str, ...]]:
    """The target matrix (or why not) and the criteria measured by spend in place of a missing margin."""
    if sizes is None:
        return None, "No transactions: segments cannot be scored on value, so there is no target matrix.", ()
    try:
        tm = pr.target_matrix(sizes, brief, on_unmeasurable="skip")
    except DataError as err:
        return None, f"The attractiveness criteria cannot be measured from the data: {err}", ()
    by_spend: tuple[str, ...] = ()
    if profit_label == "spend":
        # Without a margin the profit columns repeat the spend columns: name what was really measured.
        crit = tm.criteria
        by_spend = tuple(dict.fromkeys(crit.loc[crit["measured_by"].isin(list(_PROFIT_AS_VALUE)), "criterion"]))
        criteria = crit.assign(measured_by=crit["measured_by"].replace(_PROFIT_AS_VALUE))
        tm = replace(tm, criteria=criteria, fit_source=tm.fit_source.replace("profit index", "value index"))
    return tm, None, by_spend


def _personas(table: pd.DataFrame, assignments: pd.DataFrame, descriptors: list[str]
              ) -> tuple[pr.PersonaResult | None, dict[int, str], str | None]:
    if not descriptors:
        return None, {}, "The study names no descriptors, so there are no personas."
    persona = pr.personas(table, assignments, descriptors)
    # Only segments with members in the customer table have a persona (a rule's empty class has none).
    return persona, {int(s): persona.persona_text(int(s)) for s in persona.sizes["segment"]}, None


def _logit(table: pd.DataFrame, assignments: pd.DataFrame, descriptors: list[str]
           ) -> tuple[pr.LogitResult | None, str | None]:
    if not descriptors:
        return None, "The study names no descriptors to test."
    try:
        return pr.segment_logit(table, assignments, descriptors), None
    except (DataError, ValueError, np.linalg.LinAlgError) as err:
        return None, f"The multinomial logit of segment on the descriptors could not be fitted: {err}"


def _descriptor_rule(table: pd.DataFrame, assignments: pd.DataFrame, descriptors: list[str], seed: int
                     ) -> tuple[pr.IdentificationRule | None, str | None]:
    if not descriptors:
        return None, "The study names no descriptors, so there is no rule for prospects without purchase data."
    try:
        return pr.identification_rule(table, assignments, descriptors, max_depth=DESCRIPTOR_RULE_DEPTH,
                                      random_state=seed), None
    except DataError as err:
        return None, f"No rule from descriptors: {err}"


def _early_rule(early: pd.DataFrame | None, assignments: pd.DataFrame, seed: int
                ) -> tuple[pr.IdentificationRule | None, str | None]:
    if early is None:
        return None, "No transactions: there are no first months of purchases to place a new customer from."
    columns = [c for c in EARLY_COLUMNS if c in early]
    try:
        return pr.identification_rule(early, assignments, columns, max_depth=DESCRIPTOR_RULE_DEPTH,
                                      random_state=seed), None
    except DataError as err:
        return None, f"No rule from the first {EARLY_WINDOW_DAYS} days: {err}"


def _likelihood(table: pd.DataFrame, outcomes: pd.DataFrame | None, assignments: pd.DataFrame, basis: list[str],
                seed: int) -> tuple[pr.LikelihoodToBuy | None, str | None]:
    if outcomes is None:
        return None, ("No transactions after a cut-off: a purchase-likelihood score cannot be trained in this "
                      "study.")
    columns = numeric_columns(table, basis)
    if not columns:
        return None, "The basis has no numeric variable to score the likelihood to buy from."
    try:
        return pr.likelihood_to_buy(table, outcomes, assignments, columns=columns, random_state=seed), None
    except DataError as err:
        return None, f"A purchase-likelihood score cannot be trained: {err}."


def run(ctx: StepContext) -> ProfilingResult:
    """Profile the segments of step 5 and write the step's artifacts.

    Writes ``profiles.parquet``, ``identification.json`` and
    ``segment_profiles.json`` always; ``sizes.parquet`` when there are
    transactions and ``likelihood_to_buy.parquet`` when there are outcomes
    after the cut-off.

    Parameters
    ----------
    ctx : StepContext
        The run folder and the study; steps 1 to 5 must have run.

    Returns
    -------
    ProfilingResult
    """
    cfg = ctx.cfg
    brief = ctx.read(artifacts.BRIEF)
    segmentation = ctx.read(artifacts.SEGMENTATION)
    basis_kind = str(ctx.read(artifacts.METHOD).get("basis_kind") or "numeric")
    table = ctx.read(artifacts.CUSTOMER_TABLE)
    assignments = ctx.read(artifacts.ASSIGNMENTS)
    segments = pd.DataFrame(ctx.read(artifacts.SEGMENTS))
    X = ctx.read(artifacts.BASIS).set_index("customer_id")
    outcomes = ctx.read_optional(artifacts.OUTCOMES)
    basis = list(cfg.basis)
    names = dict(zip(segments["segment"].astype(int), segments["name"]))

    # the parts of this step, said in the terminal as each starts (on a large base several take a while)
    parts = Progress(f"profiling {len(assignments):,} customers", PROFILING_PARTS, ctx.progress)
    parts.begin("segment sizes and profiles")
    value_col = VALUE_COLUMN if VALUE_COLUMN in table else None
    profit_col, profit_label, profit_note = _profit(table)
    sizes, sizes_note = _sizes(table, assignments, profit_col, value_col)

    numeric_basis = numeric_columns(table, basis)
    prof: pr.ProfileResult | None = None
    if numeric_basis:
        # the standardised differences on the basis the segments were formed on: the names' numbers
        prof = pr.profile(table, assignments, numeric_basis, prepared=X)
        profile_note = None
        profiles_table = prof.table
    else:
        profile_note = "The basis has no numeric variable, so segment means cannot be compared."
        profiles_table = pd.DataFrame(columns=["segment", "variable"])

    labels = assignments.set_index("customer_id")["segment"].reindex(X.index.astype(str))
    placed = labels.notna().to_numpy()
    # A categorical basis column (k-prototypes) has no place in a PCA: project the numeric part.
    numeric_X = numeric_columns(X, list(X.columns))
    separation, separation_note = None, None
    parts.begin("separation plot")
    if numeric_X:
        separation = Separation(X.loc[placed, numeric_X], labels[placed].astype(int).to_numpy(), names, cfg.seed)
    else:
        separation_note = "The prepared basis has no numeric variable to project."

    whale, whale_note = None, None
    parts.begin("whale curve")
    if profit_col is None:
        whale_note = "No transactions: no profit to rank."
    else:
        whale = pr.whale_curve(table, assignments, profit_col=profit_col, label=profit_label or "profit")

    parts.begin("descriptors: personas, tests, logit, rule")
    descriptors = [d for d in cfg.descriptors if d in table.columns]
    described, levels_note = bucket_levels(table, descriptors)
    persona, persona_texts, personas_note = _personas(described, assignments, descriptors)
    desc_tests = pr.descriptor_tests(described, assignments, descriptors) if descriptors else None
    logit, logit_note = _logit(described, assignments, descriptors)
    descriptor_rule, descriptor_rule_note = _descriptor_rule(described, assignments, descriptors, cfg.seed)

    parts.begin("identification rules")
    early_rule, early_rule_note = _early_rule(ctx.read_optional(artifacts.EARLY_BEHAVIOUR), assignments, cfg.seed)
    behaviour_rule = pr.identification_rule(table, assignments, basis, max_depth=BEHAVIOUR_RULE_DEPTH,
                                            random_state=cfg.seed)
    parts.begin("likelihood to buy and targets")
    likelihood, likelihood_note = _likelihood(table, outcomes, assignments, basis, cfg.seed)
    targets, targets_note, targets_by_spend = _targets(sizes, brief, profit_label)
    if sizes is not None:
        # step 7 measures the target segments' later revenue against random and against ranking by past spend
        chosen = targets.targets(float(brief["min_segment_share"])) if targets is not None else []
        sizes = sizes.assign(target=sizes["segment"].isin(chosen))
    if sizes is not None and profit_label == "spend":
        # The profit columns repeat the value columns here; shown, they would call spend profit.
        sizes = sizes.drop(columns=[c for c in _PROFIT_AS_VALUE if c in sizes])

    profiled = segments.copy()
    if sizes is not None:
        # A class of a rule-based scheme without members holds none of the value.
        profiled["value_share"] = profiled["segment"].map(sizes.set_index("segment")["value_share"]).fillna(0.0)
    else:
        profiled["value_share"] = None
    profiled["persona"] = [persona_texts.get(int(s)) for s in profiled["segment"]]

    result = ProfilingResult(
        method=str(segmentation["method"]), basis_kind=basis_kind, k=int(segmentation["k"]),
        n_customers=len(assignments), names=names,
        segments=profiled, sizes=sizes, sizes_note=sizes_note, profit_label=profit_label, profit_note=profit_note,
        profile=prof, profile_note=profile_note, separation=separation, separation_note=separation_note,
        whale=whale, whale_note=whale_note, descriptors=descriptors, personas=persona, persona_texts=persona_texts,
        personas_note=personas_note, descriptor_tests=desc_tests, logit=logit, logit_note=logit_note,
        behaviour_rule=behaviour_rule, descriptor_rule=descriptor_rule, descriptor_rule_note=descriptor_rule_note,
        descriptor_levels_note=levels_note,
        likelihood=likelihood, likelihood_note=likelihood_note, targets=targets, targets_note=targets_note,
        targets_by_spend=targets_by_spend, early_rule=early_rule, early_rule_note=early_rule_note,
        min_segment_share=float(brief["min_segment_share"]))

    ctx.write(artifacts.PROFILES, profiles_table)
    if sizes is not None:
        ctx.write(artifacts.SIZES, sizes)
    ctx.write(artifacts.IDENTIFICATION, result.identification)
    if likelihood is not None:
        ctx.write(artifacts.LIKELIHOOD_TO_BUY, likelihood.table)
    ctx.write(artifacts.SEGMENT_PROFILES, result.segment_profiles)
    return result
