# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Stability
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file


# %% tags=["remove-cell"]
import matplotlib.pyplot as plt

from segkit.display import callout, say, show_table
from segkit.study import stability
from segkit.study.context import open_step

result = stability.run(open_step("stability", run_dir, study_path))

# %% [markdown]
# ## Is there a stable segmentation, and how many segments?
#
# Segments are only worth acting on if they come back when the analysis is repeated on a slightly
# different sample of customers. Following Dolnicar, Grün & Leisch (2018, ch. 7), the customer base is
# resampled with replacement many times; each pair of samples is segmented independently, and the two
# solutions are compared on the whole base with the adjusted Rand index (1 = the same segments,
# 0 = agreement no better than chance). A number of segments whose index is high and tight across pairs
# reflects structure in the data rather than the chance of one run.

# %% tags=["remove-input"]
if result.data_driven:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    result.global_stability.plot(ax=ax)
    plt.show()
    show_table(result.global_stability.summary(),
               caption="Adjusted Rand index between bootstrap pairs, per number of segments")
    callout("{reason}", kind="good" if result.is_stable else "bad", reason=result.reason)
else:
    say("Not applicable: the {m} scheme does not search for a number of segments.", m=result.method)

# %% [markdown]
# ## Which segments are stable?
#
# A solution can be stable overall while one of its segments is not. For each segment of the chosen
# solution, the Jaccard index measures how well it is recovered in every bootstrap sample (the
# share of its members that reappear together in the best-matching segment; Hennig 2007). Reading:
# below 0.5 the segment dissolves, 0.6-0.75 it shows a pattern but its members are uncertain, above
# 0.75 it is valid, above 0.85 highly stable.

# %% tags=["remove-input"]
if result.data_driven:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    result.segment_stability.plot(ax=ax)
    plt.show()
    show_table(result.segment_stability_table, caption="Segment-level stability (Jaccard index over bootstrap samples)")
else:
    if result.loyalty_note:
        callout("<b>Loyalty.</b> {note}", kind="info" if result.loyalty_usable else "warn", note=result.loyalty_note)
    fig, ax = plt.subplots(figsize=(9, 4))
    result.rule_stability.plot(ax=ax)
    plt.show()
    show_table(result.rule_stability.summary(),
               caption="Customers changing class when thresholds are re-estimated on bootstrap samples",
               formats={"mean_changed": "pct"})

# %% [markdown]
# ## How segments split and merge as k grows
#
# The segment-level stability across solutions (SLSA) plot follows each segment from k to k+1 segments:
# a segment that keeps its members as k grows is a natural group; one that is split up and recombined is
# an artefact of the number of segments.

# %% tags=["remove-input"]
if result.data_driven:
    fig, ax = plt.subplots(figsize=(10, 5.5))
    result.slsa.plot(ax=ax)
    plt.show()
else:
    say("Not applicable to a rule-based scheme.")

# %% [markdown]
# ## The segments

# %% tags=["remove-input"]
numbers = result.segments_sentence
if numbers["n_unclassified"]:
    say("**{k} segments** from **{method}** for {n} customers, each in exactly one segment.", k=numbers["k"],
        method=numbers["method"], n=f"{numbers['n']:,}")
    callout("{u} customers lack an input the scheme needs and are not classified.", kind="warn",
            u=f"{numbers['n_unclassified']:,}")
else:
    say("**{k} segments** from **{method}**, covering all {n} customers; every customer is in exactly one segment.",
        k=numbers["k"], method=numbers["method"], n=f"{numbers['n']:,}")
show_table(result.segmentation.summary(), caption="Segments", formats={"share": "pct", "n_customers": "int"})
if result.segmentation.centers is not None:
    show_table(result.segmentation.centers.reset_index(),
               caption="Segment centres on the prepared basis (standardised units)")
