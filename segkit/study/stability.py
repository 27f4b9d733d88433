"""Step 5, stability: how many segments, how reproducible, and the final assignments.

For a data-driven method the number of segments is chosen by global stability
over bootstrap samples (Dolnicar, Grün & Leisch 2018, ch. 7), each segment's
stability is measured (Jaccard, Hennig 2007) and the splits and merges across k
are traced (SLSA). A rule-based scheme fixes its classes by rule; what is
measured is how many customers change class when its thresholds are
re-estimated. Either way the chosen solution assigns every segmented customer
to exactly one segment: ``assignments.parquet`` is the one place a segment's
number and name are set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from segkit import stability as st
from segkit.errors import ConfigError
from segkit.methods import make_segmenter
from segkit.methods.information import IC_RESTARTS, information_criteria
from segkit.methods.registry import get_method
from segkit.methods.result import SegmentationResult
from segkit.pipeline import basis_complete_cases, check_basis, fit_final, loyalty_check
from segkit.study import artifacts
from segkit.study.context import StepContext

__all__ = ["STABILITY_SAMPLE", "StabilityResult", "StabilitySample", "run", "start_reason"]

#: The method whose models have a likelihood to compare across k (information criteria).
LATENT_CLASS = "latent_class"
#: Methods whose SLSW step 5 computes: the book's k-means and latent class, both refitted in batches
#: (two fits per bootstrap pair would double the cost of stability for the others).
SLSW_METHODS = ("kmeans", LATENT_CLASS)
#: Above this many customers the bootstrap stability measures (global, segment-level, SLSW, SLSA) run on a
#: random sample of this many; the final model is still fitted on, and assigns, every customer. At 20,000
#: the ARI of two partitions differs from its full-data value by about 0.01, and the report gives the
#: interval of the chosen k's median ARI over the pairs (:class:`StabilitySample`).
STABILITY_SAMPLE = 20_000
#: Resamples of the bootstrap ARIs behind the interval of the median ARI, and its level.
MEDIAN_CI_RESAMPLES, MEDIAN_CI_LEVEL = 2000, 0.95


@dataclass(frozen=True)
class StabilitySample:
    """The customers stability was measured on, when there are more than :data:`STABILITY_SAMPLE`.

    Attributes
    ----------
    n_sample, n_customers : int
        Customers in the random sample, and in the basis (all of them are segmented).
    median_ari, ci_low, ci_high : float
        The chosen k's median ARI over the bootstrap pairs and its :data:`MEDIAN_CI_LEVEL` interval
        (percentile bootstrap of the median over the pairs' ARIs, :data:`MEDIAN_CI_RESAMPLES` resamples).
    n_pairs : int
        Bootstrap pairs of the chosen k.
    """

    n_sample: int
    n_customers: int
    median_ari: float
    ci_low: float
    ci_high: float
    n_pairs: int

    @property
    def caption(self) -> str:
        """What a stability table's caption adds: its counts are of the sample's customers."""
        return f" (on the random sample of {self.n_sample:,} customers)"

    def sentence(self) -> str:
        """What the report says about the sample and the precision it gives."""
        return (f"Stability is measured on a random sample of {self.n_sample:,} of the {self.n_customers:,} "
                f"customers: its median adjusted Rand index {self.median_ari:.2f} over {self.n_pairs} bootstrap "
                f"pairs has a {MEDIAN_CI_LEVEL:.0%} interval of {self.ci_low:.2f} to {self.ci_high:.2f}. The "
                f"final model is fitted on all {self.n_customers:,} customers and assigns every one of them.")


def sample_positions(n: int, seed: int | None, size: int | None = None) -> np.ndarray | None:
    """Sorted row positions of the stability sample, or None when all ``n`` rows are used.

    Examples
    --------
    >>> sample_positions(100, 1, size=200) is None
    True
    >>> pos = sample_positions(1000, 1, size=10)
    >>> len(pos), bool((pos[1:] > pos[:-1]).all())
    (10, True)
    """
    size = STABILITY_SAMPLE if size is None else int(size)
    if n <= size:
        return None
    # its own stream (spawn key 17): the bootstrap seeds drawn from cfg.seed stay as they were
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(17,)))
    return np.sort(rng.choice(n, size=size, replace=False))


def median_interval(values: np.ndarray, seed: int | None, *, resamples: int = MEDIAN_CI_RESAMPLES,
                    level: float = MEDIAN_CI_LEVEL) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of ``values``.

    Examples
    --------
    >>> lo, hi = median_interval(np.linspace(0.7, 0.9, 50), 1)
    >>> bool(0.7 < lo < 0.8 < hi < 0.9)
    True
    """
    v = np.asarray(values, dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(18,)))
    meds = np.median(v[rng.integers(0, len(v), size=(resamples, len(v)))], axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(meds, tail)), float(np.quantile(meds, 1 - tail))


@dataclass
class StabilityResult:
    """What step 5 shows.

    Attributes
    ----------
    method : str
        The method of step 3.
    k : int
        Number of segments of the chosen solution.
    reason : str
        Why this k (or why the scheme's classes), in words; every k it names is quoted with the
        numbers of the global-stability table (:func:`segkit.stability.k_claim`).
    segmentation : SegmentationResult
        The chosen solution: assignments, segments, centres.
    global_stability, segment_stability, slsa : results or None
        Data-driven methods: bootstrap stability per k, per segment, across k.
    rule_stability : result or None
        Rule-based schemes: customers changing class under re-estimated thresholds.
    n_unclassified : int
        Customers a rule-based scheme cannot classify (an input missing).
    slsw : SLSW or None
        k-means and latent class (:data:`SLSW_METHODS`): each segment's Jaccard index over bootstrap
        pairs, flexclust's ``slswFlexclust`` definition (:func:`segkit.stability.slsw`).
    information_criteria : InformationCriteria or None
        Latent class: log-likelihood, AIC, BIC, ICL and entropy per k, and the k ICL picks.
    start : StartCenters or None
        The given centres the solution started from (the study's ``start`` section).
    loyalty_note, loyalty_usable : str or None, bool
        For a scheme that reads ``loyalty``: how loyalty was measured and whether P(alive) was usable
        (:func:`segkit.pipeline.loyalty_check`).
    """

    method: str
    k: int
    reason: str
    segmentation: SegmentationResult
    global_stability: Any = None
    segment_stability: Any = None
    slsa: Any = None
    rule_stability: Any = None
    n_unclassified: int = 0
    slsw: Any = None
    information_criteria: Any = None
    start: Any = None
    loyalty_note: str | None = None
    loyalty_usable: bool = True
    #: the basis kind of step 3 (``numeric``, ``binary`` or ``mixed``): how the centres read
    basis_kind: str = "numeric"
    #: the customers stability was measured on, when not all (more than :data:`STABILITY_SAMPLE`)
    sample: StabilitySample | None = None

    @property
    def on_sample(self) -> str:
        """The captions' note that stability counts are of the sample's customers ('' when all were used)."""
        return "" if self.sample is None else self.sample.caption

    @property
    def data_driven(self) -> bool:
        return self.global_stability is not None

    @property
    def is_stable(self) -> bool | None:
        """Whether some k is stable (data-driven methods); None for rule-based schemes."""
        return bool(self.global_stability.is_stable) if self.data_driven else None

    @property
    def median_ari(self) -> float | None:
        """Median bootstrap ARI of the chosen k (data-driven methods), as the global-stability table shows it."""
        if not self.data_driven:
            return None
        return float(self.global_stability.summary().set_index("k").loc[self.k, "median"])

    @property
    def segments_sentence(self) -> dict[str, Any]:
        """The numbers of the sentence above the segments table: k, method, customers placed and left out."""
        return {"k": self.k, "method": self.method, "n": len(self.assignments), "n_unclassified": self.n_unclassified}

    @property
    def assignments(self) -> pd.DataFrame:
        return self.segmentation.assignments[["customer_id", "segment", "segment_name"]]

    @property
    def segments(self) -> pd.DataFrame:
        return self.segmentation.segments

    @property
    def segment_stability_table(self) -> pd.DataFrame | None:
        """Per-segment Jaccard summary with the segment names."""
        if self.segment_stability is None:
            return None
        return self.segment_stability.summary().merge(self.segments[["segment", "name"]], on="segment", how="left")

    @property
    def slsw_reading(self) -> dict[str, Any] | None:
        """What the SLSW sentence quotes: whether every segment reads the same, the weakest and strongest segment.

        Keys ``same``, ``n``, ``verdict`` (of the weakest), ``lo``/``hi`` (lowest and highest median), and the
        weakest's and strongest's ``segment`` and ``name`` (``weak_*``, ``strong_*``); None without SLSW.
        """
        segs = self.slsw_table
        if segs is None:
            return None
        weak, strong = segs.loc[segs["median"].idxmin()], segs.loc[segs["median"].idxmax()]
        return {"same": segs["verdict"].nunique() == 1, "n": len(segs), "verdict": weak["verdict"],
                "lo": float(weak["median"]), "hi": float(strong["median"]),
                "weak_segment": int(weak["segment"]), "weak_name": weak["name"],
                "strong_segment": int(strong["segment"]), "strong_name": strong["name"]}

    @property
    def information_choice(self) -> str | None:
        """The information criteria's choice of k in words (``4 (ICL) or 5 (BIC)``); None without them."""
        ic = self.information_criteria
        if ic is None:
            return None
        return f"{ic.chosen_k} (ICL and BIC)" if ic.bic_k == ic.chosen_k else f"{ic.chosen_k} (ICL) or {ic.bic_k} (BIC)"

    @property
    def slsw_table(self) -> pd.DataFrame | None:
        """Per-segment SLSW summary (median, quartiles, verdict of the median) with the segment names."""
        if self.slsw is None:
            return None
        return self.slsw.summary().merge(self.segments[["segment", "name"]], on="segment", how="left")


def fitted_range(k_range: tuple[int, int], k: int, failed: dict[int, str]) -> tuple[int, int]:
    """The longest run of consecutive k within ``k_range`` around ``k`` that no fit failed for.

    Examples
    --------
    >>> fitted_range((2, 8), 4, {7: "LinAlgError"})
    (2, 6)
    >>> fitted_range((2, 8), 4, {})
    (2, 8)
    """
    lo = hi = k
    while lo - 1 >= k_range[0] and lo - 1 not in failed:
        lo -= 1
    while hi + 1 <= k_range[1] and hi + 1 not in failed:
        hi += 1
    return lo, hi


def start_reason(start: Any, glob: Any) -> str:
    """Why k is what it is when the solution starts from given centres, with where that k stands on stability."""
    table = glob.summary().set_index("k")
    ks = table.index.tolist()
    own = int(glob.chosen_k)
    where = (f"{st.k_claim(start.k, table.loc[start.k])}; on its own stability would pick "
             f"{st.k_claim(own, table.loc[own])}" if own != start.k else
             f"{st.k_claim(start.k, table.loc[start.k])}, which stability would pick on its own too")
    return (f"{start.k} segments, as given by {start.source}: the solution starts from those centres and is "
            f"re-estimated on this data, keeping their numbering. Global stability over k = {ks[0]} to {ks[-1]} "
            f"is shown for reference: {where}.")


def described(segmentation: SegmentationResult, X: pd.DataFrame, *, kind: str, item_kinds: dict[str, str]
              ) -> SegmentationResult:
    """``segmentation`` with names, actions and descriptions read by the study's ``item_kinds``.

    The estimator named its segments reading every item by its default kind; a study that declares
    what its items are (a perception is not a need) gets them re-read here, from the same basis.
    """
    if not item_kinds:
        return segmentation
    from segkit.methods.naming import describe_segments

    labels = segmentation.assignments.set_index("customer_id")["segment"].reindex(X.index.astype(str))
    placed = labels.notna().to_numpy()
    texts = describe_segments(X.loc[placed], labels[placed].astype(int).to_numpy(),
                              kind=None if kind == "numeric" else kind, item_kinds=item_kinds).set_index("segment")
    segments = segmentation.segments.copy()
    for col in ("name", "action", "description"):
        segments[col] = segments["segment"].map(texts[col]).fillna(segments[col])
    assignments = segmentation.assignments.assign(segment_name=segmentation.assignments["segment"].map(
        dict(zip(segments["segment"], segments["name"]))))
    return replace(segmentation, segments=segments, assignments=assignments)


def named(segmentation: SegmentationResult, names: dict[int, str], *, source: str = "segment_names"
          ) -> SegmentationResult:
    """``segmentation`` with the segment names the study file gives (``segment_names``); the others keep theirs.

    Raises
    ------
    ConfigError
        When a name is given for a segment the solution does not have, or a given name is already
        another segment's.
    """
    if not names:
        return segmentation
    segs = [int(s) for s in segmentation.segments["segment"]]
    extra = sorted(set(names) - set(segs))
    if extra:
        raise ConfigError(f"{source} names segment {extra[0]}, but the solution has segments {min(segs)} to "
                          f"{max(segs)}; name only those (or fix k with k_range)")
    new = dict(zip(segs, segmentation.segments["name"]))
    new.update(names)
    if len(set(new.values())) < len(new):
        clash = next(n for n in new.values() if list(new.values()).count(n) > 1)
        raise ConfigError(f"{source}: the name {clash!r} is given to two segments (one set in the study file, one "
                          "by segkit); name both")
    segments = segmentation.segments.assign(name=segmentation.segments["segment"].map(new))
    assignments = segmentation.assignments.assign(segment_name=segmentation.assignments["segment"].map(new))
    return replace(segmentation, segments=segments, assignments=assignments)


def run(ctx: StepContext) -> StabilityResult:
    """Choose k by stability (or apply the rule), fit the final solution and write the assignments.

    A managerial number of segments (``k_range: [k, k]``) is kept, and global stability is still
    computed over :func:`segkit.stability.managerial_range` so the report shows where k stands.
    The names of ``segment_names`` replace segkit's, once, here: every later page reads them.
    """
    cfg = ctx.cfg
    method_doc = ctx.read(artifacts.METHOD)
    method = method_doc["method"]
    table = ctx.read(artifacts.CUSTOMER_TABLE)
    X = ctx.read(artifacts.BASIS).set_index("customer_id")
    value = table.set_index("customer_id")["monetary_total"].reindex(X.index) if "monetary_total" in table else None

    k_range = (int(cfg.k_range[0]), int(cfg.k_range[1]))
    managerial = k_range[0] if k_range[0] == k_range[1] else None
    spec = get_method(method)
    start = None
    if spec.data_driven and cfg.start is not None:
        from segkit.methods.start import load_start

        start = load_start(cfg, ctx.read(artifacts.BASIS_TRANSFORMS), list(X.columns))
    if start is not None:
        # given centres fix k; stability is shown around it, as for a managerial k
        k_range = st.managerial_range(start.k, len(X))
    elif managerial is not None:
        k_range = st.managerial_range(managerial, len(X))
    if spec.data_driven:
        base = make_segmenter(method, k_range[0], random_state=cfg.seed, n_init=cfg.n_init)
        pos = sample_positions(len(X), cfg.seed)
        Xs = X if pos is None else X.iloc[pos]
        on = "" if pos is None else f" on a random sample of {len(Xs):,} of {len(X):,} customers"
        ctx.progress(f"global stability: k = {k_range[0]} to {k_range[1]}, {cfg.n_boot} bootstrap pairs each{on}")
        glob = st.global_stability(Xs, base, k_range=k_range, n_boot=cfg.n_boot, random_state=cfg.seed,
                                   n_jobs=cfg.n_jobs, managerial_k=None if start is not None else managerial,
                                   progress=ctx.progress)
        k = int(glob.chosen_k)
        reason = glob.reason
        if start is not None:
            k = start.k
            reason = start_reason(start, glob)
        ctx.progress(f"fitting the final {k}-segment model on all {len(X):,} customers")
        seg = fit_final(method, k, X, cfg=cfg, sample_value=value,
                        init=None if start is None else start.centers)
        # on the sample, the solution studied is the final model's, restricted to the sampled customers
        labels = None if pos is None else np.asarray(seg.labels_)[pos]
        ctx.progress(f"segment-level stability of the {k}-segment solution{on}")
        seg_stab = st.segment_stability(Xs, seg, n_boot=cfg.n_boot, random_state=cfg.seed, n_jobs=cfg.n_jobs,
                                        labels=labels, progress=ctx.progress)
        slsw = None
        if method in SLSW_METHODS:
            ctx.progress(f"SLSW: {cfg.n_boot} bootstrap pairs of the {k}-segment solution{on}")
            slsw = st.slsw(Xs, seg, labels=labels, n_boot=cfg.n_boot, random_state=cfg.seed, n_jobs=cfg.n_jobs,
                           progress=ctx.progress)
            ctx.write(artifacts.STABILITY_SLSW, slsw.table)
        if glob.failed:
            ctx.progress(st.failed_sentence(glob.failed))
        # SLSA and the information criteria follow k step by step: over the k around the chosen one that fitted
        fitted = fitted_range(k_range, k, glob.failed)
        slsa = None
        if fitted[1] > fitted[0]:
            ctx.progress(f"segment-level stability across k = {fitted[0]} to {fitted[1]}{on}")
            slsa = st.segment_level_stability_across(Xs, base, k_range=fitted, random_state=cfg.seed)
        sample = None
        if pos is not None:
            aris = glob.table.loc[glob.table["k"] == k, "ari"].to_numpy()
            lo, hi = median_interval(aris, cfg.seed)
            sample = StabilitySample(n_sample=len(Xs), n_customers=len(X), median_ari=float(np.median(aris)),
                                     ci_low=lo, ci_high=hi, n_pairs=len(aris))
        ic = None
        if method == LATENT_CLASS and fitted[1] > fitted[0]:
            ctx.progress(f"latent class models for k = {fitted[0]} to {fitted[1]}: information criteria")
            ic = information_criteria(X, k_range=fitted, n_init=max(cfg.n_init, IC_RESTARTS), random_state=cfg.seed)
            ctx.write(artifacts.INFORMATION_CRITERIA, ic.table)
        ctx.write(artifacts.STABILITY_GLOBAL, glob.table)
        ctx.write(artifacts.STABILITY_SEGMENTS, seg_stab.table)
        result = StabilityResult(method=method, k=k, reason=reason, segmentation=seg.result_,
                                 global_stability=glob, segment_stability=seg_stab, slsa=slsa, slsw=slsw,
                                 information_criteria=ic, start=start, sample=sample)
    else:
        rule_cols = spec.input_columns(cfg)
        check_basis(table, rule_cols, source=f"the {method} scheme's input")
        ruled, n_without = basis_complete_cases(table, rule_cols)
        Xr = ruled.set_index("customer_id")[rule_cols]
        sample_value = ruled.set_index("customer_id")["monetary_total"] if "monetary_total" in ruled else None
        seg = fit_final(method, None, Xr, cfg=cfg, sample_value=sample_value)
        ctx.progress(f"rule stability over {cfg.n_boot} bootstrap samples")
        rule_stab = st.rule_stability(Xr, seg, n_boot=cfg.n_boot, random_state=cfg.seed)
        ctx.write(artifacts.STABILITY_RULES, rule_stab.table)
        reason = f"The {method} scheme fixes its classes by rule."
        if n_without:
            reason += (f" {n_without:,} customers lack an input it needs ({', '.join(rule_cols)}) and are not "
                       "classified.")
        result = StabilityResult(method=method, k=seg.result_.n_segments, reason=reason, segmentation=seg.result_,
                                 rule_stability=rule_stab, n_unclassified=n_without)
        if "loyalty" in rule_cols and "p_alive" in table:
            check = loyalty_check(table)
            result.loyalty_note, result.loyalty_usable = check.note, check.usable

    if spec.data_driven:
        kind = str(method_doc.get("basis_kind") or "numeric")
        result.basis_kind = kind
        result.segmentation = described(result.segmentation, X, kind=kind, item_kinds=dict(cfg.item_kinds))
    result.segmentation = named(result.segmentation, dict(cfg.segment_names))
    seg_result = result.segmentation
    ctx.write(artifacts.ASSIGNMENTS, result.assignments)
    ctx.write(artifacts.SEGMENTS, seg_result.segments.to_dict("records"))
    if seg_result.centers is not None:
        ctx.write(artifacts.CENTERS, seg_result.centers.reset_index())
    ctx.write(artifacts.SEGMENTATION, {"method": method, "k": result.k, "reason": result.reason,
                                       "is_stable": result.is_stable, "n_customers": int(len(seg_result.assignments)),
                                       "managerial_k": managerial, "median_ari": result.median_ari,
                                       "stability_sample": None if result.sample is None else result.sample.n_sample})
    return result
