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
from segkit.i18n import translate
from segkit.iteration import INCONCLUSIVE, agreement_words
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
            kind={"keep": "good", "adjust": "warn", INCONCLUSIVE: "warn"}.get(comparison.decision, "bad"),
            decision=translate(comparison.decision), reasons=comparison.reason)
    say("_Rule: {rule}_", rule=comparison.recommendation.rule)
    if result.refit_sizes is not None:
        show_table(result.refit_sizes, caption=f"Step 5's segments and the refit on the shorter window (ARI "
                   f"{result.refit_ari:.2f}): customers in each, and the refit's customers in the same step 5 segment")

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
    show_table(comparison.migration.matches, caption=f"Earlier segments matched to the current ones, by "
               f"{comparison.migration.matched_by}: {result.sides_caption}")
    fig, ax = plt.subplots(figsize=(10, 7))
    comparison.migration.plot(ax=ax)
    plt.show()
    say("On the customers in both, the two segmentations {agree}. **{stay}** of customers stayed in their segment.",
        agree=agreement_words(comparison.migration.ari, comparison.recommendation.thresholds),
        stay=f"{100 * comparison.migration.stay_share:.0f}%")

# %% tags=["remove-input"]
if comparison is not None:
    fig, ax = plt.subplots(figsize=(10, 6))
    comparison.migration.plot_flows(ax=ax)
    plt.show()
    show_table(comparison.largest_flows, caption=f"Largest flows: {result.sides_caption}", formats={"share": "pct"})

# %% [markdown]
# ## Drift in sizes and profiles

# %% tags=["remove-input"]
if comparison is not None:
    sizes = comparison.drift.sizes
    limits = comparison.recommendation.thresholds
    show_table(sizes, caption=f"Segment shares then and now: {result.sides_caption}. Status 'profile moved': a "
               f"matched segment whose mean moved by {comparison.drift.profile_limit:g} SD or more on a counted "
               f"variable; 'share moved': its share moved by {limits['keep_max_size_shift']:g} points or more",
               formats={c: "pct" for c in sizes.columns if "share" in c})
    if comparison.profile_shift is not None:
        show_table(comparison.profile_shift, caption="Shift of each segment's mean since the earlier segmentation, "
                   f"in standard deviations of the earlier base: {result.sides_caption}")
    if comparison.window_note:
        callout("{note}", kind="info", note=comparison.window_note)
    show_table(comparison.recommendation.table, caption="Checks behind the recommendation")

# %% [markdown]
# ## Selecting the target segments
#
# The segment evaluation plot (Dolnicar, Grün & Leisch 2018, step 8): each segment's attractiveness to the
# firm, from the brief's weighted criteria (horizontal), against the firm's competitiveness in it (vertical);
# bubble area is segment size, the targets are outlined. The decision table says for each segment whether it
# is a target and why; the targets are those step 7 tested.

# %% tags=["remove-input"]
evaluation = result.evaluation
if evaluation is not None:
    if evaluation.y_note:
        callout("{note}", kind="warn", note=evaluation.y_note)
    fig, ax = plt.subplots(figsize=(9, 6.5))
    evaluation.plot(ax=ax)
    plt.show()
    show_table(evaluation.decision_table, caption="Which segments to target, and why (scores 0-10)",
               formats={"share": "pct"})
else:
    say("{note}", note=result.evaluation_note)
