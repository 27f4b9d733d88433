"""Step 8 (iteration) and ``segkit compare`` in-process: what is compared with, and the numbers."""

import datetime as dt

import pandas as pd

from segkit.config import load_config
from segkit.pipeline import earlier_window_assignments
from segkit.study import artifacts
from segkit.study.folder import RunFolder
from segkit.study.window import StudyWindow

EARLIER_CUTOFF = dt.date(2025, 3, 31)  # the demo's cut-off 2025-09-30, six months back, a month end kept


def test_earlier_window_counts_the_whole_cutoff_day(demo_run_steps, small_demo):
    folder = RunFolder(demo_run_steps[0])
    cfg = load_config(small_demo / "study.yaml")
    tx = folder.read(artifacts.TABLE_TRANSACTIONS)
    template = tx.iloc[[0]]
    late = template.assign(customer_id="ZZ-LATE", order_id="ZZ-1", amount=50.0,
                           date=pd.Timestamp("2025-03-31 15:00"))
    next_day = template.assign(customer_id="ZZ-NEXT", order_id="ZZ-2", amount=50.0,
                               date=pd.Timestamp("2025-04-01 00:00"))
    tx = pd.concat([tx, late, next_day], ignore_index=True)
    # the old filter (date <= midnight of the earlier cut-off) lost the 15:00 line
    assert not (late["date"] <= pd.Timestamp(EARLIER_CUTOFF)).any()

    assignments, table, earlier = earlier_window_assignments(
        cfg, StudyWindow.from_config(cfg), transactions=tx, customers=folder.read(artifacts.TABLE_CUSTOMERS),
        survey=folder.read(artifacts.TABLE_SURVEY), method="kmeans", k=5)

    assert earlier.cutoff == EARLIER_CUTOFF
    assert "ZZ-LATE" in set(assignments["customer_id"])
    row = table.set_index("customer_id").loc["ZZ-LATE"]
    assert (row["frequency"], row["recency_days"], row["tenure_days"]) == (1, 0, 0)
    assert "ZZ-NEXT" not in set(table["customer_id"])
