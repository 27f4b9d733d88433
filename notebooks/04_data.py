# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Data
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from segkit.display import callout, say, show_table
from segkit.features import (FEATURE_DEFINITIONS, OUTCOME_DEFINITIONS, compute_features, compute_outcomes,
                             feature_engine)
from segkit.io import QUALITY_RULES, QualityReport
from segkit.pipeline import basis_complete_cases, check_basis, customer_table, prepare_study_basis, purchase_value
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
method = step.read_json("method.json")
quality = json.loads(step.path("quality.json").read_text(encoding="utf-8"))
customers = step.read_table("customers")
transactions = step.read_table("transactions")
survey = step.read_table("survey")

features = outcomes = value = None
if transactions is not None:
    with feature_engine(cfg.engine) as engine:
        features = compute_features(transactions, cutoff=cfg.cutoff, **engine)
        outcomes = compute_outcomes(transactions, cutoff=cfg.cutoff, **engine)
    value = purchase_value(transactions.loc[~transactions["after_cutoff"]], cutoff=cfg.cutoff)
    step.write_parquet("outcomes.parquet", outcomes)
table = customer_table(features=features, customers=customers, survey=survey, value=value)
check_basis(table, list(cfg.basis))
segmented, n_incomplete = basis_complete_cases(table, list(cfg.basis))
prepared = prepare_study_basis(cfg, segmented)
step.write_parquet("customer_table.parquet", segmented)
step.write_parquet("basis.parquet", prepared.X.reset_index())
step.write_parquet("basis_transforms.parquet", prepared.transforms)

# %% [markdown]
# ## Data quality audit
#
# Wrong or incomplete data gives wrong segments. Every input row went through the rules below;
# problems that make the data unusable stop the study with a message naming the file, column and
# rows, and fixable problems are fixed by the documented rule and counted here.

# %% tags=["remove-input"]
issues = pd.DataFrame(quality["issues"])
if len(issues):
    order = {"customers": 0, "transactions": 1, "survey": 2}
    shown = issues.assign(_t=issues["table"].map(order)).sort_values(["_t", "n_rows"], ascending=[True, False],
                                                                      kind="stable")
    shown = shown[["table", "file", "rule", "column", "action", "n_rows", "share", "example_rows"]].rename(
        columns={"n_rows": "rows", "share": "share of file", "example_rows": "example rows"})
    show_table(shown, caption="Rows affected, per rule (row numbers as in a spreadsheet: header = row 1)",
               formats={"share of file": "pct"})
    # Rows after the cut-off are not a defect (they are step 7's outcome period): they get a sentence, not a bar.
    fixes = issues.loc[issues["rule"] != "after_cutoff"]
    later = int(issues.loc[issues["rule"] == "after_cutoff", "n_rows"].sum())
    if len(fixes):
        n_bars = len(fixes.groupby(["table", "rule"]))
        fig, ax = plt.subplots(figsize=(9, 1.2 + 0.38 * n_bars))
        QualityReport(table=fixes).plot(ax=ax)
        ax.set_title("What the data audit dropped, changed or flagged")
        plt.show()
    lost = issues.loc[issues["rule"].isin(["orphan_transactions", "orphan_survey"]) & (issues["share"] > 0.05)]
    for r in lost.itertuples():
        callout("{share} of the rows of {file} ({n}) belong to customer ids the customers table does not know and "
                "were dropped: check that the tables cover the same customers.", kind="warn",
                share=f"{r.share:.0%}", file=r.file, n=f"{r.n_rows:,}")
    if later:
        say("**{n}** transactions fall after the cut-off: they are kept apart as the outcome period that step 7 "
            "uses to validate the segments, and never enter the segmentation.", n=f"{later:,}")
else:
    callout("No rule found anything to fix: every row passed every check.", kind="good")

# %% [markdown]
# ### How the tables join
#
# Tables are linked on the customer id. Counts are of distinct ids; the customers table, when given,
# defines the population, so ids found only in another table are dropped there (and counted above).

# %% tags=["remove-input"]
joins = step.read_parquet("joins.parquet") if step.path("joins.parquet").exists() else pd.DataFrame()
if len(joins):
    show_table(joins.rename(columns={"n_left": "ids in left", "n_right": "ids in right", "n_matched": "in both",
                                     "n_only_left": "only in left", "n_only_right": "only in right"}),
               caption="Customer ids matched between tables")
else:
    say("Only one table was given, so there is nothing to join.")

# %% tags=["remove-input"]
show_table(QUALITY_RULES, caption="The rules, and why")

# %% [markdown]
# ## Customer features
#
# Behaviour is summarised per customer from the transactions up to the cut-off date; what happened
# after it is kept apart to validate the segments in step 7. Each feature is defined once:

# %% tags=["remove-input"]
if features is None:
    callout("This study has no transaction table, so no behavioural features or outcomes after a cut-off "
            "can be computed; the survey answers are the customer data. Steps 7 and 8 skip the parts that "
            "need transactions.", kind="warn")
else:
    show_table(FEATURE_DEFINITIONS, caption="Feature definitions")
    where = "embedded DuckDB" if cfg.engine.name == "duckdb" else f"Spark ({cfg.engine.master})"
    say("Features computed for **{n}** customers with at least one purchase up to the cut-off {cut}, in {where}. "
        "Outcomes are measured from the day after the cut-off to the end of the data.",
        n=f"{len(features):,}", cut=str(cfg.cutoff), where=where)
    show_table(OUTCOME_DEFINITIONS, caption="Outcomes after the cut-off (kept apart for step 7)")
    cols = [c for c in ["recency_days", "frequency", "monetary_total", "monetary_avg", "tenure_days",
                        "ipt_mean_days", "promo_share", "spend_stability", "margin_rate", "return_rate"]
            if c in features]
    desc = features[cols].describe(percentiles=[0.25, 0.5, 0.75]).T.reset_index().rename(columns={"index": "feature"})
    show_table(desc[["feature", "mean", "std", "min", "25%", "50%", "75%", "max"]], caption="Feature distribution")

# %% [markdown]
# ## Potential value
#
# Expected future orders and lifetime value come from a BG/NBD purchase model with Gamma-Gamma spend
# (Fader, Hardie & Lee 2005), fitted on the history up to the cut-off; the value is discounted over
# the next 12 months. It feeds the value schemes and the profiles.

# %% tags=["remove-input"]
if value is not None:
    show_table(value[["p_alive", "expected_orders", "expected_spend_per_order", "clv"]].describe().T
               .reset_index().rename(columns={"index": "measure"})[["measure", "mean", "25%", "50%", "75%", "max"]],
               caption="Potential value per customer (next 12 months)")
else:
    say("Not available without transactions.")

# %% [markdown]
# ## The segmentation basis
#
# The basis is what the segments are formed on. Skewed, non-negative variables are log-transformed so
# that a few heavy buyers do not dominate, then every variable is standardised (mean 0, standard
# deviation 1) so that each counts equally.

# %% tags=["remove-input"]
show_table(prepared.transforms, caption="Basis variables and their preparation")
if n_incomplete:
    callout("{n} customers lack a value in a basis variable and are left out of the segmentation.",
            kind="warn", n=f"{n_incomplete:,}")
say("**{n}** customers enter the segmentation on **{p}** basis variables.",
    n=f"{len(prepared.X):,}", p=len(cfg.basis))

# %% tags=["remove-input"]
basis = list(cfg.basis)
if prepared.kind == "binary":
    shares = segmented[basis].mean().sort_values()
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.38 * len(basis)))
    ax.barh(shares.index, shares.values, color="#4C72B0")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share answering yes")
    ax.set_title("Survey items in the basis")
    plt.show()
else:
    ncol = min(len(basis), 3)
    nrow = int(np.ceil(len(basis) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False)
    for ax, col in zip(axes.flat, basis):
        sns.histplot(segmented[col], bins=40, ax=ax, color="#4C72B0")
        ax.set_title(col)
        ax.set_xlabel("")
    for ax in list(axes.flat)[len(basis):]:
        ax.set_visible(False)
    fig.suptitle("Basis variables before preparation", fontweight="bold")
    fig.tight_layout()
    plt.show()

# %% tags=["remove-input"]
if len(basis) > 1 and prepared.kind != "mixed":
    corr = prepared.X[basis].corr()
    fig, ax = plt.subplots(figsize=(0.8 * len(basis) + 2.2, 0.6 * len(basis) + 1.2))
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    sns.heatmap(corr, annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1, ax=ax, cbar=False, mask=mask,
                annot_kws={"size": 9})
    ax.grid(False)
    ax.set_title("Correlation of the prepared basis variables")
    plt.show()
    strong = [(a, b, corr.loc[a, b]) for i, a in enumerate(basis) for b in basis[i + 1:] if abs(corr.loc[a, b]) > 0.8]
    if strong:
        callout("Strongly correlated basis variables ({pairs}) measure nearly the same thing and give it double "
                "weight; consider dropping one.", kind="warn",
                pairs="; ".join(f"{a} and {b}: {r:.2f}" for a, b, r in strong))
