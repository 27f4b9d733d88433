"""Every segmentation method a study can name, each declared once.

:data:`METHODS` maps a method's name to its :class:`MethodSpec`: what it is
called in reports, its family, what it needs, the estimator that implements
it, the customer-table columns a rule-based scheme reads, and the facts
step 3's feasibility check (:mod:`segkit.methods.feasibility`) ranks it by.
Everything else that depends on the method is derived from here:
:data:`DATA_DRIVEN_METHODS`, :data:`RULE_BASED_METHODS` (also offered by
:mod:`segkit.config`), :data:`METHOD_INFO`, :func:`make_segmenter` and the
study glue in :mod:`segkit.pipeline`.

``get_method("kmeans").build(5, random_state=2026)`` (or
``make_segmenter("kmeans", 5, random_state=2026)``) returns an unfitted
estimator.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from segkit.method_names import METHOD_NAMES

if TYPE_CHECKING:
    from segkit.config import StudyConfig

__all__ = [
    "DATA_DRIVEN_METHODS",
    "METHODS",
    "METHOD_INFO",
    "RULE_BASED_METHODS",
    "Feasibility",
    "Fit",
    "MethodSpec",
    "get_method",
    "make_segmenter",
]

Family = Literal["data-driven", "rule-based value", "rule-based survey"]
#: The kinds of basis :func:`~segkit.methods.prep.prepare_basis` reports.
BasisKind = Literal["numeric", "binary", "mixed"]
#: What a goal can speak of; :mod:`~segkit.methods.feasibility` says which words mean which.
GoalTopic = Literal["value", "service", "needs"]


@dataclass(frozen=True)
class Fit:
    """One term of how well a method fits a study: a score change and a reason, under conditions.

    :func:`~segkit.methods.feasibility.rank_methods` starts every method at
    the same score and applies its fits in order; a fit applies when every
    condition given holds.

    Parameters
    ----------
    score : float, default 0.0
        Added to the method's score when the fit applies.
    reason : str, default ""
        Shown to the user when the fit applies ("" for none). May use
        ``{history}`` (months of transaction history, a float) and
        ``{n_basis}`` (customers with a basis, an int) as in :meth:`str.format`.
    basis_kind : {"numeric", "binary", "mixed"}, optional
        Applies only to a basis of this kind.
    horizon : {"short", "long"}, optional
        Applies only to a brief with this horizon.
    goal : {"value", "service", "needs"}, optional
        Applies only when the brief's goal or KPI speaks of this.
    transactions : bool, default False
        Applies only when the study has a transaction table.
    more_customers_than : int, optional
        Applies only when more customers than this have a basis.
    """

    score: float = 0.0
    reason: str = ""
    basis_kind: BasisKind | None = None
    horizon: Literal["short", "long"] | None = None
    goal: GoalTopic | None = None
    transactions: bool = False
    more_customers_than: int | None = None


@dataclass(frozen=True)
class Feasibility:
    """What a method needs from the data (beyond its spec's flags) and how it fits a brief.

    A data-driven method needs a basis of a kind it models and enough
    customers per segment at the study's largest k; a rule-based scheme
    needs what its fields say. The stratify section and repeat purchases
    are required through :attr:`MethodSpec.stratify` and
    :attr:`MethodSpec.value_model`.

    Parameters
    ----------
    accepts : tuple of {"numeric", "binary", "mixed"}
        Data-driven: the basis kinds the method models.
    accepts_text : str
        Data-driven: that requirement in words ("an all-numeric basis").
    history_months : int, optional
        Rule-based: the scheme needs a transaction table with at least this
        many months of history; None when it reads no transactions.
    history_why : str
        Why that much history.
    min_history_months : int, optional
        Rule-based: a shorter history down to this many months is accepted,
        with a warning that it is shorter than ``history_months``; the study
        file's ``value: min_history_months`` can lower it for the schemes that
        read the value model. None: ``history_months`` is the floor.
    satisfaction : bool, default False
        Needs a satisfaction column in the survey.
    fixed_k : int, optional
        Rule-based: the segments the scheme creates, as far as the
        customers-per-segment check is concerned (a scheme with a 1% tier
        counts as 100).
    counted_in : {"transactions", "survey"}, default "transactions"
        Whose customers the customers-per-segment check counts.
    fixed_k_text : str, optional
        What those customers are for, when not simply a number per class
        ("10 in the top 1% tier").
    fits : tuple of Fit
        How the method's score follows the brief and the data, in order.
    """

    accepts: tuple[BasisKind, ...] = ()
    accepts_text: str = ""
    history_months: int | None = None
    history_why: str = ""
    min_history_months: int | None = None
    satisfaction: bool = False
    fixed_k: int | None = None
    counted_in: Literal["transactions", "survey"] = "transactions"
    fixed_k_text: str | None = None
    fits: tuple[Fit, ...] = ()


@dataclass(frozen=True)
class MethodSpec:
    """Everything segkit knows about one segmentation method.

    Parameters
    ----------
    name : str
        The name a study file uses (``method: kmeans``).
    label : str
        The name in reports ("k-means").
    family : {"data-driven", "rule-based value", "rule-based survey"}
        Data-driven methods search for segments on the study's basis; the
        rule-based schemes assign fixed classes by rule.
    description : str
        What the method does, in a sentence or two.
    needs : str
        What it needs, in words.
    basis_kind : str
        The basis it segments on: "numeric", "mixed", "binary", or
        "fixed (...)" for a scheme that defines its own inputs.
    estimator : str
        The estimator class, as ``"module:Class"``; imported on first use
        (see :attr:`estimator_class`).
    feasibility : Feasibility
        What step 3 checks and how it scores the method.
    restarts : bool, default False
        The estimator restarts from random starts, so the study's ``n_init``
        applies.
    rule_inputs : tuple of str, default ()
        Rule-based: the customer-table columns the scheme reads.
    stratify : bool, default False
        The scheme reads the study's ``stratify`` section: its type and size
        columns are the inputs, and the section is passed to the estimator.
    value_model : bool, default False
        The scheme reads customer lifetime value (``clv``), so the purchase
        model of :mod:`segkit.value` must be fitted for it, which needs
        repeat purchases.
    option_aliases : tuple of (str, str), default ()
        Option names of the study file the estimator spells differently,
        as (study name, estimator name).
    """

    name: str
    label: str
    family: Family
    description: str
    needs: str
    basis_kind: str
    estimator: str
    feasibility: Feasibility
    restarts: bool = False
    rule_inputs: tuple[str, ...] = ()
    stratify: bool = False
    value_model: bool = False
    option_aliases: tuple[tuple[str, str], ...] = ()

    @property
    def data_driven(self) -> bool:
        """True for a data-driven method, False for a rule-based scheme."""
        return self.family == "data-driven"

    @property
    def k_applies(self) -> bool:
        """The number of segments is searched over the study's ``k_range`` (data-driven methods).

        A rule-based scheme fixes its classes by its rules.
        """
        return self.data_driven

    @property
    def stability(self) -> Literal["segments", "rules"]:
        """How step 5 checks stability.

        ``"segments"``: bootstrap stability of the segmentation per k (global),
        of each segment (Jaccard) and across k (SLSA), for data-driven methods;
        ``"rules"``: the share of customers changing class when the scheme's
        thresholds are re-estimated on bootstrap samples.
        """
        return "segments" if self.data_driven else "rules"

    @property
    def estimator_class(self) -> type[Any]:
        """The estimator class (its module is imported on first use)."""
        module, _, name = self.estimator.partition(":")
        cls: type[Any] = getattr(importlib.import_module(module), name)
        return cls

    @property
    def naming(self) -> str:
        """How the segments get their names.

        ``"scheme"``: the rule-based scheme's own class names. Otherwise the
        basis kind the estimator hands to
        :func:`~segkit.methods.naming.describe_segments`: ``"numeric"`` (words
        for the features a segment stands out on; a basis of 0/1 columns is
        read as yes/no items), ``"binary"`` (the items a segment says yes to)
        or ``"mixed"`` (numeric words and over-represented categories).
        """
        if not self.data_driven:
            return "scheme"
        return str(getattr(self.estimator_class, "_basis_kind", "numeric"))

    def input_columns(self, cfg: StudyConfig) -> list[str]:
        """Columns of the customer table a rule-based scheme reads ([] for a data-driven method).

        Parameters
        ----------
        cfg : StudyConfig
            The study; a scheme with :attr:`stratify` reads its ``stratify`` section.

        Returns
        -------
        list of str
        """
        if self.stratify:
            return [cfg.stratify.type_column, cfg.stratify.size_column] if cfg.stratify else []
        return list(self.rule_inputs)

    def study_options(self, cfg: StudyConfig) -> dict[str, Any]:
        """Options of the estimator that come from the study file (the ``stratify`` section).

        Parameters
        ----------
        cfg : StudyConfig

        Returns
        -------
        dict
            Keyword arguments for :meth:`build`, named as in the study file.
        """
        if self.stratify and cfg.stratify is not None:
            return cfg.stratify.model_dump()
        return {}

    def build(
        self,
        n_segments: int | None = None,
        *,
        random_state: Any = None,
        n_init: int = 10,
        **options: Any,
    ) -> Any:
        """Return an unfitted estimator of this method.

        Parameters
        ----------
        n_segments : int, optional
            Number of segments; by default the estimator's own default (4
            for the data-driven methods). Rule-based schemes fix it by their
            rules, so it must be None for them.
        random_state : int, RandomState or None
            Seed, for the estimators that take one.
        n_init : int, default 10
            Random restarts, for a method that :attr:`restarts`.
        **options
            Further arguments of the estimator class (names of the study file
            in :attr:`option_aliases` are accepted).

        Returns
        -------
        estimator
            With ``fit(X, y=None, *, sample_value=None)``, ``labels_``,
            ``predict`` and ``result_``.

        Raises
        ------
        ValueError
            For ``n_segments`` given to a rule-based scheme, or an option the
            estimator does not take (its options are listed).
        """
        cls = self.estimator_class
        accepted = [p for p in inspect.signature(cls).parameters if p != "self"]
        kwargs: dict[str, Any] = dict(options)
        for study_name, own_name in self.option_aliases:
            if study_name in kwargs and study_name not in accepted:
                kwargs[own_name] = kwargs.pop(study_name)
        if n_segments is not None:
            if "n_segments" not in accepted:
                raise ValueError(
                    f"method {self.name!r} defines its own segments by its rules; n_segments cannot be set "
                    f"(got {n_segments}); pass n_segments=None"
                )
            kwargs["n_segments"] = n_segments
        if "random_state" in accepted:
            kwargs["random_state"] = random_state
        if self.restarts:
            kwargs["n_init"] = n_init
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise ValueError(
                f"method {self.name!r} does not take option(s) {unknown}; its options are {accepted}"
            )
        return cls(**kwargs)

    def build_for_study(self, cfg: StudyConfig, k: int | None = None) -> Any:
        """The estimator a study fits: its seed, restarts and options, and ``k`` where k applies.

        Parameters
        ----------
        cfg : StudyConfig
        k : int, optional
            Number of segments; ignored when k does not apply (rule-based schemes).

        Returns
        -------
        estimator
            Unfitted.
        """
        return self.build(k if self.k_applies else None, random_state=cfg.seed, n_init=cfg.n_init,
                          **self.study_options(cfg))


# --------------------------------------------------------------------------------- the methods

_CLUSTERING = "segkit.methods.clustering"
_RULES = "segkit.methods.rules"
#: Ward is fitted on a sample above this many customers (WardSegmenter's max_fit_rows default).
_WARD_SAMPLE = 20_000

#: Data-driven methods: a long horizon favours segments on stable behaviour or needs.
_HORIZON_DATA_DRIVEN = (
    Fit(2.0, "a long horizon favours segments on stable behaviour or needs, checked for stability and "
        "validated on later behaviour", horizon="long"),
    Fit(0.5, horizon="short"),
)
_BEHAVIOURAL = Fit(reason="behavioural numeric basis from {history:.0f} months of transactions",
                   basis_kind="numeric", transactions=True)
_ITEMS_BETTER_BY_LCA = Fit(-1.5, "works on 0/1 items, but latent class analysis models them properly",
                           basis_kind="binary")
_SHORT_HORIZON_REASON = "a short horizon favours value schemes that give campaign lists now"
_SHORT_HORIZON_VALUE = Fit(2.0, _SHORT_HORIZON_REASON, horizon="short")
_VALUE_GOAL = Fit(1.0, "the goal is about customer value, which this scheme ranks directly", goal="value")
_RFM_HISTORY = "recency and frequency need a few purchase cycles"
_RFM_INPUTS = ("recency_days", "frequency", "monetary_total")

_SPECS: tuple[MethodSpec, ...] = (
    MethodSpec(
        name="kmeans",
        label="k-means",
        family="data-driven",
        description="k-means on the prepared basis: compact, similar-sized segments; new customers join "
                    "the nearest centroid.",
        needs="a numeric basis (behavioural features from transactions, or survey scales)",
        basis_kind="numeric",
        estimator=f"{_CLUSTERING}:KMeansSegmenter",
        restarts=True,
        feasibility=Feasibility(
            accepts=("numeric", "binary"),
            accepts_text="an all-numeric basis",
            fits=(
                Fit(1.0),  # the simplest: preferred when the data suit several methods
                _BEHAVIOURAL,
                *_HORIZON_DATA_DRIVEN,
                _ITEMS_BETTER_BY_LCA,
                Fit(reason="k-means is the simplest data-driven method: compact segments, new customers "
                           "join the nearest centroid, fast enough to refit on every bootstrap sample",
                    basis_kind="numeric"),
            ),
        ),
    ),
    MethodSpec(
        name="kprototypes",
        label="k-prototypes",
        family="data-driven",
        description="k-prototypes (Huang): k-means distance on numeric columns plus a weighted count of "
                    "mismatching categories.",
        needs="a basis mixing numeric and categorical columns",
        basis_kind="mixed",
        estimator=f"{_CLUSTERING}:KPrototypesSegmenter",
        restarts=True,
        feasibility=Feasibility(
            accepts=("mixed",),
            accepts_text="a basis with categorical columns",
            fits=(
                *_HORIZON_DATA_DRIVEN,
                Fit(2.0, "the basis mixes numeric and categorical columns, which k-prototypes handles "
                         "without arbitrary dummy coding", basis_kind="mixed"),
            ),
        ),
    ),
    MethodSpec(
        name="gmm",
        label="Gaussian mixture",
        family="data-driven",
        description="Gaussian mixture: segments may differ in spread and shape; gives each customer's "
                    "segment probabilities.",
        needs="a numeric basis with many customers per segment",
        basis_kind="numeric",
        estimator=f"{_CLUSTERING}:GaussianMixtureSegmenter",
        restarts=True,
        feasibility=Feasibility(
            accepts=("numeric",),
            accepts_text="a numeric basis (a Gaussian mixture on 0/1 items is degenerate)",
            fits=(
                Fit(0.7),
                _BEHAVIOURAL,
                *_HORIZON_DATA_DRIVEN,
                Fit(reason="segments may differ in spread and shape, at the cost of many more parameters "
                           "and less stable solutions than k-means", basis_kind="numeric"),
            ),
        ),
    ),
    MethodSpec(
        name="latent_class",
        label="latent class analysis",
        family="data-driven",
        description="Latent class analysis: a Bernoulli mixture; each segment has its own probability of "
                    "yes per item.",
        needs="survey yes/no items (0/1) as the basis",
        basis_kind="binary",
        estimator=f"{_CLUSTERING}:LatentClassSegmenter",
        restarts=True,
        feasibility=Feasibility(
            accepts=("binary",),
            accepts_text="a basis of yes/no items coded 0/1",
            fits=(
                *_HORIZON_DATA_DRIVEN,
                Fit(2.0, "the basis is yes/no items, which latent class analysis models directly "
                         "(a probability of yes per item and segment) and chooses k by BIC as a check",
                    basis_kind="binary"),
                Fit(1.0, basis_kind="binary", goal="needs"),
            ),
        ),
    ),
    MethodSpec(
        name="ward",
        label="Ward hierarchical clustering",
        family="data-driven",
        description="Hierarchical clustering with Ward linkage; new customers join the nearest centroid.",
        needs=f"a numeric basis (fitted on a sample above {_WARD_SAMPLE:,} customers)",
        basis_kind="numeric",
        estimator=f"{_CLUSTERING}:WardSegmenter",
        feasibility=Feasibility(
            accepts=("numeric", "binary"),
            accepts_text="an all-numeric basis",
            fits=(
                Fit(0.5),
                _BEHAVIOURAL,
                *_HORIZON_DATA_DRIVEN,
                _ITEMS_BETTER_BY_LCA,
                Fit(reason="hierarchical: shows how segments merge; deterministic"),
                Fit(-0.5, f"with {{n_basis:,}} customers it is fitted on a sample of {_WARD_SAMPLE:,}",
                    more_customers_than=_WARD_SAMPLE),
            ),
        ),
    ),
    MethodSpec(
        name="rfm8",
        label="RFM 8-class",
        family="rule-based value",
        description="RFM 8 classes: each of R, F, M better or worse than the base average, with the classic "
                    "action per class.",
        needs="transactions (recency, frequency, monetary)",
        basis_kind="fixed (RFM)",
        estimator=f"{_RULES}:RFM8Segmenter",
        rule_inputs=_RFM_INPUTS,
        feasibility=Feasibility(
            history_months=3,
            history_why=_RFM_HISTORY,
            fixed_k=8,
            fits=(
                Fit(2.5, _SHORT_HORIZON_REASON, horizon="short"),
                _VALUE_GOAL,
                Fit(reason="eight classes with a ready action each; needs no model"),
            ),
        ),
    ),
    MethodSpec(
        name="rfm_quantile",
        label="RFM quintile scores",
        family="rule-based value",
        description="RFM quintile scores 1-5 per dimension, grouped into named segments.",
        needs="transactions (recency, frequency, monetary)",
        basis_kind="fixed (RFM)",
        estimator=f"{_RULES}:RFMQuantileSegmenter",
        rule_inputs=_RFM_INPUTS,
        feasibility=Feasibility(
            history_months=3,
            history_why=_RFM_HISTORY,
            fixed_k=10,
            fits=(_SHORT_HORIZON_VALUE, _VALUE_GOAL),
        ),
    ),
    MethodSpec(
        name="value_pyramid",
        label="value pyramid",
        family="rule-based value",
        description="Customer lifetime value pyramid: platinum top 1%, gold next 4%, iron next 15%, lead "
                    "the rest.",
        needs="transactions with >= 6 months of history and repeat purchases (lifetime value)",
        basis_kind="fixed (CLV)",
        estimator=f"{_RULES}:ValuePyramidSegmenter",
        rule_inputs=("clv",),
        value_model=True,
        feasibility=Feasibility(
            history_months=6,
            history_why="a lifetime-value model needs repeat purchases over at least 6 months",
            fixed_k=100,
            fixed_k_text="10 in the top 1% tier",
            fits=(_SHORT_HORIZON_VALUE, _VALUE_GOAL),
        ),
    ),
    MethodSpec(
        name="value_potential_loyalty",
        label="current value x potential value x loyalty",
        family="rule-based value",
        description="Current value x potential value x loyalty, each high/low: 8 classes with a resource "
                    "rule each.",
        needs="transactions with >= 12 months of history and repeat purchases",
        basis_kind="fixed (value, CLV, loyalty)",
        estimator=f"{_RULES}:ValuePotentialLoyaltySegmenter",
        rule_inputs=("current_value", "clv", "loyalty"),
        value_model=True,
        feasibility=Feasibility(
            history_months=12,
            history_why="loyalty (stability of spend) needs a full year of seasons",
            min_history_months=6,
            fixed_k=8,
            fits=(
                _SHORT_HORIZON_VALUE,
                Fit(0.5, "adds potential value and loyalty, so it looks beyond this year's spend",
                    horizon="long"),
                _VALUE_GOAL,
            ),
        ),
    ),
    MethodSpec(
        name="satisfaction_volume",
        label="satisfaction x purchase volume",
        family="rule-based survey",
        description="Satisfaction x purchase volume, 3 x 3: sales model by volume, partner/improve/correct "
                    "by satisfaction.",
        needs="a survey satisfaction column and transactions",
        basis_kind="fixed (satisfaction, volume)",
        estimator=f"{_RULES}:SatisfactionVolumeSegmenter",
        rule_inputs=("satisfaction", "monetary_total"),
        feasibility=Feasibility(
            satisfaction=True,
            history_months=3,
            history_why="purchase volume needs a few purchase cycles",
            fixed_k=9,
            counted_in="survey",
            fits=(
                _SHORT_HORIZON_VALUE,
                Fit(2.0, goal="service"),
                Fit(reason="ties the sales model to purchase volume and the service response to satisfaction"),
            ),
        ),
    ),
    MethodSpec(
        name="classify_stratify",
        label="classify then stratify",
        family="rule-based value",
        description="Classify by customer type, then stratify by size within each type (bank style).",
        needs="a 'stratify' section: a type column, a size column, thresholds",
        basis_kind="fixed (type, size)",
        estimator=f"{_RULES}:ClassifyStratifySegmenter",
        stratify=True,
        # The study file's stratify section says type_column/size_column; the class says *_col.
        option_aliases=(("type_column", "type_col"), ("size_column", "size_col")),
        feasibility=Feasibility(
            fits=(
                Fit(1.5, horizon="short"),
                Fit(0.5, horizon="long"),
                Fit(reason="type first, then size tiers within each type: simple rules the business already "
                           "uses"),
            ),
        ),
    ),
)

if tuple(s.name for s in _SPECS) != METHOD_NAMES:  # pragma: no cover - a programming error
    raise RuntimeError(
        "segkit.methods.registry must declare exactly one spec per name of segkit.method_names.METHOD_NAMES, "
        f"in its order; names {METHOD_NAMES}, specs {tuple(s.name for s in _SPECS)}"
    )

#: Every method a study can name, by name, in report order (data-driven first).
METHODS: Mapping[str, MethodSpec] = MappingProxyType({s.name: s for s in _SPECS})
#: Names of the data-driven methods, in report order.
DATA_DRIVEN_METHODS: tuple[str, ...] = tuple(n for n, s in METHODS.items() if s.data_driven)
#: Names of the rule-based schemes, in report order.
RULE_BASED_METHODS: tuple[str, ...] = tuple(n for n, s in METHODS.items() if not s.data_driven)

#: One row per method, for reports: method, label, family, needs, basis_kind, description.
METHOD_INFO: pd.DataFrame = pd.DataFrame(
    [(s.name, s.label, s.family, s.needs, s.basis_kind, s.description) for s in METHODS.values()],
    columns=["method", "label", "family", "needs", "basis_kind", "description"],
)


def get_method(name: str) -> MethodSpec:
    """The spec of a method named in a study file.

    Parameters
    ----------
    name : str
        One of the names of :data:`METHODS` (``"auto"`` is resolved by
        :func:`segkit.methods.feasibility.choose_method` first).

    Returns
    -------
    MethodSpec

    Raises
    ------
    ValueError
        For an unknown name; the allowed names are listed.

    Examples
    --------
    >>> get_method("latent_class").basis_kind
    'binary'
    """
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        allowed = ", ".join(METHODS)
        hint = " ('auto' must be resolved with choose_method first)" if name == "auto" else ""
        raise ValueError(f"unknown method {name!r}{hint}; allowed: {allowed}") from None


def make_segmenter(
    method: str,
    n_segments: int | None = None,
    *,
    random_state: Any = None,
    n_init: int = 10,
    **options: Any,
) -> Any:
    """Return an unfitted segmenter for a method name of the study file.

    ``get_method(method).build(...)``; see :meth:`MethodSpec.build`.

    Parameters
    ----------
    method : str
        One of the names in :data:`DATA_DRIVEN_METHODS` or
        :data:`RULE_BASED_METHODS` (``"auto"`` is resolved by
        :func:`segkit.methods.feasibility.choose_method` first).
    n_segments : int, optional
        Number of segments; by default the method's own default (4 for the
        data-driven methods). Rule-based schemes fix it by their rules, so it
        must be None for them.
    random_state : int, RandomState or None
        Seed.
    n_init : int, default 10
        Random restarts, for the methods that restart (kmeans, kprototypes,
        gmm, latent_class). Ward and the rule-based schemes are deterministic
        and do not take it.
    **options
        Further arguments of the method's class (e.g. ``covariance_type`` for
        gmm, ``categorical`` for kprototypes, the study's ``stratify`` section for
        classify_stratify, whose ``type_column``/``size_column`` are accepted).

    Returns
    -------
    estimator
        With ``fit(X, y=None, *, sample_value=None)``, ``labels_``, ``predict`` and ``result_``.

    Raises
    ------
    ValueError
        For an unknown method (the allowed names are listed) or an option the
        method does not take (its options are listed).

    Examples
    --------
    >>> make_segmenter("kmeans", 5, random_state=1)
    KMeansSegmenter(n_segments=5, random_state=1)
    """
    return get_method(method).build(n_segments, random_state=random_state, n_init=n_init, **options)
