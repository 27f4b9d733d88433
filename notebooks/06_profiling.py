# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Profiling
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file


# %% tags=["remove-cell"]
import matplotlib.pyplot as plt

from segkit.display import callout, say, show_table
from segkit.exports import CUSTOMER_CSV
from segkit.i18n import translate
from segkit.methods.naming import ITEM_THRESHOLD
from segkit.study import profiling
from segkit.study.context import open_step

result = profiling.run(open_step("profiling", run_dir, study_path))

# %% [markdown]
# ## Size and value of each segment
#
# Segments are judged on the value they bring, not on their size. The value index compares a segment's
# spend per customer with the whole base (100 = average).

# %% tags=["remove-input"]
if result.sizes is not None:
    sizes = result.sizes
    # "value" is the segment's total of the value measure (spend or lifetime value): money
    show_table(sizes, caption="Segment size and value up to the cut-off",
               formats={**{c: "pct" for c in sizes.columns if "share" in c}, "value": "money"})
    result.plot_sizes()
    plt.show()
else:
    show_table(result.size_table, formats={"share": "pct"})
    say("{note}", note=result.sizes_note)

# %% [markdown]
# ## What makes each segment different
#
# The segment profile plot (Dolnicar, Grün & Leisch 2018, ch. 8) shows, for each segment, every basis
# variable against the whole base (red mark). Coloured bars are distinctive differences; grey bars are not.

# %% tags=["remove-input"]
if result.basis_kind == "binary":
    say("For yes/no items a difference is distinctive when the segment's share of yes differs from the base's by "
        "{pts} points or more: the rule the segment names use.", pts=f"{100 * ITEM_THRESHOLD:.0f}")
else:
    say("A difference is distinctive at half a standard deviation or more from the base. The means are in each "
        "variable's own units; the standardised difference is measured on the basis as the segments were formed "
        "on it (skewed variables log-transformed, see step 4), so it is the number the segment names quote.")
if result.profile is not None:
    _ = result.profile.plot()
    plt.show()
    show_table(result.distinctive, caption="Distinctive differences from the base (means in the variable's units; "
               "std_diff on the prepared basis)")
else:
    say("{note}", note=result.profile_note)

# %% [markdown]
# ## How well the segments separate
#
# A two-dimensional projection (principal components) of the prepared basis. Overlap in this picture
# is not necessarily overlap in all dimensions, but well separated clouds mean members are unlikely to
# be confused.

# %% tags=["remove-input"]
if result.separation is not None:
    fig, ax = plt.subplots(figsize=(9, 6.5))
    result.separation.plot(ax=ax)
    plt.show()
else:
    say("{note}", note=result.separation_note)

# %% tags=["remove-input"]
# The heading and its text name what the curve ranks: profit, or spend when the data carry no margin.
what = result.profit_label or "profit"
say("## Where the {what} comes from", what=translate(what))
if what == "profit":
    say("The whale curve ranks customers from most to least profitable and plots the cumulative share of "
        "profit. A curve that rises above 100% shows that the least profitable customers give back part of "
        "what the best ones earn.")
else:
    say("The whale curve ranks customers from the highest to the lowest {what} and plots the cumulative share "
        "of {what}. A curve that rises above 100% shows that the customers at the bottom give back part of "
        "what the best ones bring.", what=translate(what))

# %% tags=["remove-input"]
if result.whale is not None:
    if result.profit_label != "profit":
        callout("{note}", kind="warn", note=result.profit_note)
    whale = result.whale
    fig, ax = plt.subplots(figsize=(9, 5))
    whale.plot(ax=ax)
    plt.show()
    if whale.total_profit > 0 and whale.peak_profit_share > 1:
        # One decimal on the peak: a few customers below zero move it by less than a percent.
        say("**{top}** of customers yield 80% of the {what}; {what} peaks at **{peak}** of the total with the best "
            "**{peakc}** of customers.", top=f"{100 * whale.share_for_80:.0f}%", what=translate(what),
            peak=f"{100 * whale.peak_profit_share:.1f}%", peakc=f"{100 * whale.peak_customer_share:.1f}%")
    elif whale.total_profit > 0:
        say("**{top}** of customers yield 80% of the {what}; no customer's {what} is below zero, so the curve "
            "never rises above 100%.", top=f"{100 * whale.share_for_80:.0f}%", what=translate(what))
    else:
        say("The total {what} is not positive, so no share of customers yields 80% of it.", what=translate(what))
    by_segment = result.whale_by_segment
    show_table(by_segment, caption=f"{what.capitalize()} by segment",
               formats={c: "pct" for c in by_segment.columns if "share" in c})
else:
    say("{note}", note=result.whale_note)

# %% [markdown]
# ## Who the members are: personas
#
# Descriptors are variables that were not used to form the segments (age, household, where they shop).
# They make segments recognisable and reachable. Each persona is written from the data, with the whole
# base for comparison.

# %% tags=["remove-input"]
if result.descriptor_levels_note:
    callout("Descriptors with many values are cut to their most frequent ones: {note}", kind="info",
            note=result.descriptor_levels_note)
if result.personas is not None:
    for text in result.persona_texts.values():
        say("- {text}", text=text)
else:
    say("{note}", note=result.personas_note)

# %% [markdown]
# ### Are the descriptor differences real?
#
# Each descriptor is tested for association with the segments (chi-square for categories, Kruskal-Wallis
# for numbers), with effect sizes, and p-values adjusted for the number of tests (Holm). A multinomial
# logit of segment on all descriptors together shows how much they explain jointly.

# %% tags=["remove-input"]
if result.descriptor_tests is not None:
    show_table(result.descriptor_tests, caption="Descriptor tests", formats={"p_value": "p", "p_adjusted": "p"})
if result.logit is not None:
    say("Multinomial logit of segment on the descriptors: McFadden pseudo-R² = **{r2}** ({method}).",
        r2=f"{result.logit.pseudo_r2:.3f}", method=result.logit.method)
else:
    say("{note}", note=result.logit_note)

# %% [markdown]
# ## How to recognise a member: the identification rule
#
# Front-line staff and systems need a rule, not a model. A shallow decision tree is fitted to the
# segment labels; its accuracy is cross-validated (5 folds), against the baseline of always guessing the
# largest segment. Whether a *new* customer can be placed is judged from what the firm knows of them early:
# their first months of purchases, or who they are (descriptors). The rule on the basis variables at the
# cut-off is for existing customers only: the segments were formed from those variables, so its accuracy
# is high by construction and says nothing about new customers.

# %% tags=["remove-input"]
early = result.early_rule
if early is not None:
    say("**A new customer, from their first {days} days of purchases**: cross-validated accuracy **{cv}**, "
        "baseline {base} (the {n} customers whose first {days} days lie before the cut-off).",
        days=result.early_window_days, cv=f"{100 * early.cv_accuracy:.0f}%",
        base=f"{100 * early.baseline_accuracy:.0f}%", n=f"{early.n_customers:,}")
    show_table(result.early_rule_lines, caption=f"Rule for a new customer after {result.early_window_days} days")
else:
    say("{note}", note=result.early_rule_note)
if result.descriptor_rule is not None:
    say("**From descriptors only** (for prospects with no {history} yet): cross-validated accuracy "
        "**{cv}**, baseline {base} ({n} customers).", cv=f"{100 * result.descriptor_rule.cv_accuracy:.0f}%",
        history="survey answers" if result.basis_kind == "binary" else "purchase history",
        base=f"{100 * result.descriptor_rule.baseline_accuracy:.0f}%",
        n=f"{result.descriptor_rule.n_customers:,}")
    show_table(result.descriptor_rule_lines, caption="Rule for staff without purchase data")
else:
    say("{note}", note=result.descriptor_rule_note)
rule = result.behaviour_rule
say("**An existing customer, from {source}** (the basis variables at the cut-off, for the CRM system): "
    "cross-validated accuracy **{cv}**, held-out **{ho}**, baseline {base}. High by construction: not evidence "
    "that a new customer can be placed.", source=result.basis_label, cv=f"{100 * rule.cv_accuracy:.0f}%",
    ho=f"{100 * rule.holdout_accuracy:.0f}%", base=f"{100 * rule.baseline_accuracy:.0f}%")
show_table(result.behaviour_rule_lines, caption="Rule for the CRM system")

# %% [markdown]
# ## What to do with each segment

# %% tags=["remove-input"]
show_table(result.segment_actions, caption="Segment actions", formats={"share": "pct", "value_share": "pct"})

# %% [markdown]
# ## Whom to call first: likelihood to buy
#
# Each customer gets a score between 0 and 1: the estimated probability of buying again, from a logistic
# regression of past behaviour on buying in the following period (fitted on behaviour up to the cut-off).
# Start with the best list.

# %% tags=["remove-input"]
if result.likelihood is not None:
    say("Cross-validated AUC of the score: **{auc}**.", auc=f"{result.likelihood.cv_auc:.2f}")
    show_table(result.best_list_shown, caption=f"The best list: first {len(result.best_list)} customers to contact. "
               f"Their ids are in {CUSTOMER_CSV} (sort by 'likelihood to buy'); a report sent to a client shows none")
else:
    say("{note}", note=result.likelihood_note)

# %% [markdown]
# ## Target segments
#
# Segments are scored on the attractiveness criteria weighted in step 1 (horizontal axis) and on their
# fit with the goal (vertical). Bubble size is segment size. The segments top-right that hold at least
# the minimum segment share (the size knock-out) are the target segments step 7 measures. The other
# knock-out criteria (identifiable, reachable, differentiable, actionable) apply to the segmentation as a
# whole and are judged in the verdict (index page and step 7): until they pass, a target is provisional.

# %% tags=["remove-input"]
if result.targets is not None:
    fig, ax = plt.subplots(figsize=(9, 6.5))
    result.targets.plot(ax=ax)
    plt.show()
    show_table(result.targets.summary(), caption="Target-segment matrix (scores 0-10; priority 1 = target first)",
               formats={"share": "pct"})
    show_table(result.target_criteria, caption="What each criterion measured, per segment")
    chosen = result.target_segments
    if chosen:
        say("**Target segments** (top right, each at least {share} of customers; step 7 measures them, provisional "
            "until the verdict's other knock-out criteria pass): {segs}.",
            share=f"{100 * result.min_segment_share:.0f}%",
            segs=", ".join(f"{s}. {result.names[s]}" for s in chosen))
    else:
        say("No segment is both top right and at least {share} of customers, so step 7 has no target segments "
            "to measure.", share=f"{100 * result.min_segment_share:.0f}%")
    if result.targets.skipped:
        callout("Criteria the data cannot measure, left for the team to judge: {c}.", kind="warn",
                c=", ".join(result.targets.skipped))
    if result.targets_by_spend:
        callout("The transactions carry no margin: {c} measured by spend per customer instead.", kind="warn",
                c=", ".join(result.targets_by_spend))
else:
    say("{note}", note=result.targets_note)
