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

from segkit.display import callout, fmt, say, show_table
from segkit.figures import fmt_share
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
    for r in result.readings.itertuples():
        say("In {file}, {col}: {what} ({n} rows).", file=r.file, col=r.column, n=f"{r.n_rows:,}",
            what={"amount_derived": "the amount is derived as quantity x unit price",
                  "yes_no_recoded": "yes/no answers recoded to 1/0",
                  "ordinal_coded": "ordinal levels coded 1, 2, ... in their order",
                  "ids_from_rows": "respondents numbered by row (no id column)"}.get(r.rule, r.rule))
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
# ### From the raw file to the analysed customers
#
# The waterfall follows every transaction line from the file as it came to the customers the
# segmentation analyses: at each rule, how many lines it took out or changed, how many customers
# were left with no line, and how much money it excluded. Netting a cancellation moves money from
# the purchase to the credit note, so it excludes only what could not be netted.

# %% tags=["remove-input"]
if result.waterfall is not None:
    w, num = result.waterfall, result.waterfall_numbers
    show_table(result.waterfall_display, caption="The audit's waterfall: what each rule excluded, and what was left",
               formats={c: "cents" if "money" in c or "margin" in c else "int"
                        for c in result.waterfall_display.columns if c != "rule"})
    say("The raw file totals **{raw}** ({source}, every line as exported); the analysed customers' lines up to "
        "the cut-off total **{analysed}**; the rules took **{excluded}** out between them: {raw} = {analysed} + "
        "{excluded}, to the cent. Of it, {after} is the outcome period after the cut-off, kept apart to validate "
        "the segments.", raw=fmt(num["raw"], "cents"), analysed=fmt(num["analysed"], "cents"),
        excluded=fmt(num["excluded"], "cents"), source=result.amount_source, after=fmt(num["after"], "cents"))
    if num["no_id_rows"]:
        callout("{rows} lines ({share} of the file, {money} of its money) have no customer id: they cannot be "
                "attributed to a customer and are left out.", kind="warn", rows=f"{num['no_id_rows']:,}",
                share=fmt_share(num["no_id_row_share"]),
                money="–" if num["no_id_money_share"] is None else fmt_share(num["no_id_money_share"]))
    fig, ax = plt.subplots(figsize=(9.5, 0.45 * len(w) + 1.4))
    result.plot_waterfall(ax=ax)
    plt.show()
    if result.outlier_threshold is not None:
        say("Outliers: a line above **{t}** (10 times the 99.9th percentile of purchase lines) is capped at that "
            "amount and flagged.", t=fmt(result.outlier_threshold, "cents"))
    if len(result.non_product):
        show_table(result.non_product.rename(columns={"matched_on": "matched on", "amount": "money"}),
                   caption="Lines that are not products, excluded by the rule on the product code or description "
                           "(lines without a customer id or duplicated were excluded before)",
                   formats={"money": "cents"})
elif "survey" in result.rows_read:
    say("This study has no transactions, so there is no money to follow. Of the {read} rows read from the survey, "
        "{n} respondents enter the segmentation ({dropped} rows were dropped by the rules above, {incomplete} "
        "respondents left out for a missing basis answer).", read=f"{result.rows_read['survey']:,}",
        n=f"{len(result.segmented):,}", incomplete=f"{result.n_incomplete:,}",
        dropped=f"{result.survey_dropped:,}")
if len(result.transaction_descriptors):
    show_table(result.transaction_descriptors.rename(columns={
        "column": "descriptor", "several_values": "customers with several values",
        "ties": "ties (most recent value kept)", "missing": "customers without a value"}),
        caption="Descriptors read from the transactions: each customer's most frequent value up to the cut-off")

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
# the horizon the study file sets (`value` section). It feeds the value schemes and the profiles.

# %% tags=["remove-input"]
vm = result.value_model
if result.value is not None:
    say("Lifetime value over the next **{h} months**, discounted at **{r}** a year; the models are calibrated on "
        "{hist} months of history (first purchase to the cut-off) of {n} customers, {rep} of whom bought again.",
        h=vm.settings["horizon_months"], r=f"{vm.settings['annual_discount_rate']:.0%}",
        hist=f"{vm.settings['history_months']:.1f}", n=f"{vm.settings['n_customers']:,}",
        rep=f"{vm.settings['n_repeat']:,}")
    show_table(result.value_summary,
               caption=f"Potential value per customer (next {vm.settings['horizon_months']} months)")
    check = result.loyalty
    callout("<b>Loyalty</b> (value × potential × loyalty scheme): {note}", kind="info" if check.usable else "warn",
            note=check.note)
elif result.value_note:
    callout("{note} The study goes on without potential value: the value schemes are not offered (step 3) and "
            "step 7 has no value ranking.", kind="warn", note=result.value_note)
else:
    say("Not available without transactions.")

# %% [markdown]
# ### Can the value models be trusted?
#
# A maximum-likelihood fit can fail quietly: the optimiser may stop short, a parameter may run off
# towards 0 or infinity because the data do not pin it down, or the purchase model may see almost no
# dropout and call nearly every customer alive. Each check below is computed on this fit; the
# parameters carry standard errors from the curvature of the likelihood.

# %% tags=["remove-input"]
if vm is not None:
    flagged = vm.flagged
    if len(flagged):
        for r in flagged.itertuples():
            callout("<b>{model}, {check}</b>: {detail}.", kind="warn", model=r.model, check=r.check, detail=r.detail)
    else:
        callout("Every check passed: both fits converged, no parameter sits at a bound, every standard error is below "
                "its estimate, and the purchase model does not put most repeat customers at P(alive) near 1.",
                kind="good")
    show_table(vm.parameters, caption="Value model parameters with standard errors")
    show_table(vm.diagnostics, caption="Checks of the value model fits")
elif result.value_note:
    say("No value model was fitted (see above), so there is nothing to check.")
else:
    say("Not available without transactions.")

# %% [markdown]
# ## The segmentation basis
#
# The basis is what the segments are formed on. The table below shows how each variable is prepared.

# %% tags=["remove-input"]
if result.prepared.kind == "binary":
    say("Yes/no answers enter as they are (1 = yes, 0 = no): every item already has the same scale, so none is "
        "transformed or standardised.")
else:
    say("Skewed, non-negative variables are log-transformed so that a few heavy buyers do not dominate, then every "
        "numeric variable is standardised (mean 0, standard deviation 1) so that each counts equally.")
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
