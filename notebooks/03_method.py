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
from segkit.study import method
from segkit.study.context import open_step

result = method.run(open_step("method", run_dir, study_path))

# %% [markdown]
# ## The method chosen
#
# The method must be feasible under the data and resources found in step 2. It is the base to start
# exploring from, not a guarantee: steps 5 to 7 test whether its segments are stable, describable and
# valid.

# %% tags=["remove-input"]
doc = result.doc
callout("<b>Chosen method: {label}</b> ({family}), {chosen_by}.<br>{reason}", kind="good",
        label=doc["label"], family=doc["family"], chosen_by=doc["chosen_by"], reason=doc["reason"])
say("**What it does:** {desc}", desc=result.description)
if result.data_driven:
    say("The number of segments is not fixed in advance: step 5 tries k = {lo} to {hi} and chooses the "
        "number whose segments are most reproducible over bootstrap samples of the customers.",
        lo=doc["k_range"][0], hi=doc["k_range"][1])
else:
    say("A rule-based scheme fixes its classes by rule; step 5 checks how many customers would change "
        "class if the thresholds were estimated on another sample of customers.")

# %% [markdown]
# ## The alternatives
#
# Every method segkit offers, ranked. Feasible alternatives can be named in the study file
# (`method: <name>`) to compare; the rejected ones list what the data lack.

# %% tags=["remove-input"]
show_table(result.ranked[["rank", "method", "family", "feasible", "score", "reasons"]],
           caption="Feasible and infeasible methods")
if len(result.rejected):
    show_table(result.rejected, caption="Why the others were rejected")
