"""Global stability across numbers of segments (flexclust::bootFlexclust)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from segkit.errors import UnstableSegmentsWarning
from segkit.i18n import join, translate
from segkit.progress import Progress
from segkit.stability._core import (
    LCA_PAIRS_PER_BATCH,
    Fitter,
    adjusted_rand,
    as_matrix,
    bootstrap_pair,
    check_k_range,
    check_n_boot,
    child_seed,
    parallel_map,
    root_seed,
)

#: Median bootstrap ARI below which no number of segments counts as stable. Steinley (2004)
#: reads ARI > 0.90 as excellent, > 0.80 good, > 0.65 moderate and below 0.65 poor recovery.
MIN_STABLE_ARI = 0.65
#: Numbers of segments whose median ARI is within this of the best count as equally stable.
ARI_TOLERANCE = 0.02


@dataclass(frozen=True)
class GlobalStability:
    """Bootstrap adjusted Rand indices per number of segments, and the k they point to.

    Attributes
    ----------
    table : DataFrame
        Tidy: one row per ``k`` and ``boot`` with the ``ari`` of the pair.
    chosen_k : int
        The number of segments the rule picks (see :func:`global_stability`).
    is_stable : bool
        Whether the chosen k reaches the stability threshold.
    reason : str
        One sentence explaining the choice.
    params : dict
        Settings of the analysis.
    failed : dict of int to str
        Numbers of segments whose fits raised an error, with the first error; their pairs are left out
        and the choice is among the others.
    """

    table: pd.DataFrame
    chosen_k: int
    is_stable: bool
    reason: str
    params: dict
    #: numbers of segments the method could not fit, with why (``ValueError: ...``); left out of ``table``
    failed: dict[int, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Median, mean and quartiles of the ARI per k, with the chosen k flagged."""
        g = self.table.groupby("k")["ari"]
        out = pd.DataFrame({"median": g.median(), "mean": g.mean(), "q25": g.quantile(0.25),
                            "q75": g.quantile(0.75), "n_boot": g.size()}).reset_index()
        out["chosen"] = out["k"] == self.chosen_k
        return out

    def plot(self, ax=None):
        """Box plots of the ARI per number of segments, as in Dolnicar et al. (2018, fig. 7.x)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        ks = sorted(self.table["k"].unique())
        data = [self.table.loc[self.table["k"] == k, "ari"].to_numpy() for k in ks]
        bp = ax.boxplot(data, positions=range(len(ks)), widths=0.6, patch_artist=True)
        for k, box in zip(ks, bp["boxes"]):
            box.set_facecolor("#55A868" if k == self.chosen_k and self.is_stable else "#DDDDDD")
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        ax.axhline(MIN_STABLE_ARI, color="#C44E52", lw=1, ls="--")
        ax.set_xlabel("number of segments")
        ax.set_ylabel("adjusted Rand index")
        ax.set_ylim(min(-0.05, float(self.table["ari"].min()) - 0.05), 1.05)
        return ax


def _one_pair(shared: tuple, k: int, boot: int, seed: np.random.SeedSequence) -> tuple[int, int, float]:
    fitter, m, eval_idx = shared
    rng = np.random.default_rng(child_seed(seed, 1))
    labels = [fitter.fit(idx, k, rng, eval_idx)[1] for idx in bootstrap_pair(seed, len(fitter.M), m)]
    return k, boot, adjusted_rand(labels[0], labels[1])


def _pair_batch(shared: tuple, k: int, boots: list[int], seeds: list[np.random.SeedSequence]) -> list[tuple]:
    """Several pairs of one k fitted together (latent class: one batched EM for all their samples)."""
    fitter, m, eval_idx = shared
    n = len(fitter.M)
    samples = [idx for s in seeds for idx in bootstrap_pair(s, n, m)]
    labels = fitter.fit_many(samples, k, np.random.default_rng(child_seed(seeds[0], 1)), eval_idx)
    return [(k, b, adjusted_rand(labels[2 * i], labels[2 * i + 1])) for i, b in enumerate(boots)]


@dataclass(frozen=True)
class _Failed:
    """A task whose fit raised: its k and the error, in place of its rows."""

    k: int
    error: str


@dataclass(frozen=True)
class _Guarded:
    """A pair task that returns :class:`_Failed` instead of raising (picklable, for the worker processes).

    A method may fail for one number of segments (a singular covariance at k = 7, an empty segment)
    and still fit the others; stability is then measured for those.
    """

    func: Any

    def __call__(self, shared: tuple, k: int, *rest: Any) -> Any:
        try:
            return self.func(shared, k, *rest)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, RuntimeError, IndexError) as err:
            return _Failed(int(k), f"{type(err).__name__}: {str(err)[:300]}")


def _split_failures(rows: list[Any]) -> tuple[list[Any], dict[int, str]]:
    failed: dict[int, str] = {}
    for r in rows:
        if isinstance(r, _Failed):
            failed.setdefault(r.k, r.error)
    return [r for r in rows if not isinstance(r, _Failed)], failed


def failed_sentence(failed: dict[int, str]) -> str:
    """One sentence naming each k that could not be fitted and why.

    Examples
    --------
    >>> failed_sentence({7: "LinAlgError: singular matrix"})
    'k = 7 could not be fitted (LinAlgError: singular matrix) and is left out.'
    """
    parts = [f"k = {k} could not be fitted ({why})" for k, why in sorted(failed.items())]
    return f"{'; '.join(parts)} and {'is' if len(parts) == 1 else 'are'} left out."


def pair_tasks(fitter: Fitter, ks: list[int], n_boot: int, seeds: list) -> tuple[Any, list[tuple]]:
    """The task function and its tasks: one per pair, or one per batch of pairs when fits are batched."""
    if not fitter.batched:
        return _one_pair, [(k, b, seeds[i * n_boot + b]) for i, k in enumerate(ks) for b in range(n_boot)]
    tasks = []
    for i, k in enumerate(ks):
        for lo in range(0, n_boot, LCA_PAIRS_PER_BATCH):
            boots = list(range(lo, min(lo + LCA_PAIRS_PER_BATCH, n_boot)))
            tasks.append((k, boots, [seeds[i * n_boot + b] for b in boots]))
    return _pair_batch, tasks


#: A managerial number of segments (``k_range: [k, k]``) is still compared with this many k on each side.
MANAGERIAL_SPAN = 2


def k_claim(k: int, row: pd.Series, *, quartiles: bool = True) -> str:
    """How a sentence names one k with its numbers: ``k = 4 (median ARI 0.83, quartiles 0.80 to 0.86)``.

    Every sentence about the choice of k quotes k in this one form, rounded as the table shows it, so
    a test can check each claim against the table beside it.

    Examples
    --------
    >>> k_claim(4, pd.Series({"median": 0.834, "q25": 0.8, "q75": 0.861}))
    'k = 4 (median ARI 0.83, quartiles 0.80 to 0.86)'
    """
    q = translate(", quartiles {lo} to {hi}").format(lo=f"{row['q25']:.2f}", hi=f"{row['q75']:.2f}") \
        if quartiles else ""
    return translate("k = {k} (median ARI {median}{quartiles})").format(k=k, median=f"{row['median']:.2f}",
                                                                         quartiles=q)


def _ks(ks: list[int]) -> str:
    """``k = 4``, ``k = 2 and 3``, ``k = 2, 3 and 4``."""
    ks = sorted(ks)
    return f"k = {ks[0]}" if len(ks) == 1 else translate("k = {first} and {last}").format(
        first=join(map(str, ks[:-1]), ", "), last=ks[-1])


def choose_k(summary: pd.DataFrame, *, threshold: float = MIN_STABLE_ARI,
             tolerance: float = ARI_TOLERANCE, managerial_k: int | None = None) -> tuple[int, bool, str]:
    """Apply the choice rule to a per-k summary with ``k``, ``median``, ``q25`` and ``q75`` columns.

    Without ``managerial_k`` the rule of :func:`global_stability` picks k. With it, k is the
    managerial number and the sentence says where it stands among the k around it. Either way the
    sentence quotes the chosen k with :func:`k_claim`, from the same row as the table, and calls "the
    most stable" every k whose median shows as the highest at the table's two decimals.

    Returns
    -------
    k : int
    is_stable : bool
        Whether k's median ARI reaches ``threshold``.
    reason : str
    """
    t = summary.set_index("k")
    ks = [int(x) for x in t.index]
    span = translate("k = {lo} to {hi}").format(lo=ks[0], hi=ks[-1]) if len(ks) > 1 else f"k = {ks[0]}"
    best = float(t["median"].max())
    # the k a reader sees at the top of the table: the highest median at two decimals
    tops = [int(x) for x in t.index if round(float(t.loc[x, "median"]), 2) == round(best, 2)]
    top_text = translate("{ks} (median ARI {best})").format(ks=_ks(tops), best=f"{best:.2f}")
    if managerial_k is not None:
        k = int(managerial_k)
        row = t.loc[k]
        stable = bool(row["median"] >= threshold)
        v = dict(k=k, claim=k_claim(k, row), span=span, tol=f"{tolerance:.2f}", top=top_text, n=len(ks),
                 threshold=f"{threshold:.2f}")
        head = translate("{k} segments, as set in the study file (k_range [{k}, {k}]): {claim}").format(**v)
        if k in tops:
            where = translate("is among the most stable of {span}" if len(tops) > 1 else
                              "is the most stable of {span}").format(**v)
        elif row["median"] >= best - tolerance:
            where = translate("is within {tol} of the most stable of {span}, {top}").format(**v)
        else:
            rank = int((t["median"].round(2) > round(float(row["median"]), 2)).sum()) + 1
            where = translate("ranks {rank} of {n} over {span}; the most stable: {top}").format(rank=rank, **v)
        tail = "" if stable else translate(". Its median is below {threshold}: at this k the segments do not come "
                                           "back reliably in bootstrap samples (constructive segmentation)").format(**v)
        return k, stable, translate("{head} {where}{tail}.").format(head=head, where=where, tail=tail)
    near = t[t["median"] >= best - tolerance]
    k = int(max(near.index))
    row = t.loc[k]
    # English templates translated before their numbers go in (segkit.i18n)
    v = dict(k=k, claim=k_claim(k, row), span=span, best=f"{best:.2f}", tops=_ks(tops), tol=f"{tolerance:.2f}",
             threshold=f"{threshold:.2f}")
    if best < threshold:
        return k, False, translate(
            "No number of segments is stable: the highest median adjusted Rand index between bootstrap pairs over "
            "{span} is {best}, at {tops}, below {threshold}, so the data show no reproducible segments and any "
            "solution is one of many equally good partitions (constructive segmentation). {claim} is kept."
            if k in tops else
            "No number of segments is stable: the highest median adjusted Rand index between bootstrap pairs over "
            "{span} is {best}, at {tops}, below {threshold}, so the data show no reproducible segments and any "
            "solution is one of many equally good partitions (constructive segmentation). {claim} is kept, the "
            "largest k within {tol} of the highest median.").format(**v)
    others = [int(x) for x in near.index if int(x) != k]
    if k in tops and len(tops) > 1:
        # a tie at the table's precision: "the highest" of one k would claim more than the table shows
        text = translate("{k} segments: {tops} share the highest median adjusted Rand index between bootstrap pairs "
                         "over {span} ({best} at two decimals); {claim} is the largest of them, kept for the finer "
                         "segmentation").format(**v)
        rest = [x for x in others if x not in tops]
        if rest:
            text += translate("; {ks} comes within {tol} of the highest" if len(rest) == 1 else
                              "; {ks} come within {tol} of the highest").format(ks=_ks(rest), **v)
        return k, True, translate("{sentence}.").format(sentence=text)
    if k in tops:
        text = translate("{k} segments: {claim} has the highest median adjusted Rand index between bootstrap pairs "
                         "over {span}").format(**v)
        if others:
            text += translate("; {ks} comes within {tol} of it, and the largest number is kept for the finer "
                              "segmentation" if len(others) == 1 else
                              "; {ks} come within {tol} of it, and the largest number is kept for the finer "
                              "segmentation").format(ks=_ks(others), **v)
        return k, True, translate("{sentence}.").format(sentence=text)
    return k, True, translate(
        "{k} segments: the highest median adjusted Rand index between bootstrap pairs over {span} is {best}, at "
        "{tops}; {claim} comes within {tol} of it, and the largest number of segments within that distance is kept "
        "for the finer segmentation.").format(**v)


def managerial_range(k: int, n_customers: int | None = None) -> tuple[int, int]:
    """The k around a managerial ``k`` whose stability is shown: :data:`MANAGERIAL_SPAN` on each side, at least 2.

    Examples
    --------
    >>> managerial_range(4), managerial_range(2)
    ((2, 6), (2, 4))
    """
    hi = k + MANAGERIAL_SPAN
    if n_customers is not None:
        hi = max(k, min(hi, n_customers - 1))
    return max(2, k - MANAGERIAL_SPAN), hi


def global_stability(
    X: pd.DataFrame | np.ndarray,
    segmenter: Any,
    *,
    k_range: tuple[int, int] = (2, 8),
    n_boot: int = 100,
    random_state: Any = None,
    n_jobs: int = 1,
    subsample: int | None = None,
    n_eval: int = 20_000,
    managerial_k: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> GlobalStability:
    """Global stability of segment solutions across numbers of segments.

    As ``flexclust::bootFlexclust`` (Dolnicar, Grün & Leisch 2018, sec. 7.5.3):
    for each k and each of ``n_boot`` pairs, two bootstrap samples are drawn,
    each is segmented independently (with the segmenter's own restarts), both
    solutions label the full data, and the adjusted Rand index (ARI) of the two
    labelings measures how reproducible the k-segment solution is.

    **Choosing k.** The k with the highest median ARI is chosen; k whose median
    is within ``0.02`` of the best count as equally stable and the largest of
    them is kept, since a stable finer solution carries more information than
    an equally stable coarse one (the coarse one is often nested in it).
    If the best median ARI is below ``0.65`` no k is stable: Steinley (2004)
    calls ARI < 0.65 poor recovery, and Dolnicar et al. then speak of
    constructive segmentation (the data hold no natural segments). In that case
    ``is_stable`` is False and an :class:`~segkit.UnstableSegmentsWarning` is emitted.

    Parameters
    ----------
    X : DataFrame or ndarray
        Prepared basis (rows = customers).
    segmenter : estimator
        scikit-learn style segmenter with an ``n_segments`` parameter; cloned
        for every fit. segkit's ``KMeansSegmenter`` takes a batched k-means path
        (same algorithm, far less overhead). ``LatentClassSegmenter`` on 0/1
        items takes a batched EM path (:mod:`segkit._fastlca`): the samples of
        ``LCA_PAIRS_PER_BATCH`` pairs are weightings of the distinct answer
        patterns and are fitted together; every restart runs ``SHORT_ITER`` EM
        iterations, the best continues from where it stands (warm start) until
        the log-likelihood gains less than the segmenter's ``tol`` per
        respondent (early stopping). Both paths draw the same bootstrap
        samples for the same seed.
    k_range : (int, int), default (2, 8)
        Smallest and largest number of segments, inclusive.
    n_boot : int, default 100
        Bootstrap pairs per k.
    random_state : int, Generator or None
        Seed; the result is the same for any ``n_jobs``.
    n_jobs : int, default 1
        joblib workers over bootstrap pairs (-1: all cores).
    subsample : int, optional
        Large-data mode: each bootstrap sample draws ``subsample`` rows (with
        replacement) instead of n, and the ARI is computed on one fixed random
        evaluation sample of ``n_eval`` customers instead of the full data. The
        ARI of two partitions estimated on a random sample of 20,000 customers
        is within about 0.01 of its full-data value.
    n_eval : int, default 20000
        Size of the evaluation sample in subsample mode.
    managerial_k : int, optional
        A number of segments fixed by management: it is the chosen k whatever the stability, and
        the reason says where it stands among the k of ``k_range`` (see :func:`managerial_range`).
    progress : callable, optional
        Receives progress lines (pairs done of all, elapsed, time left) while the loop runs long.

    Returns
    -------
    GlobalStability

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from segkit.methods.clustering import KMeansSegmenter
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    >>> X = pd.DataFrame(X, index=[f"c{i}" for i in range(300)])
    >>> res = global_stability(X, KMeansSegmenter(), k_range=(2, 5), n_boot=20, random_state=1)
    >>> res.chosen_k, res.is_stable
    (3, True)
    """
    M, frame = as_matrix(X)
    n = len(M)
    ks = check_k_range(k_range, n)
    n_boot = check_n_boot(n_boot)
    ss = root_seed(random_state)
    eval_seed, *seeds = ss.spawn(1 + len(ks) * n_boot)
    if subsample is not None:
        if not 2 * max(ks) <= int(subsample) <= n:
            raise ValueError(f"subsample must be between 2 * max k ({2 * max(ks)}) and n ({n}), got {subsample}")
        m = int(subsample)
        eval_idx = (np.sort(np.random.default_rng(eval_seed).choice(n, size=n_eval, replace=False))
                    if n_eval < n else None)
    else:
        m, eval_idx = n, None
    fitter = Fitter.build(segmenter, M, frame, compress=subsample is None)
    if managerial_k is not None and managerial_k not in ks:
        raise ValueError(f"managerial_k {managerial_k} is outside k_range {ks[0]} to {ks[-1]}")
    func, tasks = pair_tasks(fitter, ks, n_boot, seeds)
    what = (f"global stability, k = {ks[0]} to {ks[-1]}: "
            + (f"batches of {LCA_PAIRS_PER_BATCH} bootstrap pairs" if fitter.batched else "bootstrap pairs"))
    # a fit's cost grows with k (a distance to each centre): the time left is weighted by it
    bar = Progress(what, len(tasks), progress, weights=[t[0] * (len(t[1]) if fitter.batched else 1) for t in tasks])
    rows, failed = _split_failures(parallel_map(_Guarded(func), (fitter, m, eval_idx), tasks, n_jobs, bar))
    bar.done()
    if fitter.batched:
        rows = [r for batch in rows for r in batch]
    if failed and (len(failed) == len(ks) or managerial_k in failed):
        which = "every number of segments" if len(failed) == len(ks) else f"the managerial k = {managerial_k}"
        raise ValueError(f"the method could not be fitted for {which}: {failed_sentence(failed)}")
    # a k with one failed pair has an incomplete distribution of ARI: all its pairs are left out
    rows = [r for r in rows if r[0] not in failed]
    table = pd.DataFrame(rows, columns=["k", "boot", "ari"]).astype({"k": "int64", "boot": "int64"})
    res = GlobalStability(table, 0, False, "", {})
    k, stable, reason = choose_k(res.summary(), managerial_k=managerial_k)
    if failed:
        reason = f"{reason} {failed_sentence(failed)}"
    params = {"k_range": (ks[0], ks[-1]), "n_boot": n_boot, "subsample": subsample, "managerial_k": managerial_k,
              "n_eval": None if eval_idx is None else len(eval_idx), "threshold": MIN_STABLE_ARI,
              "tolerance": ARI_TOLERANCE, "fast_kmeans": fitter.fast is not None,
              "batched_latent_class": fitter.batched}
    if not stable:
        warnings.warn(reason, UnstableSegmentsWarning, stacklevel=2)
    return GlobalStability(table, k, stable, reason, params, failed)
