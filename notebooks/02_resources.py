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
from segkit.display import callout, say, show_table
from segkit.study import resources
from segkit.study.context import open_step

ctx = open_step("resources", run_dir, study_path)
result = resources.run(ctx)

# %% [markdown]
# ## What data the study has
#
# The goal decides which data and methods are needed; what the firm actually holds decides what is
# feasible. Each input table was read, checked against its schema and cleaned by documented rules
# (the full audit is in step 4). This is the inventory.

# %% tags=["remove-input"]
show_table(result.tables, caption="Input tables after validation")
say("**Customers in the study:** {n}. **Segmentation basis:** {basis} ({kind}).",
    n=f"{result.n_customers:,}", basis=", ".join(ctx.cfg.basis), kind=result.basis_kind)
if result.n_customers_history is not None and result.n_customers_history < result.n_customers:
    say("Of them, **{h}** have transactions up to the cut-off and can be segmented; the other {o} appear only "
        "after it (new customers of the outcome period).", h=f"{result.n_customers_history:,}",
        o=f"{result.n_customers - result.n_customers_history:,}")
if len(result.formats):
    show_table(result.formats, caption="How each file was read (found: detected from the file; given: from the "
                                       "study file)")
if result.personal_note:
    say("{note}", note=result.personal_note)
if result.staged:
    say("Each file was read once, when `segkit run` checked the inputs before creating this run; this step took "
        "over the audited tables.")
for column, levels in result.ordinal.items():
    say("**{col}** is ordinal: coded {codes}, so profiles and tests use its order.", col=column,
        codes="; ".join(f"{i} = {level}" for i, level in enumerate(levels, 1)))
for r in result.transaction_descriptors.itertuples():
    say("**{col}** is read from the transactions: each customer's most frequent value up to the cut-off "
        "({several} of {n} customers have lines with more than one value; {ties} ties went to the most recent "
        "value).", col=r.column, several=f"{r.several_values:,}", n=f"{r.customers:,}", ties=f"{r.ties:,}")

# %% [markdown]
# ### How the tables join
#
# Customers are linked across tables by their id. Ids found in one table only are reported here;
# transactions of customers missing from the customer table keep their behaviour but have no
# descriptors.

# %% tags=["remove-input"]
if len(result.joins):
    show_table(result.joins)
else:
    say("Only one table was given, so there is nothing to join.")

# %% tags=["remove-input"]
if result.survey_items:
    say("**Survey items usable as a needs-based basis:** {items}.", items=", ".join(result.survey_items))

# %% [markdown]
# ## Which methods the data make feasible
#
# Every segmentation scheme segkit offers is checked against the brief (goal and horizon) and the
# inventory: which tables it needs, how much history, how many customers per segment. A tick means
# the requirement is met. Feasible is not the same as best; step 3 chooses among the feasible ones.

# %% tags=["remove-input"]
show_table(result.matrix, caption="Feasibility matrix")

# %% tags=["remove-input"]
show_table(result.ranked[["rank", "method", "family", "feasible", "score", "reasons", "missing"]],
           caption="Methods ranked by feasibility and fit with the goal")
callout("{n} of {total} methods are feasible with these data.", kind="good" if result.n_feasible else "bad",
        n=result.n_feasible, total=len(result.ranked))
