# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
#   title: Goals
# ---

# %% tags=["parameters"]
run_dir: str = "../reports/scratch"  # run folder this step writes into
study_path: str = "../data/demo/study.yaml"  # the study file

# %% tags=["remove-cell"]
from segkit.brief import criteria_table, make_brief
from segkit.display import callout, say, show_table
from segkit.step import Step

step = Step(run_dir, study_path)
cfg = step.cfg
brief = make_brief(cfg)
step.write_json("brief.json", brief)

# %% [markdown]
# ## What this segmentation is for
#
# A segmentation is only as good as the decision it supports. This page fixes, before any data is
# analysed, what the study must deliver and how its success will be judged, so that every later step
# can be checked against it.

# %% tags=["remove-input"]
callout("<b>Goal.</b> {goal}", goal=brief["goal"])
say("**Key performance indicator:** {kpi}  \n**Horizon:** {horizon}-term. {note}",
    kpi=brief["kpi"], horizon=brief["horizon"], note=brief["horizon_note"])
if brief["owner"]:
    say("**Owner of the segmentation:** {owner}", owner=brief["owner"])

# %% [markdown]
# ## Success criteria
#
# The study is judged a success when these hold. Step 7 (validation) tests each one and reports pass or fail.

# %% tags=["remove-input"]
import pandas as pd

show_table(pd.DataFrame({"#": range(1, len(brief["success_criteria"]) + 1),
                         "success criterion": brief["success_criteria"]}))
if brief["success_defaulted"]:
    say("_The study file gives no success criteria, so segkit's defaults are used._")

# %% [markdown]
# ## Knock-out criteria
#
# Every segment must pass all of these, or it is not a target segment however attractive it looks
# otherwise (Dolnicar, Grün & Leisch 2018, step 2). The first is checked numerically: no segment may
# hold fewer customers than the minimum share below.

# %% tags=["remove-input"]
show_table(pd.DataFrame({"#": range(1, len(brief["knockout_criteria"]) + 1),
                         "knock-out criterion": brief["knockout_criteria"]}))
say("**Minimum segment share:** {share} of the customer base.", share=f"{100 * brief['min_segment_share']:.0f}%")

# %% [markdown]
# ## Attractiveness criteria
#
# Segments that pass the knock-out criteria are ranked by a weighted score. The weights below are
# normalised to sum to 100%; step 6 scores each segment on them in the target-segment matrix.

# %% tags=["remove-input"]
show_table(criteria_table(brief), formats={"weight": "pct"})
if brief["attractiveness_defaulted"]:
    say("_The study file gives no attractiveness criteria, so segkit's defaults are used._")

# %% [markdown]
# ## Study settings
#
# The settings that shape the analysis, as read from the study file.

# %% tags=["remove-input"]
settings = pd.DataFrame([
    ("method", cfg.method),
    ("segmentation basis", ", ".join(cfg.basis)),
    ("descriptors", ", ".join(cfg.descriptors) or "none"),
    ("cut-off date", str(cfg.cutoff) if cfg.cutoff else "none (survey study)"),
    ("number of segments tried", f"{cfg.k_range[0]} to {cfg.k_range[1]}"),
    ("bootstrap samples", cfg.n_boot),
    ("random restarts", cfg.n_init),
    ("seed", cfg.seed),
], columns=["setting", "value"]).astype(str)
show_table(settings)
