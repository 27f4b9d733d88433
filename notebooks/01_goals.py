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
from segkit.display import callout, say, show_table
from segkit.i18n import translate
from segkit.study import goals
from segkit.study.context import open_step

result = goals.run(open_step("goals", run_dir, study_path))
brief = result.brief

# %% [markdown]
# ## What this segmentation is for
#
# A segmentation is only as good as the decision it supports. This page fixes, before any data is
# analysed, what the study must deliver and how its success will be judged, so that every later step
# can be checked against it.

# %% tags=["remove-input"]
callout("<b>Goal.</b> {goal}", goal=brief["goal"])
say("**Key performance indicator:** {kpi}  \n**Horizon:** {horizon}. {note}",
    kpi=brief["kpi"], horizon=translate(f"{brief['horizon']}-term"), note=brief["horizon_note"])
if brief["owner"]:
    say("**Owner of the segmentation:** {owner}", owner=brief["owner"])

# %% [markdown]
# ## Success criteria
#
# The study is judged a success when these hold. Each criterion is read here, once, as a measure and a
# threshold; step 7 (validation) reports for each the value measured, pass or fail, and where the evidence is.
# A criterion segkit has no measure for is left to the team to judge and counted neither way. (Free text is
# read by keywords; the study file can also give a criterion as `{measure: ..., threshold: ...}`.)

# %% tags=["remove-input"]
show_table(result.success)
if brief["success_defaulted"]:
    say("_The study file gives no success criteria, so segkit's defaults are used._")

# %% [markdown]
# ## Knock-out criteria
#
# Every segment must pass all of these, or it is not a target segment however attractive it looks
# otherwise (Dolnicar, Grün & Leisch 2018, step 2). Those with a measure are checked in step 7; the size
# criterion is always among them: no segment may hold fewer customers than the minimum share below.

# %% tags=["remove-input"]
show_table(result.knockout)
if brief.get("knockout_defaulted"):
    say("_The study file gives no knock-out criteria, so segkit's defaults are used._")
say("**Minimum segment share:** {share} of the customer base.", share=f"{100 * result.min_segment_share:.0f}%")

# %% [markdown]
# ## Attractiveness criteria
#
# Segments that pass the knock-out criteria are ranked by a weighted score. The weights below are
# normalised to sum to 100%; step 6 scores each segment on them in the target-segment matrix.

# %% tags=["remove-input"]
show_table(result.attractiveness, formats={"weight": "pct"})
if brief["attractiveness_defaulted"]:
    say("_The study file gives no attractiveness criteria, so segkit's defaults are used._")
