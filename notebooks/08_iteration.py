# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Iteration
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
import matplotlib.pyplot as plt

from segkit.display import callout, say, show_table
from segkit.study import iteration
from segkit.study.context import open_step

result = iteration.run(open_step("iteration", run_dir, study_path))
comparison = result.comparison

# %% [markdown]
# ## Segmentation is a process
#
# Segments decay as markets and customers change. This step compares the segmentation with an earlier
# one: who moved where, whether the same segments still exist, and whether sizes and profiles drifted,
# and recommends whether to keep the segmentation, adjust it or start over.

# %% tags=["remove-input"]
if comparison is None:
    callout("{why} Name this run as <code>previous_run</code> in the next study to track the segments over time.",
            kind="warn", why=result.why_not)
else:
    say("This run is compared with {what}.", what=result.compared_with)
    if result.windows_text:
        say("{text}", text=result.windows_text)
    callout("<b>Recommendation: {decision}.</b> {reasons}",
            kind={"keep": "good", "adjust": "warn"}.get(comparison.decision, "bad"),
            decision=comparison.decision, reasons=comparison.reason)
    say("_Rule: {rule}_", rule=comparison.recommendation.rule)

# %% [markdown]
# ## Migration between segments
#
# Rows are the earlier segments, columns the current ones; each cell gives the number of customers and
# the share of the earlier segment that moved there. "new" are customers not in the earlier
# segmentation, "gone" those no longer in the current one. This run's segment numbers and names are kept;
# each earlier segment is shown under the number of the current segment it matches by content (its
# profile), since two segmentations may number the same segment differently.

# %% tags=["remove-input"]
if comparison is not None:
    show_table(comparison.migration.matches, caption=f"Earlier segments matched to this run's, by "
               f"{comparison.migration.matched_by}")
    fig, ax = plt.subplots(figsize=(10, 7))
    comparison.migration.plot(ax=ax)
    plt.show()
    say("Adjusted Rand index between the two segmentations (customers in both): **{ari}**. "
        "**{stay}** of customers stayed in their segment.", ari=f"{comparison.migration.ari:.2f}",
        stay=f"{100 * comparison.migration.stay_share:.0f}%")

# %% tags=["remove-input"]
if comparison is not None:
    fig, ax = plt.subplots(figsize=(10, 6))
    comparison.migration.plot_flows(ax=ax)
    plt.show()
    show_table(comparison.largest_flows, caption="Largest flows", formats={"share": "pct"})

# %% [markdown]
# ## Drift in sizes and profiles

# %% tags=["remove-input"]
if comparison is not None:
    sizes = comparison.drift.sizes
    show_table(sizes, caption="Segment shares then and now", formats={c: "pct" for c in sizes.columns if "share" in c})
    if comparison.profile_shift is not None:
        show_table(comparison.profile_shift, caption="Shift of each segment's mean since the earlier segmentation, "
                   "in standard deviations of the earlier base")
    if comparison.window_note:
        callout("{note}", kind="info", note=comparison.window_note)
    show_table(comparison.recommendation.table, caption="Checks behind the recommendation")
