# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Method
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
from segkit.display import callout, say, show_table
from segkit.methods.feasibility import choose_method
from segkit.methods.registry import get_method
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
brief = step.read_json("brief.json")
inventory = step.read_json("inventory.json")
ranked = step.read_parquet("feasibility.parquet")
kind = inventory["basis_kind"]
stratify = cfg.stratify.model_dump() if cfg.stratify else None

if cfg.method == "auto":
    method, reason = choose_method(brief, inventory, basis_kind=kind, k_max=cfg.k_range[1], stratify=stratify)
    chosen_by = "automatic choice (method: auto)"
else:
    method = cfg.method
    row = ranked.loc[ranked["method"] == method].iloc[0]
    if not bool(row["feasible"]):
        raise ValueError(f"the study file names method '{method}', which these data cannot support: "
                         f"{row['missing']}. Feasible methods: {', '.join(ranked.loc[ranked['feasible'], 'method'])}")
    reason = f"Named in the study file. {row['reasons']}"
    chosen_by = "named in the study file"
spec = get_method(method)
chosen = ranked.loc[ranked["method"] == method].iloc[0]
rejected = ranked.loc[~ranked["feasible"], ["method", "missing"]]
method_doc = {
    "method": method,
    "label": spec.label,
    "family": spec.family,
    "chosen_by": chosen_by,
    "reason": reason,
    "reason_short": reason.split("; ")[0].split(". ")[0].rstrip(".") + ".",
    "basis": list(cfg.basis),
    "basis_kind": kind,
    "k_range": list(cfg.k_range),
    "n_boot": cfg.n_boot,
    "n_init": cfg.n_init,
    "seed": cfg.seed,
    "candidates": ranked.loc[ranked["feasible"], "method"].tolist(),
    "rejected": rejected.to_dict("records"),
}
step.write_json("method.json", method_doc)

# %% [markdown]
# ## The method chosen
#
# The method must be feasible under the data and resources found in step 2. It is the base to start
# exploring from, not a guarantee: steps 5 to 7 test whether its segments are stable, describable and
# valid.

# %% tags=["remove-input"]
callout("<b>Chosen method: {label}</b> ({family}), {chosen_by}.<br>{reason}", kind="good",
        label=method_doc["label"], family=method_doc["family"], chosen_by=chosen_by, reason=reason)
say("**What it does:** {desc}", desc=spec.description)
if method_doc["family"] == "data-driven":
    say("The number of segments is not fixed in advance: step 5 tries k = {lo} to {hi} and chooses the "
        "number whose segments are most reproducible over {b} bootstrap samples, each fitted with {r} random "
        "restarts.", lo=cfg.k_range[0], hi=cfg.k_range[1], b=cfg.n_boot, r=cfg.n_init)
else:
    say("A rule-based scheme fixes its classes by rule; step 5 checks how many customers would change "
        "class if the thresholds were estimated on another sample of customers.")

# %% [markdown]
# ## The alternatives
#
# Every method segkit offers, ranked. Feasible alternatives can be named in the study file
# (`method: <name>`) to compare; the rejected ones list what the data lack.

# %% tags=["remove-input"]
show_table(ranked[["rank", "method", "family", "feasible", "score", "reasons"]], caption="Feasible and infeasible methods")
if len(rejected):
    show_table(rejected.rename(columns={"missing": "what is missing"}), caption="Why the others were rejected")
