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
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from segkit import iteration as it
from segkit.display import callout, say, show_table
from segkit.pipeline import numeric_columns, share_table
from segkit.plots import set_theme
from segkit.profiling import profile

_ = set_theme()
a, b = Path(run_a), Path(run_b)
man_a = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
man_b = json.loads((b / "manifest.json").read_text(encoding="utf-8"))
prev = pd.read_parquet(a / "artifacts" / "assignments.parquet")
cur = pd.read_parquet(b / "artifacts" / "assignments.parquet")
table_a = pd.read_parquet(a / "artifacts" / "customer_table.parquet")
table_b = pd.read_parquet(b / "artifacts" / "customer_table.parquet")
basis = [c for c in numeric_columns(table_b, man_b["config"]["basis"]) if c in table_a.columns]
migration = it.migration_matrix(prev, cur)
drift = it.drift(share_table(prev), share_table(cur), profile(table_a, prev, basis), profile(table_b, cur, basis),
                 mapping=migration.mapping)
rec = it.recommend(migration, drift)

# %% [markdown]
# ## What changed between the two runs
#
# The later run's segments are compared with the earlier run's: who moved where, whether the same
# segments still exist, and whether sizes and profiles drifted. Segments were matched by their members
# before comparing, since two runs may number the same segment differently.

# %% tags=["remove-input"]
show_table(pd.DataFrame([
    {"run": "earlier", "folder": a.name, "study": man_a["study"], "cut-off": man_a["config"].get("cutoff"),
     "method": man_a["config"]["method"], "customers": len(prev), "segments": prev["segment"].nunique()},
    {"run": "later", "folder": b.name, "study": man_b["study"], "cut-off": man_b["config"].get("cutoff"),
     "method": man_b["config"]["method"], "customers": len(cur), "segments": cur["segment"].nunique()},
]).astype(str), caption="The two runs")
callout("<b>Recommendation: {decision}.</b> {reasons}", kind={"keep": "good", "adjust": "warn"}.get(rec.decision, "bad"),
        decision=rec.decision, reasons=" ".join(rec.reasons))

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
show_table(migration.flows.sort_values("n", ascending=False).head(15), caption="Largest flows", formats={"share": "pct"})

# %% tags=["remove-input"]
show_table(drift.sizes, caption="Segment shares then and now", formats={c: "pct" for c in drift.sizes.columns if "share" in c})
show_table(rec.table, caption="Checks behind the recommendation")
