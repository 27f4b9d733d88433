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
from segkit.methods import make_segmenter
from segkit.methods.registry import get_method
from segkit.pipeline import basis_complete_cases, check_basis, fit_final
from segkit.step import Step
from segkit import stability as st

step = Step(run_dir, study_path)
cfg = step.cfg
method = step.read_json("method.json")["method"]
table = step.read_parquet("customer_table.parquet")
X = step.read_parquet("basis.parquet").set_index("customer_id")
value = table.set_index("customer_id")["monetary_total"].reindex(X.index) if "monetary_total" in table else None
spec = get_method(method)
data_driven = spec.data_driven

if data_driven:
    base = make_segmenter(method, cfg.k_range[0], random_state=cfg.seed, n_init=cfg.n_init)
    glob = st.global_stability(X, base, k_range=tuple(cfg.k_range), n_boot=cfg.n_boot,
                               random_state=cfg.seed, n_jobs=cfg.n_jobs)
    k = int(glob.chosen_k)
    seg = fit_final(method, k, X, cfg=cfg, sample_value=value)
    seg_stab = st.segment_stability(X, seg, n_boot=cfg.n_boot, random_state=cfg.seed, n_jobs=cfg.n_jobs)
    slsa = st.segment_level_stability_across(X, base, k_range=tuple(cfg.k_range), random_state=cfg.seed)
    step.write_parquet("stability_global.parquet", glob.table)
    step.write_parquet("stability_segments.parquet", seg_stab.table)
    chosen_reason = glob.reason
else:
    rule_cols = spec.input_columns(cfg)
    check_basis(table, rule_cols, source=f"the {method} scheme's input")
    ruled, n_without = basis_complete_cases(table, rule_cols)
    Xr = ruled.set_index("customer_id")[rule_cols]
    seg = fit_final(method, None, Xr, cfg=cfg,
                    sample_value=ruled.set_index("customer_id")["monetary_total"] if "monetary_total" in ruled else None)
    rule_stab = st.rule_stability(Xr, seg, n_boot=cfg.n_boot, random_state=cfg.seed)
    step.write_parquet("stability_rules.parquet", rule_stab.table)
    k = seg.result_.n_segments
    chosen_reason = f"The {method} scheme fixes its classes by rule."
    if n_without:
        chosen_reason += f" {n_without:,} customers lack an input it needs ({', '.join(rule_cols)}) and are not classified."

result = seg.result_
step.write_parquet("assignments.parquet", result.assignments[["customer_id", "segment", "segment_name"]])
segments = result.segments.copy()
step.write_json("segments.json", segments.to_dict("records"))
if result.centers is not None:
    step.write_parquet("centers.parquet", result.centers.reset_index())
step.write_json("segmentation.json", {
    "method": method, "k": k, "reason": chosen_reason,
    "is_stable": bool(glob.is_stable) if data_driven else None,
    "n_customers": int(len(result.assignments)),
})

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
if data_driven:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    glob.plot(ax=ax)
    plt.show()
    show_table(glob.summary(), caption="Adjusted Rand index between bootstrap pairs, per number of segments")
    callout("{reason}", kind="good" if glob.is_stable else "bad", reason=glob.reason)
else:
    say("Not applicable: the {m} scheme does not search for a number of segments.", m=method)

# %% [markdown]
# ## Which segments are stable?
#
# A solution can be stable overall while one of its segments is not. For each segment of the chosen
# solution, the Jaccard index measures how well it is recovered in every bootstrap sample (the
# share of its members that reappear together in the best-matching segment; Hennig 2007). Reading:
# below 0.5 the segment dissolves, 0.6-0.75 it shows a pattern but its members are uncertain, above
# 0.75 it is valid, above 0.85 highly stable.

# %% tags=["remove-input"]
if data_driven:
    fig, ax = plt.subplots(figsize=(9, 4.2))
    seg_stab.plot(ax=ax)
    plt.show()
    summ = seg_stab.summary().merge(segments[["segment", "name"]], on="segment", how="left")
    show_table(summ, caption="Segment-level stability (Jaccard index over bootstrap samples)")
else:
    fig, ax = plt.subplots(figsize=(9, 4))
    rule_stab.plot(ax=ax)
    plt.show()
    show_table(rule_stab.summary(), caption="Customers changing class when thresholds are re-estimated on bootstrap samples",
               formats={"mean_changed": "pct"})

# %% [markdown]
# ## How segments split and merge as k grows
#
# The segment-level stability across solutions (SLSA) plot follows each segment from k to k+1 segments:
# a segment that keeps its members as k grows is a natural group; one that is split up and recombined is
# an artefact of the number of segments.

# %% tags=["remove-input"]
if data_driven:
    fig, ax = plt.subplots(figsize=(10, 5.5))
    slsa.plot(ax=ax)
    plt.show()
else:
    say("Not applicable to a rule-based scheme.")

# %% [markdown]
# ## The segments

# %% tags=["remove-input"]
say("**{k} segments** from **{method}**, covering all {n} customers; every customer is in exactly one segment.",
    k=k, method=method, n=f"{len(result.assignments):,}")
show_table(result.summary(), caption="Segments", formats={"share": "pct", "n_customers": "int"})
if result.centers is not None:
    show_table(result.centers.reset_index(), caption="Segment centres on the prepared basis (standardised units)")
