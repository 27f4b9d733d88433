"""Large studies (issue 17): progress lines with the time left (stability on a sample: test_start_and_slsw.py)."""


def test_progress_reports_n_of_total_elapsed_and_time_left():
    from segkit.progress import Progress

    clock = iter([0.0, 1.0, 5.0, 6.0, 20.0, 30.0])
    lines: list[str] = []
    p = Progress("global stability, k = 2 to 8: bootstrap pairs", 10, lines.append, clock=lambda: next(clock))
    p.advance()  # at 1 s: too early to say anything
    p.advance()  # at 5 s: 2 of 10
    p.advance()  # at 6 s: the last line is only 1 s old
    p.advance(2)  # at 20 s: 5 of 10
    p.done()
    assert lines == ["global stability, k = 2 to 8: bootstrap pairs: 2 of 10, elapsed 5 s, about 20 s left",
                     "global stability, k = 2 to 8: bootstrap pairs: 5 of 10, elapsed 20 s, about 20 s left",
                     "global stability, k = 2 to 8: bootstrap pairs: 10 of 10 in 30 s"]


def test_a_quick_loop_prints_nothing():
    from segkit.progress import Progress

    lines: list[str] = []
    p = Progress("quick", 3, lines.append)
    for _ in range(3):
        p.advance()
    p.done()
    assert lines == []


def test_a_large_demo_is_written_in_chunks_with_ids_of_the_whole_data_set(tmp_path, monkeypatch):
    import pandas as pd

    from segkit import demo

    # the in-memory limit and the chunk size scaled down: 1,100 customers in three chunks
    monkeypatch.setattr(demo, "DEMO_MAX_IN_MEMORY", 500)
    monkeypatch.setattr(demo, "DEMO_CHUNK_CUSTOMERS", 400)
    lines: list[str] = []
    paths = demo.write_demo(tmp_path / "d", n_customers=1100, seed=3, progress=lines.append)
    customers = pd.read_csv(paths["customers"], dtype={"customer_id": str})
    truth = pd.read_csv(paths["truth"], dtype={"customer_id": str})
    survey = pd.read_csv(paths["survey"], dtype={"customer_id": str})
    tx = pd.read_parquet(paths["transactions"])

    ids = [f"C{i:05d}" for i in range(1, 1101)]  # 1,100 needs four digits; one more leaves room after it
    assert truth["customer_id"].tolist() == ids
    assert sorted(customers["customer_id"].unique()) == ids and len(customers) == 1100 + 3  # one twin a chunk
    # every chunk's unknown customers are numbered after all real ones, never as another chunk's customer
    orphans = sorted(set(tx["customer_id"].dropna()) - set(ids))
    assert orphans and all(o > ids[-1] for o in orphans)
    assert set(tx["customer_id"].dropna()) & set(ids) == set(ids)
    # the mistyped survey ids (letter O for a zero) still match nobody
    unknown = set(survey["customer_id"]) - set(ids)
    assert unknown and all("O" in u for u in unknown)
    # an order belongs to one customer across chunks (order numbers offset by chunk)
    purchases = tx[tx["order_id"].str.startswith("O") & tx["customer_id"].notna()]
    assert purchases.groupby("order_id")["customer_id"].nunique().max() == 1
    assert tx["order_id"].str.len().eq(10).all()
    assert lines[-1] == "demo: chunks of 400 customers: 3 of 3 in " + lines[-1].rsplit(" in ", 1)[1]
    # the same arguments, the same bytes
    again = demo.write_demo(tmp_path / "e", n_customers=1100, seed=3)
    assert all(again[k].read_bytes() == paths[k].read_bytes() for k in paths)


def test_the_demo_refuses_more_than_its_limit_by_name():
    import pytest

    from segkit.demo import DEMO_MAX_CUSTOMERS, write_demo

    assert DEMO_MAX_CUSTOMERS == 1_000_000
    with pytest.raises(ValueError, match="between 50 and 1,000,000, got 1,000,001"):
        write_demo("/nonexistent/never-written", n_customers=1_000_001)


def test_a_large_file_s_audit_says_each_pass_as_it_ends(small_demo, monkeypatch):
    from segkit.config import load_config
    from segkit.io import study as io_study

    monkeypatch.setattr(io_study, "PROGRESS_BYTES", 0)  # every file counts as large
    lines: list[str] = []
    io_study.load_study_data(load_config(small_demo / "study.yaml"), progress=lines.append)
    passes = [line.split(": ", 1)[1].rsplit(", elapsed", 1)[0] for line in lines
              if line.startswith("auditing transactions.parquet: ")]
    assert passes == ["types, ranges, duplicates and dates checked (1 of 5)", "non-product lines set apart (2 of 5)",
                      "non-sales dropped (3 of 5)", "returns netted (4 of 5)", "outliers capped (5 of 5)"]
    assert any(line.startswith("auditing customers.csv: types, ranges, duplicates and dates checked (1 of 1)")
               for line in lines)


def test_a_part_is_named_as_it_starts_with_its_number_and_the_time_so_far():
    from segkit.progress import Progress

    clock = iter([0.0, 0.2, 95.0])
    lines: list[str] = []
    p = Progress("profiling 100,000 customers", 2, lines.append, clock=lambda: next(clock))
    p.begin("segment sizes and profiles")
    p.begin("whale curve")
    assert lines == ["profiling 100,000 customers: segment sizes and profiles (1 of 2), elapsed 0 s",
                     "profiling 100,000 customers: whale curve (2 of 2), elapsed 1 min 35 s"]
