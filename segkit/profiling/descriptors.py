"""Who the customers of each segment are, on descriptors the segmentation did not use.

:func:`personas` summarises each descriptor (age, household, city tier, ...)
per segment next to the whole base and writes a persona paragraph;
:func:`descriptor_tests` tests whether each descriptor differs between
segments. :func:`is_categorical` decides how a descriptor is treated here,
in :mod:`segkit.profiling.logit` and in :mod:`segkit.profiling.identification`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from segkit.assignments import check_assignments, join_on_customer, segment_names
from segkit.figures import fmt_num, new_axes, pretty
from segkit.i18n import join, translate
from segkit.multitest import holm
from segkit.palette import segment_colour, segment_label

__all__ = ["PersonaResult", "descriptor_tests", "is_categorical", "personas"]


def is_categorical(s: pd.Series) -> bool:
    """Whether a descriptor is treated as categories: words, booleans or at most two numeric codes.

    Parameters
    ----------
    s : Series
        The descriptor's values (missing values are ignored).

    Returns
    -------
    bool
        True for categorical or boolean dtypes, text, and numbers with at most
        two distinct values (a 0/1 code); False for other numbers.

    Examples
    --------
    >>> is_categorical(pd.Series([0, 1, 1])), is_categorical(pd.Series([18, 35, 62]))
    (True, False)
    """
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s):
        return True
    if not pd.api.types.is_numeric_dtype(s):
        return True
    return s.dropna().nunique() <= 2


@dataclass(frozen=True)
class PersonaResult:
    """Who the customers of each segment are, against the whole base.

    Attributes
    ----------
    table : DataFrame
        Tidy: ``segment``, ``segment_name``, ``descriptor``, ``kind``
        ("categorical"/"numeric"), ``level`` (category, or "" for numbers),
        ``statistic`` ("share", "mean", "median"), ``segment_value``,
        ``base_value``, ``diff`` and ``index`` (segment / base x 100).
    sizes : DataFrame
        ``segment``, ``segment_name``, ``n``, ``share``.
    """

    table: pd.DataFrame
    sizes: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One short persona paragraph per segment."""
        return pd.DataFrame({"segment": self.sizes["segment"], "segment_name": self.sizes["segment_name"],
                             "persona": [self.persona_text(s) for s in self.sizes["segment"]]})

    def persona_text(self, segment: int, *, max_levels: int = 3, min_points: float = 5.0) -> str:
        """A persona paragraph built only from the data, with the base for comparison.

        Lists the categorical levels most over-represented in the segment (at
        least ``min_points`` percentage points above the base and held by at
        least 20% of the segment), then the median of each numeric descriptor.
        """
        sz = self.sizes.set_index("segment")
        if segment not in sz.index:
            raise ValueError(f"no segment {segment}; segments are {list(sz.index)}")
        t = self.table[self.table["segment"] == segment]
        # English templates translated before their numbers go in (segkit.i18n)
        head = translate("Segment {segment}: {n} customers ({share} of the base).").format(
            segment=segment_label(segment, sz.loc[segment, "segment_name"]), n=f"{sz.loc[segment, 'n']:,}",
            share=f"{sz.loc[segment, 'share']:.0%}")
        cat = t[(t["kind"] == "categorical") & (t["diff"] * 100 >= min_points) & (t["segment_value"] >= 0.2)]
        cat = cat.sort_values("diff", ascending=False).drop_duplicates("descriptor").head(max_levels)
        parts = [translate("{share} {level} (base {base})").format(
                     share=f"{r.segment_value:.0%}", level=_level_text(pretty(r.descriptor), str(r.level)),
                     base=f"{r.base_value:.0%}") for r in cat.itertuples()]
        num = t[(t["kind"] == "numeric") & (t["statistic"] == "median")]
        parts += [translate("median {descriptor} {value} (base {base})").format(
                      descriptor=pretty(r.descriptor), value=fmt_num(r.segment_value), base=fmt_num(r.base_value))
                  for r in num.itertuples()]
        if not len(cat):
            parts.insert(0, translate("No descriptor level stands out by {points} points or more").format(
                points=f"{min_points:g}"))
        return join([head, translate("{sentence}.").format(sentence=join(parts, "; "))], " ")

    def plot(self, ax=None, *, descriptor: str | None = None):
        """Share of each level of a categorical descriptor by segment (stacked bars), base as the last bar."""
        t = self.table[self.table["kind"] == "categorical"]
        if t.empty:
            raise ValueError("no categorical descriptor to plot")
        descriptor = descriptor or t["descriptor"].iloc[0]
        d = t[t["descriptor"] == descriptor]
        if d.empty:
            raise ValueError(f"no categorical descriptor {descriptor!r}")
        wide = d.pivot(index="segment", columns="level", values="segment_value")
        base = d.drop_duplicates("level").set_index("level")["base_value"]
        labels = [segment_label(s, self.sizes.set_index("segment").loc[s, "segment_name"]) for s in wide.index]
        wide = pd.concat([wide, base.to_frame("whole base").T])
        ax = new_axes(ax, (8, 0.5 * len(wide) + 1.8))
        import seaborn as sns

        colours = sns.color_palette("Greys", len(wide.columns) + 1).as_hex()[1:]
        left = np.zeros(len(wide))
        y = np.arange(len(wide))[::-1]
        for col, colour in zip(wide.columns, colours):
            v = wide[col].fillna(0).to_numpy() * 100
            ax.barh(y, v, left=left, color=colour, edgecolor="white", label=str(col))
            for yi, li, vi in zip(y, left, v):
                if vi >= 7:
                    ax.annotate(f"{vi:.0f}%", (li + vi / 2, yi), ha="center", va="center", fontsize=8,
                                color="black" if _luminance(colour) > 0.5 else "white")
            left += v
        ax.set_yticks(y, labels + ["whole base"])
        for lab, s in zip(ax.get_yticklabels(), list(wide.index[:-1]) + ["base"]):
            lab.set_color(segment_colour(s) if s != "base" else "black")
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the segment's customers")
        ax.set_title(f"{pretty(descriptor).capitalize()} by segment")
        ax.legend(title=pretty(descriptor), bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
        return ax


def _luminance(colour: str) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


def personas(customers: pd.DataFrame, assignments: pd.DataFrame, descriptors: Sequence[str]) -> PersonaResult:
    """Describe each segment by descriptors it was not formed on (age, household, city tier, ...).

    Categorical descriptors are summarised by the share of each level (missing
    values excluded), numeric ones by mean and median, each next to the whole
    base. Customers absent from ``customers`` are left out.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the descriptors.
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    descriptors : sequence of str

    Returns
    -------
    PersonaResult

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": list("abcd"), "age": [30, 34, 60, 64],
    ...                   "household_type": ["family", "family", "couple", "single"]})
    >>> a = pd.DataFrame({"customer_id": list("abcd"), "segment": [1, 1, 2, 2],
    ...                   "segment_name": ["Young families", "Young families", "Seniors", "Seniors"]})
    >>> text = personas(c, a, ["age", "household_type"]).persona_text(1)
    >>> text.split(". ", 2)[2]
    '100% household type family (base 50%); median age 32 (base 47).'
    """
    descriptors = list(descriptors)
    a = check_assignments(assignments)
    df = join_on_customer(a, customers, descriptors, table_name="customers")
    rows = []
    for d in descriptors:
        s = df[d]
        if is_categorical(s):
            lev = s.astype("string").where(s.notna())
            base = lev.value_counts(normalize=True)
            for seg, grp in df.assign(_lev=lev).groupby("segment"):
                share = grp["_lev"].value_counts(normalize=True).reindex(base.index, fill_value=0.0)
                for level, b in base.items():
                    v = float(share[level])
                    rows.append((seg, d, "categorical", str(level), "share", v, float(b)))
        else:
            x = s.astype(float)
            for seg, grp in df.groupby("segment"):
                xs = grp[d].astype(float)
                rows.append((seg, d, "numeric", "", "mean", xs.mean(), x.mean()))
                rows.append((seg, d, "numeric", "", "median", xs.median(), x.median()))
    t = pd.DataFrame(rows, columns=["segment", "descriptor", "kind", "level", "statistic", "segment_value",
                                    "base_value"])
    names = segment_names(a)
    t.insert(1, "segment_name", t["segment"].map(names))
    t["diff"] = t["segment_value"] - t["base_value"]
    t["index"] = np.where(t["base_value"] != 0, t["segment_value"] / t["base_value"].replace(0, np.nan) * 100,
                          np.nan)
    n = df.groupby("segment").size()
    sizes = pd.DataFrame({"segment": n.index.astype(int), "segment_name": n.index.map(names), "n": n.to_numpy(),
                          "share": n.to_numpy() / n.sum()})
    return PersonaResult(t, sizes)


def _effect_label(value: float, cuts: tuple[float, float, float]) -> str:
    if not np.isfinite(value):
        return "n/a"
    return ("large" if value >= cuts[2] else "medium" if value >= cuts[1] else "small" if value >= cuts[0]
            else "negligible")


#: The test column of a descriptor whose test raised; its note and reading say why.
NOT_COMPUTED = "not computed"


def descriptor_tests(customers: pd.DataFrame, assignments: pd.DataFrame, descriptors: Sequence[str], *,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Test whether each descriptor differs between segments, Holm-corrected across descriptors.

    Categorical descriptors: chi-square test of segment x level, effect size
    Cramer's V (small 0.1, medium 0.3, large 0.5). Numeric descriptors:
    Kruskal-Wallis (robust to skew), effect size eta-squared from H,
    ``(H - k + 1) / (n - k)`` (small 0.01, medium 0.06, large 0.14).
    p-values are adjusted with Holm's method (statsmodels ``multipletests``).
    A test that cannot be computed (a degenerate table) is reported as ``not computed: why`` in
    its row and the other descriptors are still tested.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id`` and the descriptors.
    assignments : DataFrame
    descriptors : sequence of str
    alpha : float
        Level for the reading (on adjusted p-values).

    Returns
    -------
    DataFrame
        ``descriptor``, ``kind``, ``test``, ``n``, ``statistic``, ``df``,
        ``p_value``, ``p_adjusted``, ``effect_measure``, ``effect_size``,
        ``reading`` and ``note`` (e.g. sparse cells).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": [str(i) for i in range(60)], "age": list(range(60))})
    >>> a = pd.DataFrame({"customer_id": c["customer_id"], "segment": [1] * 30 + [2] * 30})
    >>> bool(descriptor_tests(c, a, ["age"]).loc[0, "p_adjusted"] < 0.001)
    True
    """
    a = check_assignments(assignments)
    df = join_on_customer(a, customers, list(descriptors), table_name="customers")
    rows = []
    for d in descriptors:
        sub = df[["segment", d]].dropna()
        n, k = len(sub), sub["segment"].nunique()
        if k < 2 or n <= k:
            rows.append(dict(descriptor=d, kind="", test="not tested", n=n, statistic=np.nan, df=np.nan,
                             p_value=np.nan, effect_measure="", effect_size=np.nan, note="fewer than two segments"))
            continue
        try:
            if is_categorical(df[d]):
                ct = pd.crosstab(sub["segment"], sub[d].astype(str))
                if ct.shape[1] < 2:
                    rows.append(dict(descriptor=d, kind="categorical", test="not tested", n=n, statistic=np.nan,
                                     df=np.nan, p_value=np.nan, effect_measure="Cramer's V", effect_size=np.nan,
                                     note="only one level"))
                    continue
                chi2, p, dof, exp = stats.chi2_contingency(ct.to_numpy(), correction=False)
                v = np.sqrt(chi2 / (n * (min(ct.shape) - 1)))
                sparse = (exp < 5).mean()
                rows.append(dict(descriptor=d, kind="categorical", test="chi-square", n=n, statistic=chi2, df=dof,
                                 p_value=p, effect_measure="Cramer's V", effect_size=v,
                                 note=f"{sparse:.0%} of cells expect fewer than 5 customers" if sparse > 0.2 else ""))
            else:
                groups = [g[d].astype(float).to_numpy() for _, g in sub.groupby("segment")]
                h, p = (0.0, 1.0) if np.ptp(sub[d].astype(float)) == 0 else stats.kruskal(*groups)
                eta = max(0.0, (h - k + 1) / (n - k))
                rows.append(dict(descriptor=d, kind="numeric", test="Kruskal-Wallis", n=n, statistic=h, df=k - 1,
                                 p_value=p, effect_measure="eta-squared (H)", effect_size=eta, note=""))
        except (ValueError, TypeError, FloatingPointError, np.linalg.LinAlgError) as err:
            # one descriptor's test failing (a degenerate table) leaves the others tested; the row says why
            rows.append(dict(descriptor=d, kind="", test=NOT_COMPUTED, n=n, statistic=np.nan, df=np.nan,
                             p_value=np.nan, effect_measure="", effect_size=np.nan,
                             note=f"{NOT_COMPUTED}: {type(err).__name__}: {str(err)[:200]}"))
    t = pd.DataFrame(rows)
    t["p_adjusted"] = holm(t["p_value"])
    readings = []
    for r in t.itertuples():
        if r.test == NOT_COMPUTED:
            readings.append(str(r.note))
            continue
        if not np.isfinite(r.p_adjusted):
            readings.append("not tested")
            continue
        cuts = (0.1, 0.3, 0.5) if r.effect_measure == "Cramer's V" else (0.01, 0.06, 0.14)
        size = _effect_label(r.effect_size, cuts)
        readings.append(f"differs between segments ({size} effect)" if r.p_adjusted < alpha
                        else "no evidence of a difference")
    t["reading"] = readings
    return t[["descriptor", "kind", "test", "n", "statistic", "df", "p_value", "p_adjusted", "effect_measure",
              "effect_size", "reading", "note"]]


def _level_text(label: str, level: str) -> str:
    """A descriptor and its level in words, without saying a shared word twice.

    Examples
    --------
    >>> _level_text("city tier", "tier 1"), _level_text("gender", "male")
    ('city tier 1', 'gender male')
    """
    last = label.split()[-1].lower() if label.split() else ""
    if last and level.lower().startswith(last + " "):
        return f"{label}{level[len(last):]}"
    return f"{label} {level}"
