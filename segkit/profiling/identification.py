"""How front-line staff can recognise a new customer's segment: a shallow decision tree.

:func:`identification_rule` grows the tree on a few observable columns,
reports its cross-validated accuracy honestly and writes each leaf as a rule
in plain words; :class:`IdentificationRule` assigns new customers with it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from segkit.assignments import check_assignments, join_on_customer, segment_names
from segkit.errors import DataError, SmallSegmentWarning
from segkit.figures import fmt_num, new_axes, pretty
from segkit.palette import segment_label
from segkit.profiling.descriptors import is_categorical

__all__ = ["IdentificationRule", "identification_rule"]


class _Design:
    """One-hot coding learned on the training customers, reapplied to new ones."""

    def __init__(self, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.levels: dict[str, list[str]] = {}
        self.integer: dict[str, bool] = {}
        for c in self.columns:
            s = frame[c]
            if is_categorical(s) and not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
                self.levels[c] = sorted(s.dropna().astype(str).unique().tolist())
            else:
                v = s.dropna().astype(float)
                self.integer[c] = bool(len(v) and np.allclose(v, np.round(v)))
        self.feature_names: list[tuple[str, str | None]] = []
        for c in self.columns:
            if c in self.levels:
                self.feature_names += [(c, lev) for lev in self.levels[c]]
            else:
                self.feature_names.append((c, None))

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix of ``frame``: numbers as they are, one 0/1 column per learned level."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise DataError(f"new customers lack column {missing[0]!r} the rule uses", column=missing[0])
        cols = []
        for c, lev in self.feature_names:
            if lev is None:
                cols.append(pd.to_numeric(frame[c], errors="coerce").astype(float).to_numpy())
            else:
                cols.append((frame[c].astype(str) == lev).to_numpy(dtype=float))
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))


def _condition_text(col: str, lev: str | None, lo: float | None, hi: float | None, integer: bool,
                    is_level: bool | None, not_levels: list[str]) -> str:
    name = pretty(col)
    if lev is not None or not_levels or is_level is not None:
        if is_level:
            return f"{name} is {lev}"
        return f"{name} is not {' or '.join(not_levels)}"
    if integer:
        # a tree splits integers at x.5: "<= 34.5" reads "34 or under", "> 34.5" reads "35 or over"
        lo_i = int(np.floor(lo)) + 1 if lo is not None else None
        hi_i = int(np.floor(hi)) if hi is not None else None
        if lo_i is not None and hi_i is not None:
            return f"{name} {lo_i}-{hi_i}" if hi_i > lo_i else f"{name} = {lo_i}"
        return f"{name} {lo_i} or over" if lo_i is not None else f"{name} {hi_i} or under"
    if lo is not None and hi is not None:
        return f"{name} above {fmt_num(lo)} and at most {fmt_num(hi)}"
    return f"{name} above {fmt_num(lo)}" if lo is not None else f"{name} at most {fmt_num(hi)}"


class IdentificationRule:
    """A shallow decision tree that tells front-line staff a customer's segment.

    Attributes
    ----------
    cv_accuracy : float
        Mean accuracy over 5-fold stratified cross-validation on all customers
        (what to expect on new customers).
    cv_accuracy_sd : float
        Its standard deviation across folds.
    holdout_accuracy : float
        Accuracy on a 25% held-out split of a tree grown on the other 75%.
    baseline_accuracy : float
        Accuracy of always naming the largest segment.
    rules : DataFrame
        One row per leaf: ``rule_id``, ``segment``, ``segment_name``, ``rule``
        (plain words), ``n_customers``, ``accuracy`` (share of the leaf's
        customers really in that segment) and ``coverage`` (share of the
        segment's customers the leaf catches).
    confusion : DataFrame
        Cross-validated counts: true segment (rows) x assigned segment.
    tree : DecisionTreeClassifier
        Grown on all customers; the rules describe this tree.
    """

    def __init__(self, tree, design: _Design, names: dict[int, str], cv_scores: np.ndarray,
                 holdout_accuracy: float, baseline_accuracy: float, rules: pd.DataFrame,
                 confusion: pd.DataFrame) -> None:
        self.tree = tree
        self._design = design
        self.columns = design.columns
        self.names = names
        self.cv_accuracy = float(np.mean(cv_scores))
        self.cv_accuracy_sd = float(np.std(cv_scores, ddof=1))
        self.holdout_accuracy = float(holdout_accuracy)
        self.baseline_accuracy = float(baseline_accuracy)
        self.rules = rules
        self.confusion = confusion

    @property
    def n_customers(self) -> int:
        """Customers the accuracy was measured on (those with a segment and the columns)."""
        return int(self.confusion.to_numpy().sum())

    @property
    def table(self) -> pd.DataFrame:
        """The rules (same as :attr:`rules`), so every result object has a ``.table``."""
        return self.rules

    def text(self) -> str:
        """The rules as lines a salesperson can read, largest leaves first within each segment."""
        lines = [f"If {r.rule} -> Segment {segment_label(r.segment, r.segment_name)} ({r.accuracy:.0%} right, "
                 f"{r.n_customers:,} customers)" for r in self.rules.itertuples()]
        lines.append(f"Overall: right for {self.cv_accuracy:.0%} of customers (cross-validated; held-out "
                     f"{self.holdout_accuracy:.0%}); always guessing the largest segment: "
                     f"{self.baseline_accuracy:.0%}.")
        return "\n".join(lines)

    def summary(self) -> pd.DataFrame:
        """Accuracies, number of rules and columns used, as a ``measure``/``value`` table."""
        return pd.DataFrame({
            "measure": ["cross-validated accuracy (5-fold)", "held-out accuracy (25% split)",
                        "majority baseline", "leaves (rules)", "columns used"],
            "value": [round(self.cv_accuracy, 3), round(self.holdout_accuracy, 3),
                      round(self.baseline_accuracy, 3), len(self.rules), ", ".join(self.columns)],
        })

    def assign(self, new_customers: pd.DataFrame) -> pd.DataFrame:
        """Segment of new customers: ``customer_id``, ``segment``, ``segment_name``, ``rule_id``."""
        X = self._design.transform(new_customers)
        seg = self.tree.predict(X).astype(int)
        leaf = self.tree.apply(X)
        leaf_rule = {lf: r for lfs, r in zip(self.rules["leaves"], self.rules["rule_id"]) for lf in lfs}
        ids = new_customers["customer_id"].astype(str).to_numpy() if "customer_id" in new_customers.columns \
            else np.asarray(new_customers.index.astype(str))
        return pd.DataFrame({"customer_id": ids, "segment": seg,
                             "segment_name": [self.names.get(s, str(s)) for s in seg],
                             "rule_id": [leaf_rule[lf] for lf in leaf]})

    def plot(self, ax=None):
        """Cross-validated confusion matrix, row percentages: where each segment's customers are sent."""
        import seaborn as sns

        cm = self.confusion
        share = cm.div(cm.sum(axis=1).replace(0, np.nan), axis=0) * 100
        ax = new_axes(ax, (1.1 * len(cm) + 3, 0.8 * len(cm) + 2))
        annot = np.array([[f"{p:.0f}%\n({n:,})" for p, n in zip(prow, nrow)]
                          for prow, nrow in zip(share.to_numpy(), cm.to_numpy())])
        labels = [segment_label(s, self.names.get(s)) for s in cm.index]
        sns.heatmap(share, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=100, cbar_kws={"label": "% of row"},
                    xticklabels=[str(s) for s in cm.columns], yticklabels=labels, ax=ax, annot_kws={"fontsize": 8})
        ax.set_xlabel("segment the rule assigns")
        ax.set_ylabel("true segment")
        ax.set_title(f"Identification rule: {self.cv_accuracy:.0%} right (cross-validated), "
                     f"baseline {self.baseline_accuracy:.0%}")
        return ax

    def __repr__(self) -> str:
        return f"IdentificationRule(cv_accuracy={self.cv_accuracy:.3f}, leaves={len(self.rules)})"


def _tree_rules(tree, design: _Design, X: np.ndarray, y: np.ndarray, names: dict[int, str]) -> pd.DataFrame:
    """One plain-words rule per leaf; sibling leaves naming the same segment are merged into one rule."""
    t = tree.tree_
    leaves = tree.apply(X)
    seg_n = pd.Series(y).value_counts()
    rows = []

    def label(node: int) -> int | None:
        # the segment a whole subtree names, or None when its leaves disagree
        if t.children_left[node] == -1:
            return int(tree.classes_[np.argmax(t.value[node][0])])
        left, right = label(t.children_left[node]), label(t.children_right[node])
        return left if left is not None and left == right else None

    def leaves_under(node: int) -> list[int]:
        if t.children_left[node] == -1:
            return [node]
        return leaves_under(t.children_left[node]) + leaves_under(t.children_right[node])

    def walk(node: int, conds: list[tuple[int, str, float]]) -> None:
        s = label(node)
        if s is not None:
            members = leaves_under(node)
            in_rule = np.isin(leaves, members)
            n = int(in_rule.sum())
            right = int((y[in_rule] == s).sum())
            rows.append({"leaves": members, "segment": s, "segment_name": names.get(s, str(s)),
                         "rule": _conditions_to_text(conds, design), "n_customers": n,
                         "accuracy": right / n if n else np.nan, "coverage": right / seg_n.get(s, np.nan)})
            return
        f, thr = t.feature[node], t.threshold[node]
        walk(t.children_left[node], conds + [(f, "<=", thr)])
        walk(t.children_right[node], conds + [(f, ">", thr)])

    walk(0, [])
    out = pd.DataFrame(rows).sort_values(["segment", "n_customers"], ascending=[True, False])
    out.insert(0, "rule_id", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def _conditions_to_text(conds: list[tuple[int, str, float]], design: _Design) -> str:
    if not conds:
        return "any customer"
    per_col: dict[str, dict[str, Any]] = {}
    for f, op, thr in conds:
        col, lev = design.feature_names[f]
        d = per_col.setdefault(col, {"lo": None, "hi": None, "is": None, "not": []})
        if lev is None:
            if op == "<=":
                d["hi"] = thr if d["hi"] is None else min(d["hi"], thr)
            else:
                d["lo"] = thr if d["lo"] is None else max(d["lo"], thr)
        elif op == ">":  # one-hot column above 0.5: the customer has this level
            d["is"] = lev
        else:
            d["not"].append(lev)
    parts = []
    for col, d in per_col.items():
        if d["is"] is not None:
            parts.append(_condition_text(col, d["is"], None, None, False, True, []))
        elif d["not"]:
            parts.append(_condition_text(col, None, None, None, False, False, d["not"]))
        else:
            parts.append(_condition_text(col, None, d["lo"], d["hi"], design.integer.get(col, False), None, []))
    return " and ".join(parts)


def identification_rule(
    data: pd.DataFrame,
    assignments: pd.DataFrame,
    columns: Sequence[str],
    *,
    max_depth: int = 3,
    min_leaf_share: float = 0.01,
    test_size: float = 0.25,
    random_state: int = 0,
) -> IdentificationRule:
    """Grow a shallow decision tree that assigns customers to segments from a few columns.

    The reported accuracy is honest: 5-fold stratified cross-validation on
    all customers, plus the accuracy on a 25% held-out split of a tree grown
    on the remaining 75%. The rule shown and used by :meth:`~IdentificationRule.assign`
    is the tree grown on all customers. Leaves hold at least
    ``min_leaf_share`` of customers (and at least 5) so every rule is worth a
    line in a sales script.

    Parameters
    ----------
    data : DataFrame
        ``customer_id`` and the columns (descriptors or features; words or numbers).
    assignments : DataFrame
        ``customer_id``, ``segment``, ``segment_name``.
    columns : sequence of str
        What front-line staff can observe or ask.
    max_depth : int
        Depth of the tree (3 = at most three questions per customer).
    min_leaf_share : float
        Smallest leaf as a share of customers.
    test_size : float
        Held-out share.
    random_state : int
        Seed of the folds, the split and the tree.

    Returns
    -------
    IdentificationRule

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": [str(i) for i in range(40)], "age": list(range(20, 60))})
    >>> a = pd.DataFrame({"customer_id": c["customer_id"], "segment": [1] * 20 + [2] * 20,
    ...                   "segment_name": ["Young"] * 20 + ["Older"] * 20})
    >>> rule = identification_rule(c, a, ["age"], max_depth=1)
    >>> print(rule.rules.loc[0, "rule"])
    age 39 or under
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, train_test_split
    from sklearn.tree import DecisionTreeClassifier

    columns = list(columns)
    if not columns:
        raise ValueError("columns must name at least one column")
    a = check_assignments(assignments)
    df = join_on_customer(a, data, columns, table_name="data")
    if len(df) < 20:
        raise DataError(f"only {len(df)} customers have both a segment and the columns; need at least 20")
    design = _Design(df, columns)
    X = design.transform(df)
    y = df["segment"].to_numpy()
    names = segment_names(a)
    counts = pd.Series(y).value_counts()
    n_splits = int(min(5, counts.min())) if counts.min() >= 2 else 2
    if counts.min() < 5:
        warnings.warn(f"segment {counts.idxmin()} has only {counts.min()} customers; accuracy is imprecise",
                      SmallSegmentWarning, stacklevel=2)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(5, int(min_leaf_share * len(df))),
                                  random_state=random_state)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    cv_pred = np.empty_like(y)
    scores = []
    for tr, te in cv.split(X, y):
        m = clone(tree).fit(X[tr], y[tr])
        cv_pred[te] = m.predict(X[te])
        scores.append(float((cv_pred[te] == y[te]).mean()))
    strat = y if counts.min() >= 2 else None
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=strat)
    holdout = float((clone(tree).fit(Xtr, ytr).predict(Xte) == yte).mean())
    tree.fit(X, y)
    segs = sorted(names)
    confusion = pd.crosstab(pd.Series(y, name="true"), pd.Series(cv_pred, name="assigned")).reindex(
        index=segs, columns=segs, fill_value=0)
    rules = _tree_rules(tree, design, X, y, names)
    return IdentificationRule(tree, design, names, np.array(scores), holdout, counts.max() / len(y), rules,
                              confusion)
