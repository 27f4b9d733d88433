# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Validation
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
from types import SimpleNamespace

import matplotlib.pyplot as plt

from segkit import validation as va
from segkit.display import callout, say, show_table
from segkit.methods import make_segmenter
from segkit.methods.registry import get_method
from segkit.pipeline import share_table, verdict_display
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
brief = step.read_json("brief.json")
segmentation = step.read_json("segmentation.json")
method, k = segmentation["method"], segmentation["k"]
table = step.read_parquet("customer_table.parquet")
assignments = step.read_parquet("assignments.parquet")
X = step.read_parquet("basis.parquet").set_index("customer_id")
sizes = step.read_parquet("sizes.parquet") if step.has("sizes.parquet") else share_table(assignments)
identification = SimpleNamespace(**step.read_json("identification.json"))
outcomes = step.read_parquet("outcomes.parquet") if step.has("outcomes.parquet") else None

tests = va.outcome_tests(assignments, outcomes, alpha=0.01) if outcomes is not None else None
gain = None
if outcomes is not None and "clv" in table:
    ranked = table[["customer_id", "clv"]].merge(outcomes[["customer_id", "revenue_after"]], on="customer_id")
    gain = va.gains(ranked["clv"], ranked["revenue_after"])
replication = None
if get_method(method).data_driven:
    replication = va.split_half_replication(X, make_segmenter(method, k, random_state=cfg.seed, n_init=cfg.n_init),
                                            random_state=cfg.seed)
result = va.verdict(brief, sizes=sizes, outcomes=tests, identification=identification, replication=replication,
                    gains_result=gain)
n_pass = int((result.table["passed"] == True).sum())  # noqa: E712 - pd.NA marks "not measured"
n_fail = int((result.table["passed"] == False).sum())  # noqa: E712
summary = (f"{n_pass} of {n_pass + n_fail} measured criteria pass" +
           (f"; failed: {'; '.join(result.failed)}" if n_fail else "; the segmentation is valid against the brief."))
step.write_json("verdict.json", {"summary": summary, "passed": bool(result.passed),
                                 "table": result.table.astype(object).where(result.table.notna(), None).to_dict("records")})

# %% [markdown]
# ## Did the segments behave differently afterwards?
#
# A segmentation that was never validated is not credible. The segments were formed on behaviour up
# to the cut-off date; here is what their members did *after* it, in data the segmentation never saw.
# Means carry 95% confidence intervals; differences between segments are tested (Kruskal-Wallis for
# revenue and orders, which are skewed; chi-square for the share still buying), with effect sizes.

# %% tags=["remove-input"]
if tests is None:
    callout("This study has no transactions after a cut-off, so later behaviour cannot be compared. Validate "
            "the segments in application instead: a campaign with a control group per segment, or a repeat "
            "survey.", kind="warn")
else:
    outcome_names = list(tests.table["outcome"])
    ncol = 2
    nrow = (len(outcome_names) + 1) // 2
    fig, axes = plt.subplots(nrow, ncol, figsize=(12, 4.6 * nrow), squeeze=False)
    for ax, name in zip(axes.flat, outcome_names):
        tests.plot(outcome=name, ax=ax)
    for ax in list(axes.flat)[len(outcome_names):]:
        ax.set_visible(False)
    fig.tight_layout()
    plt.show()
    show_table(tests.table, caption="Differences between segments after the cut-off",
               formats={"p_value": "p"})
    show_table(tests.means, caption="Per segment, with 95% confidence intervals")

# %% [markdown]
# ## Does potential value rank future buyers?
#
# The customers are ranked by the potential value estimated at the cut-off, then split into tenths. The
# gains chart shows what share of the later revenue the top tenths brought; lift compares each tenth with
# a random pick.

# %% tags=["remove-input"]
if gain is not None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    gain.plot(ax=axes[0], kind="gains")
    gain.plot(ax=axes[1], kind="lift")
    fig.tight_layout(); plt.show()
    show_table(gain.table, caption="Gains and lift by tenth of the value ranking", formats={"gain": "pct"})
else:
    say("Not available without transactions after the cut-off.")

# %% [markdown]
# ## Do the segments replicate?
#
# The customers are split at random into two halves. Each half is segmented on its own; the segments of
# half A are then used to classify half B, and the two labelings of B are compared (adjusted Rand index).
# Similar centres in both halves mean the segments are a property of the market, not of one sample.

# %% tags=["remove-input"]
if replication is not None:
    say("Split-half adjusted Rand index: **{ari}**; the largest difference between matched segment centres is "
        "**{d}** standard deviations.", ari=f"{replication.ari:.2f}", d=f"{replication.max_abs_centroid_diff:.2f}")
    shift = replication.centroids.pivot_table(index="segment_a", columns="variable", values="std_diff").round(2)
    show_table(shift.reset_index().rename(columns={"segment_a": "segment (half A)"}),
               caption="Difference between matched segment centres of the two halves (standard deviations)")
else:
    say("Not applicable: the {m} scheme assigns classes by rule, so there is nothing to refit.", m=method)

# %% [markdown]
# ## Verdict against the brief
#
# Every knock-out and success criterion from step 1, with what was measured.

# %% tags=["remove-input"]
show_table(verdict_display(result.table), caption="Verdict")
callout("{summary}", kind="good" if result.passed else "bad", summary=summary)
