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
import pandas as pd

from segkit import iteration as it
from segkit.display import callout, say, show_table
from segkit.pipeline import earlier_window_assignments, numeric_columns, share_table
from segkit.profiling import profile
from segkit.step import Step
from segkit.study.window import StudyWindow

step = Step(run_dir, study_path)
cfg = step.cfg
segmentation = step.read_json("segmentation.json")
current = step.read_parquet("assignments.parquet")
table = step.read_parquet("customer_table.parquet")

if cfg.previous_run is not None:
    prev_dir = cfg.resolve(cfg.previous_run)
    previous = pd.read_parquet(prev_dir / "artifacts" / "assignments.parquet")
    previous_table = pd.read_parquet(prev_dir / "artifacts" / "customer_table.parquet")
    compared_with = f"the previous run {prev_dir.name}"
elif step.has_transactions:
    previous, previous_table, earlier = earlier_window_assignments(
        cfg, StudyWindow.from_config(cfg), transactions=step.read_table("transactions"), customers=step.read_table("customers"),
        survey=step.read_table("survey"), method=segmentation["method"], k=segmentation["k"])
    compared_with = (f"the same method refitted with k = {segmentation['k']} on the earlier window ending "
                     f"{earlier.cutoff} ({cfg.earlier_window_months} months before the cut-off)")
else:
    previous = None
    compared_with = None

if previous is not None:
    migration = it.migration_matrix(previous, current)
    basis = numeric_columns(table, list(cfg.basis))
    drift = it.drift(share_table(previous), share_table(current), profile(previous_table, previous, basis),
                     profile(table, current, basis), mapping=migration.mapping)
    rec = it.recommend(migration, drift)
    step.write_json("iteration.json", {"compared_with": compared_with, "ari": migration.ari,
                                       "stay_share": migration.stay_share, "recommendation": rec.decision,
                                       "reason": " ".join(rec.reasons)})

# %% [markdown]
# ## Segmentation is a process
#
# Segments decay as markets and customers change. This step compares the segmentation with an earlier
# one: who moved where, whether the same segments still exist, and whether sizes and profiles drifted,
# and recommends whether to keep the segmentation, adjust it or start over.

# %% tags=["remove-input"]
if previous is None:
    callout("There is no previous run named in the study file and no transaction history to form an earlier "
            "window, so there is nothing to compare with yet. Name this run as <code>previous_run</code> in the "
            "next study to track the segments over time.", kind="warn")
else:
    say("This run is compared with {what}.", what=compared_with)
    callout("<b>Recommendation: {decision}.</b> {reasons}", kind={"keep": "good", "adjust": "warn"}.get(rec.decision, "bad"),
            decision=rec.decision, reasons=" ".join(rec.reasons))

# %% [markdown]
# ## Migration between segments
#
# Rows are the earlier segments, columns the current ones; each cell gives the number of customers and
# the share of the earlier segment that moved there. "new" are customers not in the earlier
# segmentation, "gone" those no longer in the current one. Segments were matched by their members
# before comparing, since two runs may number the same segment differently.

# %% tags=["remove-input"]
if previous is not None:
    fig, ax = plt.subplots(figsize=(10, 7))
    migration.plot(ax=ax)
    plt.show()
    say("Adjusted Rand index between the two segmentations (customers in both): **{ari}**. "
        "**{stay}** of customers stayed in their segment.", ari=f"{migration.ari:.2f}",
        stay=f"{100 * migration.stay_share:.0f}%")

# %% tags=["remove-input"]
if previous is not None:
    fig, ax = plt.subplots(figsize=(10, 6))
    migration.plot_flows(ax=ax)
    plt.show()
    flows = migration.flows
    show_table(flows.sort_values("n", ascending=False).head(15), caption="Largest flows", formats={"share": "pct"})

# %% [markdown]
# ## Drift in sizes and profiles

# %% tags=["remove-input"]
if previous is not None:
    show_table(drift.sizes, caption="Segment shares then and now", formats={c: "pct" for c in drift.sizes.columns if "share" in c})
    if drift.profiles is not None:
        shift = drift.profiles.pivot_table(index="segment", columns="variable", values="std_shift").round(2)
        show_table(shift.reset_index(), caption="Shift of each segment's mean since the earlier segmentation, in "
                   "standard deviations of the base (tenure and recency move with time itself)")
    show_table(rec.table, caption="Checks behind the recommendation")
