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
from segkit.methods.information import IC_RULE
from segkit.palette import segment_palette
from segkit.stability import SLSW_READING, failed_sentence
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
               caption="Adjusted Rand index between bootstrap pairs, per number of segments" + result.on_sample)
    callout("{reason}", kind="good" if result.is_stable else "bad", reason=result.reason)
    if result.sample is not None:
        callout("{sentence}", kind="info", sentence=result.sample.sentence())
else:
    say("Not applicable: the {m} scheme does not search for a number of segments.", m=result.method)

# %% tags=["remove-input"]
if result.start is not None:
    callout("The segments start from given centres ({src}, {k} segments) and are re-estimated on this data; "
            "segment numbers follow the given order.", kind="info", src=result.start.source, k=result.k)

# %% tags=["remove-input"]
ic = result.information_criteria
if ic is not None:
    say("### Latent class models: what the likelihood says about k")
    say("A latent class model has a likelihood, so the number of segments can also be judged by how well "
        "each model fits for its number of parameters (Dolnicar, Grün & Leisch 2018, sec. 7.3; flexmix's "
        "stepFlexmix). Lower is better for AIC, BIC and ICL; entropy near 1 means every respondent belongs "
        "clearly to one segment. Each k is the best of {n} random starts.", n=ic.params["n_init"])
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ic.plot(ax=ax)
    plt.show()
    show_table(ic.summary(), caption="Latent class models per number of segments")
    say(IC_RULE)
    callout("{reason}", kind="info", reason=ic.reason)
    if ic.chosen_k != result.k:
        say("The solution of this study has **{k}** segments, chosen {how}; the information criteria, which judge "
            "how well a model describes the answers rather than whether it comes back in new samples, would pick "
            "{pick}. Both views are shown so the team can weigh them; segments at {icl} are "
            "one `k_range: [{icl}, {icl}]` away.", k=result.k, icl=ic.chosen_k, pick=result.information_choice,
            how="from the given centres" if result.start is not None else "by global stability (above)")
    else:
        say("The information criteria's choice, {k} segments, is also the solution of this study.", k=result.k)

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
    show_table(result.segment_stability_table,
               caption="Segment-level stability (Jaccard index over bootstrap samples)" + result.on_sample)
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
# ### Segment-level stability within the solution (SLSW)
#
# The book's own check of each segment (Dolnicar, Grün & Leisch 2018, sec. 7.5.3; flexclust's
# `slswFlexclust`): pairs of bootstrap samples are segmented afresh, both solutions assign every
# customer, and each segment's Jaccard index with its best-matching segment is averaged over the
# pair. Unlike the measure above, which compares a segment only on the customers drawn into one
# sample, it compares segments on the whole base; one box per segment.

# %% tags=["remove-input"]
if result.slsw is not None:
    segs = result.slsw_table
    fig, ax = plt.subplots(figsize=(9, 4.2))
    result.slsw.plot(ax=ax, colors=segment_palette(segs["segment"]))
    plt.show()
    show_table(segs[["segment", "name", "n_customers", "median", "q25", "q75", "min", "verdict"]],
               caption="SLSW: Jaccard index of each segment over bootstrap pairs (verdict of the median)"
               + result.on_sample,
               formats={"n_customers": "int"})
    say(SLSW_READING)
    r = result.slsw_reading
    if r["same"]:
        say("{all} segments read the same: {v} (median Jaccard {lo} to {hi}).",
            all="Both" if r["n"] == 2 else f"All {r['n']}", v=r["verdict"], lo=f"{r['lo']:.2f}", hi=f"{r['hi']:.2f}")
    else:
        say("Least stable: segment {s} ({name}), median Jaccard {m} ({v}); most stable: segment {s2} ({name2}), "
            "median {m2}.", s=r["weak_segment"], name=r["weak_name"], m=f"{r['lo']:.2f}", v=r["verdict"],
            s2=r["strong_segment"], name2=r["strong_name"], m2=f"{r['hi']:.2f}")
elif result.data_driven:
    say("Computed for k-means and latent class, the methods of the book; this study's method is {m}.",
        m=result.method)
else:
    say("Not applicable to a rule-based scheme.")

# %% [markdown]
# ## How segments split and merge as k grows
#
# The segment-level stability across solutions (SLSA) plot follows each segment from k to k+1 segments:
# a segment that keeps its members as k grows is a natural group; one that is split up and recombined is
# an artefact of the number of segments.

# %% tags=["remove-input"]
if result.data_driven and result.slsa is not None:
    fig, ax = plt.subplots(figsize=(10, 5.5))
    result.slsa.plot(ax=ax)
    plt.show()
elif result.data_driven:
    say("Not shown: the method could not be fitted for the numbers of segments next to k = {k} ({why})",
        k=result.k, why=failed_sentence(result.global_stability.failed))
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
               caption="Segment centres: share answering yes" if result.basis_kind == "binary"
               else "Segment centres on the prepared basis (standardised units)")
