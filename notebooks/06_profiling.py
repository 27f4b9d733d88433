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
import pandas as pd

from segkit import profiling as pr
from segkit.display import callout, say, show_table
from segkit.pipeline import numeric_columns, segment_measures
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
brief = step.read_json("brief.json")
table = step.read_parquet("customer_table.parquet")
assignments = step.read_parquet("assignments.parquet")
segments = pd.DataFrame(step.read_json("segments.json"))
X = step.read_parquet("basis.parquet").set_index("customer_id")
basis = list(cfg.basis)
descriptors = [d for d in cfg.descriptors if d in table.columns]
has_value = "monetary_total" in table.columns
profit_col = "margin_total" if "margin_total" in table.columns else ("monetary_total" if has_value else None)
names = dict(zip(segments["segment"], segments["name"]))

sizes = None
if has_value:
    sizes = pr.segment_sizes(assignments, table, value_col="monetary_total", profit_col=profit_col)
    sizes = sizes.merge(segment_measures(table, assignments), on="segment", how="left")
prof = pr.profile(table, assignments, numeric_columns(table, basis))
step.write_parquet("profiles.parquet", prof.table)
persona = pr.personas(table, assignments, descriptors) if descriptors else None
# Depth 4 still reads as a short rule, and lets the tree use every basis variable of a 5-8 segment solution.
behaviour_rule = pr.identification_rule(table, assignments, basis, max_depth=4, random_state=cfg.seed)
descriptor_rule = (pr.identification_rule(table, assignments, descriptors, max_depth=3, random_state=cfg.seed)
                   if descriptors else None)
step.write_json("identification.json", {
    "columns": basis, "cv_accuracy": behaviour_rule.cv_accuracy, "holdout_accuracy": behaviour_rule.holdout_accuracy,
    "baseline_accuracy": behaviour_rule.baseline_accuracy,
    "descriptor_cv_accuracy": descriptor_rule.cv_accuracy if descriptor_rule else None,
})
if sizes is not None:
    step.write_parquet("sizes.parquet", sizes)
    share = sizes.set_index("segment")
    segments["value_share"] = segments["segment"].map(share["value_share"])
if persona is not None:
    segments["persona"] = [persona.persona_text(s) if n else "" for s, n in zip(segments["segment"], segments["n_customers"])]
step.write_json("segments.json", segments.to_dict("records"))

# %% [markdown]
# ## Size and value of each segment
#
# Segments are judged on the value they bring, not on their size. The value index compares a segment's
# spend per customer with the whole base (100 = average).

# %% tags=["remove-input"]
if sizes is not None:
    show_table(sizes, caption="Segment size and value up to the cut-off",
               formats={c: "pct" for c in sizes.columns if "share" in c})
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.9 + 0.5 * len(sizes)), sharey=True)
    lab = [f"{s}. {names[s]}" for s in sizes["segment"]]
    axes[0].barh(lab[::-1], sizes["share"][::-1] * 100, color="#9AA5B1")
    axes[0].set_xlabel("% of customers"); axes[0].set_title("Share of customers")
    axes[1].barh(lab[::-1], sizes["value_share"][::-1] * 100, color="#2f5d8a")
    axes[1].set_xlabel("% of spend"); axes[1].set_title("Share of spend")
    fig.tight_layout(); plt.show()
else:
    show_table(segments[["segment", "name", "n_customers", "share"]], formats={"share": "pct"})
    say("No transactions: segment value cannot be measured in this study.")

# %% [markdown]
# ## What makes each segment different
#
# The segment profile plot (Dolnicar, Grün & Leisch 2018, ch. 8) shows, for each segment, every basis
# variable against the whole base (red mark). Coloured bars are distinctive differences (at least half a
# standard deviation from the base); grey bars are not.

# %% tags=["remove-input"]
_ = prof.plot()
plt.show()

# %% tags=["remove-input"]
dist = prof.table.loc[prof.table["distinctive"]]
show_table(dist[["segment", "variable", "segment_mean", "base_mean", "std_diff"]].round(3),
           caption="Distinctive differences from the base")

# %% [markdown]
# ## How well the segments separate
#
# A two-dimensional projection (principal components) of the prepared basis. Overlap in this picture
# is not necessarily overlap in all dimensions, but well separated clouds mean members are unlikely to
# be confused.

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(9, 6.5))
labels = assignments.set_index("customer_id")["segment"].reindex(X.index)
placed = labels.notna().to_numpy()
# A categorical basis column (k-prototypes) has no place in a PCA: project the numeric part.
pr.separation_plot(X.loc[placed, numeric_columns(X, list(X.columns))], labels[placed].astype(int).to_numpy(), ax=ax,
                   names=names, random_state=cfg.seed)
plt.show()

# %% [markdown]
# ## Where the profit comes from
#
# The whale curve ranks customers from most to least profitable and plots the cumulative share of
# profit. A curve that rises above 100% shows that the least profitable customers give back part of
# what the best ones earn.

# %% tags=["remove-input"]
if profit_col is not None:
    whale = pr.whale_curve(table, assignments, profit_col=profit_col)
    fig, ax = plt.subplots(figsize=(9, 5))
    whale.plot(ax=ax)
    plt.show()
    say("**{top}** of customers earn 80% of the {what}; profit peaks at **{peak}** of the total with the best "
        "**{peakc}** of customers.", top=f"{100 * whale.share_for_80:.0f}%", what=profit_col.replace("_", " "),
        peak=f"{100 * whale.peak_profit_share:.0f}%", peakc=f"{100 * whale.peak_customer_share:.0f}%")
    show_table(whale.by_segment(), caption="Profit by segment", formats={c: "pct" for c in whale.by_segment().columns if "share" in c})
else:
    say("No transactions: no profit to rank.")

# %% [markdown]
# ## Who the members are: personas
#
# Descriptors are variables that were not used to form the segments (age, household, where they shop).
# They make segments recognisable and reachable. Each persona is written from the data, with the whole
# base for comparison.

# %% tags=["remove-input"]
if persona is not None:
    for s in segments.loc[segments["n_customers"] > 0, "segment"]:
        say("- {text}", text=persona.persona_text(s))
else:
    say("The study names no descriptors, so there are no personas.")

# %% [markdown]
# ### Are the descriptor differences real?
#
# Each descriptor is tested for association with the segments (chi-square for categories, Kruskal-Wallis
# for numbers), with effect sizes, and p-values adjusted for the number of tests (Holm). A multinomial
# logit of segment on all descriptors together shows how much they explain jointly.

# %% tags=["remove-input"]
if descriptors:
    tests = pr.descriptor_tests(table, assignments, descriptors)
    show_table(tests, caption="Descriptor tests", formats={"p_value": "p", "p_adjusted": "p"})
    logit = pr.segment_logit(table, assignments, descriptors)
    say("Multinomial logit of segment on the descriptors: McFadden pseudo-R² = **{r2}** ({method}).",
        r2=f"{logit.pseudo_r2:.3f}", method=logit.method)

# %% [markdown]
# ## How to recognise a member: the identification rule
#
# Front-line staff and systems need a rule, not a model. A shallow decision tree is fitted to the
# segment labels; its accuracy is cross-validated (5 folds) and checked on a held-out quarter of the
# customers, against the baseline of always guessing the largest segment.

# %% tags=["remove-input"]
say("**From behaviour** (the basis variables): cross-validated accuracy **{cv}**, held-out **{ho}**, "
    "baseline {base}.", cv=f"{100 * behaviour_rule.cv_accuracy:.0f}%",
    ho=f"{100 * behaviour_rule.holdout_accuracy:.0f}%", base=f"{100 * behaviour_rule.baseline_accuracy:.0f}%")
show_table(pd.DataFrame({"rule": behaviour_rule.text().splitlines()}), caption="Rule for the CRM system")
if descriptor_rule is not None:
    say("**From descriptors only** (for prospects with no purchase history yet): cross-validated accuracy "
        "**{cv}**, baseline {base}.", cv=f"{100 * descriptor_rule.cv_accuracy:.0f}%",
        base=f"{100 * descriptor_rule.baseline_accuracy:.0f}%")
    show_table(pd.DataFrame({"rule": descriptor_rule.text().splitlines()}), caption="Rule for staff without purchase data")

# %% [markdown]
# ## What to do with each segment

# %% tags=["remove-input"]
cols = [c for c in ["segment", "name", "n_customers", "share", "value_share", "action"] if c in segments]
show_table(segments[cols], caption="Segment actions", formats={"share": "pct", "value_share": "pct"})

# %% [markdown]
# ## Whom to call first: likelihood to buy
#
# Each customer gets a score between 0 and 1: the estimated probability of buying again, from a logistic
# regression of past behaviour on buying in the following period (fitted on behaviour up to the cut-off).
# Start with the best list.

# %% tags=["remove-input"]
if step.has("outcomes.parquet"):
    outcomes = step.read_parquet("outcomes.parquet")
    ltb = pr.likelihood_to_buy(table, outcomes, assignments, columns=numeric_columns(table, basis),
                               random_state=cfg.seed)
    step.write_parquet("likelihood_to_buy.parquet", ltb.table)
    say("Cross-validated AUC of the score: **{auc}**.", auc=f"{ltb.cv_auc:.2f}")
    show_table(ltb.best_list(15), caption="The best list: first 15 customers to contact")
else:
    say("No transactions after a cut-off: a purchase-likelihood score cannot be trained in this study.")

# %% [markdown]
# ## Target segments
#
# Segments are scored on the attractiveness criteria weighted in step 1 (horizontal axis) and on their
# fit with the goal (vertical). Bubble size is segment size. Target the segments top-right that pass
# every knock-out criterion.

# %% tags=["remove-input"]
if sizes is not None:
    tm = pr.target_matrix(sizes, brief, on_unmeasurable="skip")
    fig, ax = plt.subplots(figsize=(9, 6.5))
    tm.plot(ax=ax)
    plt.show()
    show_table(tm.summary(), caption="Target-segment matrix (scores 0-10; priority 1 = target first)")
    crit = tm.criteria.pivot_table(index="criterion", columns="segment", values="raw_value").reset_index()
    show_table(crit, caption="What each criterion measured, per segment")
    if tm.skipped:
        callout("Criteria the data cannot measure, left for the team to judge: {c}.", kind="warn",
                c=", ".join(tm.skipped))
