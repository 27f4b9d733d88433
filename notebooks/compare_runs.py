# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Comparison of two runs
# ---

# %% tags=["parameters"]
run_a: str = "../reports/run-a"  # the earlier run folder
run_b: str = "../reports/run-b"  # the later run folder
run_dir: str = "../reports/scratch"  # folder this comparison writes into

# %% tags=["remove-cell"]
import matplotlib.pyplot as plt

from segkit.compare import compare
from segkit.display import callout, say, show_table
from segkit.plots import set_theme

_ = set_theme()
result = compare(run_a, run_b)
migration = result.migration

# %% [markdown]
# ## What changed between the two runs
#
# The later run's segments are compared with the earlier run's: who moved where, whether the same
# segments still exist, and whether sizes and profiles drifted. The later run's numbers and names are kept;
# each earlier segment is matched to the later segment with the closest profile, since two runs may number
# the same segment differently.

# %% tags=["remove-input"]
show_table(result.runs, caption="The two runs")
callout("<b>Recommendation: {decision}.</b> {reasons}",
        kind={"keep": "good", "adjust": "warn"}.get(result.decision, "bad"),
        decision=result.decision, reasons=result.reason)
say("_Rule: {rule}_", rule=result.recommendation.rule)
show_table(migration.matches, caption=f"Earlier segments matched to the later run's, by {migration.matched_by}")
if result.window_note:
    callout("{note}", kind="info", note=result.window_note)

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(10, 7))
migration.plot(ax=ax)
plt.show()
say("Adjusted Rand index on the {n} customers in both runs: **{ari}**; **{stay}** stayed in their segment.",
    n=f"{migration.n_common:,}", ari=f"{migration.ari:.2f}", stay=f"{100 * migration.stay_share:.0f}%")

# %% tags=["remove-input"]
fig, ax = plt.subplots(figsize=(10, 6))
migration.plot_flows(ax=ax)
plt.show()
show_table(result.largest_flows, caption="Largest flows", formats={"share": "pct"})

# %% tags=["remove-input"]
sizes = result.drift.sizes
show_table(sizes, caption="Segment shares then and now", formats={c: "pct" for c in sizes.columns if "share" in c})
show_table(result.recommendation.table, caption="Checks behind the recommendation")
