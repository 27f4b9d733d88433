# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Validation
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file


# %% tags=["remove-cell"]
import matplotlib.pyplot as plt

from segkit.display import callout, say, show_table
from segkit.study import validation
from segkit.study.context import open_step

result = validation.run(open_step("validation", run_dir, study_path))

# %% [markdown]
# ## Did the segments behave differently afterwards?
#
# A segmentation that was never validated is not credible. The segments were formed on behaviour up
# to the cut-off date; here is what their members did *after* it, in data the segmentation never saw.
# Means carry 95% confidence intervals; differences between segments are tested (Kruskal-Wallis for
# revenue and orders, which are skewed; chi-square for the share still buying), with effect sizes.

# %% tags=["remove-input"]
if result.outcomes is None:
    callout("{note}", kind="warn", note=result.outcomes_note)
else:
    names = result.outcome_names
    nrow = (len(names) + 1) // 2
    fig, axes = plt.subplots(nrow, 2, figsize=(12, 4.6 * nrow), squeeze=False)
    for ax, name in zip(axes.flat, names):
        result.outcomes.plot(outcome=name, ax=ax)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    plt.show()
    show_table(result.outcomes.table, caption="Differences between segments after the cut-off",
               formats={"p_value": "p"})
    show_table(result.outcomes.means, caption="Per segment, with 95% confidence intervals")

# %% [markdown]
# ## Do the segments beat ranking by past spend?
#
# Lift against random targeting flatters any segmentation that groups the big spenders: an analyst without
# segments would simply call the customers who spent most (or bought most often) before the cut-off. Each
# segment, and step 6's target segments together, is therefore compared with three baselines of the same size:
# a random pick (the whole base), the customers with the highest past spend, and those with the most past
# orders. A lift above 1 means the group brought more later revenue per customer than the baseline; the bars
# are 95% bootstrap intervals.

# %% tags=["remove-input"]
if result.baselines is not None:
    fig, ax = plt.subplots(figsize=(10, 0.6 * result.baselines.table["group"].nunique() + 2))
    result.baselines.plot(ax=ax)
    plt.show()
    callout("{headline}", kind={"beat": "good", "no better": "warn", "worse": "bad"}.get(result.baselines.beats,
                                                                                           "info"),
            headline=result.baselines.headline)
    show_table(result.baselines.table.drop(columns=["segment"]), caption="Lift of each group over each baseline "
               "(mean: later revenue per customer; shares: of the customers and of the later revenue)",
               formats={"share": "pct", "outcome_share": "pct", "baseline_share": "pct"})
else:
    say("{note}", note=result.baselines_note)

# %% [markdown]
# ## Does potential value rank future buyers?
#
# The customers are ranked by the potential value estimated at the cut-off, then split into tenths. The
# gains chart shows what share of the later revenue the top tenths brought, next to the same ranking by past
# spend and by past frequency; lift compares each tenth with a random pick.

# %% tags=["remove-input"]
if result.gains is not None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    result.gains.plot(ax=axes[0], kind="gains")
    result.gains.plot(ax=axes[1], kind="lift")
    fig.tight_layout()
    plt.show()
    top = result.gains.table.iloc[0]
    say("The top tenth by potential value brought **{mine}** of the later revenue.",
        mine=f"{100 * top['cum_gain']:.1f}%")
    for b in result.gains.baselines:
        say("The top tenth ranked by {b} brought **{share}**.", b=b, share=f"{100 * top[f'cum_gain {b}']:.1f}%")
    if "past spend" in result.gains.baselines:
        callout("{answer}", kind="info", answer=result.gains.answer("past spend"))
    show_table(result.gains.summary(), caption="Gains and lift by tenth of the value ranking",
               formats={c: "pct" for c in result.gains.summary().columns
                        if c.startswith("cum_gain") or c == "cum_customer_share"})
else:
    say("{note}", note=result.gains_note)

# %% [markdown]
# ## Do the segments replicate?
#
# The customers are split at random into two halves. Each half is segmented on its own; the segments of
# half A are then used to classify half B, and the two labelings of B are compared (adjusted Rand index).
# Similar centres in both halves mean the segments are a property of the market, not of one sample.

# %% tags=["remove-input"]
if result.replication is not None:
    say("Split-half adjusted Rand index: **{ari}**; the largest difference between matched segment centres is "
        "**{d}** standard deviations.", ari=f"{result.replication.ari:.2f}",
        d=f"{result.replication.max_abs_centroid_diff:.2f}")
    show_table(result.centre_shift, caption="Difference between the two halves' centres of each segment "
               "(standard deviations; segments numbered as in step 5, matched by their members)")
else:
    say("{note}", note=result.replication_note)

# %% [markdown]
# ## Verdict against the brief
#
# One row per knock-out and success criterion of step 1: the measure, its threshold, the value measured,
# pass or fail, and the section of the report that holds the evidence. A criterion segkit cannot measure is
# left to the team and counted neither way.

# %% tags=["remove-input"]
show_table(result.verdict_table, caption="Verdict", links={"evidence": "evidence_href"})
# Passing without later behaviour is not yet validation: amber, not green.
callout("{summary}", kind="bad" if not result.passed else "good" if result.has_later_behaviour else "warn",
        summary=result.summary)
