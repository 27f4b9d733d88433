# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Resources
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
import pandas as pd

from segkit.display import callout, say, show_table
from segkit.io import build_inventory, load_study_data
from segkit.methods.feasibility import feasibility_matrix, rank_methods
from segkit.pipeline import basis_kind
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
brief = step.read_json("brief.json")
data = load_study_data(cfg)
for name in ("customers", "transactions", "survey"):
    table = getattr(data, name)
    if table is not None:
        step.write_parquet(f"tables/{name}.parquet", table)
data.quality.to_json(step.path("quality.json"))
step.write_parquet("joins.parquet", data.joins)
inventory = build_inventory(data, cfg)
kind = basis_kind(cfg, inventory, data.customers)
inventory["basis_kind"] = kind
step.write_json("inventory.json", inventory)
stratify = cfg.stratify.model_dump() if cfg.stratify else None
ranked = rank_methods(brief, inventory, basis_kind=kind, k_max=cfg.k_range[1], stratify=stratify)
step.write_parquet("feasibility.parquet", ranked)

# %% [markdown]
# ## What data the study has
#
# The goal decides which data and methods are needed; what the firm actually holds decides what is
# feasible. Each input table was read, checked against its schema and cleaned by documented rules
# (the full audit is in step 4). This is the inventory.

# %% tags=["remove-input"]
rows = []
for name, info in inventory["tables"].items():
    if not info.get("present"):
        rows.append({"table": name, "file": "not provided", "rows": None, "customers": None,
                     "columns": None, "covers": ""})
        continue
    covers = ""
    if info.get("date_min"):
        covers = (f"{info['date_min']} to {info['date_max']}: {info['history_months']:.0f} months up to the "
                  f"cut-off, {info.get('months_after_cutoff', 0):.0f} after")
    elif name == "survey":
        covers = f"{len(info.get('items', []))} yes/no items" + (", satisfaction 1-5" if info.get("has_satisfaction") else "")
    rows.append({"table": name, "file": data.files[name].name if name in data.files else "",
                 "rows": info["n_rows"], "customers": info["n_customers"],
                 "columns": len(info.get("columns") or info.get("items") or []), "covers": covers})
show_table(pd.DataFrame(rows), caption="Input tables after validation")
say("**Customers in the study:** {n}. **Segmentation basis:** {basis} ({kind}).",
    n=f"{inventory['n_customers']:,}", basis=", ".join(cfg.basis), kind=kind)

# %% [markdown]
# ### How the tables join
#
# Customers are linked across tables by their id. Ids found in one table only are reported here;
# transactions of customers missing from the customer table keep their behaviour but have no
# descriptors.

# %% tags=["remove-input"]
if len(data.joins):
    show_table(data.joins)
else:
    say("Only one table was given, so there is nothing to join.")

# %% tags=["remove-input"]
survey_info = inventory["tables"].get("survey") or {}
if survey_info.get("present") and survey_info.get("items"):
    say("**Survey items usable as a needs-based basis:** {items}.", items=", ".join(survey_info["items"]))

# %% [markdown]
# ## Which methods the data make feasible
#
# Every segmentation scheme segkit offers is checked against the brief (goal and horizon) and the
# inventory: which tables it needs, how much history, how many customers per segment. A tick means
# the requirement is met. Feasible is not the same as best; step 3 chooses among the feasible ones.

# %% tags=["remove-input"]
show_table(feasibility_matrix(ranked), caption="Feasibility matrix")

# %% tags=["remove-input"]
show_table(ranked[["rank", "method", "family", "feasible", "score", "reasons", "missing"]],
           caption="Methods ranked by feasibility and fit with the goal")
n_ok = int(ranked["feasible"].sum())
callout("{n} of {total} methods are feasible with these data.", kind="good" if n_ok else "bad",
        n=n_ok, total=len(ranked))
