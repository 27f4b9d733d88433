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
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from segkit.display import callout, say, show_table
from segkit.io import QualityReport
from segkit.study import data
from segkit.study.context import open_step
from segkit.study.data import basis_grid

result = data.run(open_step("data", run_dir, study_path))

# %% [markdown]
# ## Data quality audit
#
# Wrong or incomplete data gives wrong segments. Every input row went through the rules below;
# problems that make the data unusable stop the study with a message naming the file, column and
# rows, and fixable problems are fixed by the documented rule and counted here.

# %% tags=["remove-input"]
if len(result.issues):
    show_table(result.issues_table, caption="Rows affected, per rule (row numbers as in a spreadsheet: header = row 1)",
               formats={"share of file": "pct"})
    if len(result.fixes):
        n_bars = len(result.fixes.groupby(["table", "rule"]))
        fig, ax = plt.subplots(figsize=(9, 1.2 + 0.38 * n_bars))
        QualityReport(table=result.fixes).plot(ax=ax)
        ax.set_title("What the data audit dropped, changed or flagged")
        plt.show()
    for r in result.orphan_warnings.itertuples():
        callout("{share} of the rows of {file} ({n}) belong to customer ids the customers table does not know and "
                "were dropped: check that the tables cover the same customers.", kind="warn",
                share=f"{r.share:.0%}", file=r.file, n=f"{r.n_rows:,}")
    if result.n_after_cutoff:
        say("**{n}** transactions fall after the cut-off: they are kept apart as the outcome period that step 7 "
            "uses to validate the segments, and never enter the segmentation.", n=f"{result.n_after_cutoff:,}")
else:
    callout("No rule found anything to fix: every row passed every check.", kind="good")

# %% [markdown]
# ### How the tables join
#
# Tables are linked on the customer id. Counts are of distinct ids; the customers table, when given,
# defines the population, so ids found only in another table are dropped there (and counted above).

# %% tags=["remove-input"]
if len(result.joins):
    show_table(result.joins.rename(columns={"n_left": "ids in left", "n_right": "ids in right", "n_matched": "in both",
                                     "n_only_left": "only in left", "n_only_right": "only in right"}),
               caption="Customer ids matched between tables")
else:
    say("Only one table was given, so there is nothing to join.")

# %% tags=["remove-input"]
show_table(result.rules, caption="The rules, and why")

# %% [markdown]
# ## Customer features
#
# Behaviour is summarised per customer from the transactions up to the cut-off date; what happened
# after it is kept apart to validate the segments in step 7. Each feature is defined once:

# %% tags=["remove-input"]
if result.features is None:
    callout("This study has no transaction table, so no behavioural features or outcomes after a cut-off "
            "can be computed; the survey answers are the customer data. Steps 7 and 8 skip the parts that "
            "need transactions.", kind="warn")
else:
    show_table(result.feature_definitions, caption="Feature definitions")
    say("Features computed for **{n}** customers with at least one purchase up to and including the cut-off "
        "day {cut}, in {where}. Outcomes are measured from the day after the cut-off to the end of the data.",
        n=f"{len(result.features):,}", cut=str(result.cutoff), where=result.engine)
    show_table(result.outcome_definitions, caption="Outcomes after the cut-off (kept apart for step 7)")
    show_table(result.feature_summary, caption="Feature distribution")

# %% [markdown]
# ## Potential value
#
# Expected future orders and lifetime value come from a BG/NBD purchase model with Gamma-Gamma spend
# (Fader, Hardie & Lee 2005), fitted on the history up to the cut-off; the value is discounted over
# the next 12 months. It feeds the value schemes and the profiles.

# %% tags=["remove-input"]
if result.value is not None:
    show_table(result.value_summary, caption="Potential value per customer (next 12 months)")
    check = result.loyalty
    callout("<b>Loyalty</b> (value × potential × loyalty scheme): {note}", kind="info" if check.usable else "warn",
            note=check.note)
else:
    say("Not available without transactions.")

# %% [markdown]
# ## The segmentation basis
#
# The basis is what the segments are formed on. Skewed, non-negative variables are log-transformed so
# that a few heavy buyers do not dominate, then every variable is standardised (mean 0, standard
# deviation 1) so that each counts equally.

# %% tags=["remove-input"]
show_table(result.prepared.transforms, caption="Basis variables and their preparation")
if result.n_incomplete:
    callout("{n} customers lack a value in a basis variable and are left out of the segmentation.",
            kind="warn", n=f"{result.n_incomplete:,}")
say("**{n}** customers enter the segmentation on **{p}** basis variables.",
    n=f"{len(result.prepared.X):,}", p=len(result.basis))

# %% tags=["remove-input"]
basis = result.basis
if result.prepared.kind == "binary":
    shares = result.yes_shares
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.38 * len(basis)))
    ax.barh(shares.index, shares.values, color="#4C72B0")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share answering yes")
    ax.set_title("Survey items in the basis")
    plt.show()
else:
    nrow, ncol = basis_grid(len(basis))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False)
    for ax, col in zip(axes.flat, basis):
        sns.histplot(result.segmented[col], bins=40, ax=ax, color="#4C72B0")
        ax.set_title(col)
        ax.set_xlabel("")
    for ax in list(axes.flat)[len(basis):]:
        ax.set_visible(False)
    fig.suptitle("Basis variables before preparation", fontweight="bold")
    fig.tight_layout()
    plt.show()

# %% tags=["remove-input"]
if result.correlation is not None:
    corr = result.correlation
    fig, ax = plt.subplots(figsize=(0.8 * len(basis) + 2.2, 0.6 * len(basis) + 1.2))
    mask = np.triu(np.ones_like(corr, dtype=bool), k=1)
    sns.heatmap(corr, annot=True, fmt=".2f", cmap="RdBu_r", vmin=-1, vmax=1, ax=ax, cbar=False, mask=mask,
                annot_kws={"size": 9})
    ax.grid(False)
    ax.set_title("Correlation of the prepared basis variables")
    plt.show()
    if result.strong_pairs:
        callout("Strongly correlated basis variables ({pairs}) measure nearly the same thing and give it double "
                "weight; consider dropping one.", kind="warn",
                pairs="; ".join(f"{a} and {b}: {r:.2f}" for a, b, r in result.strong_pairs))
