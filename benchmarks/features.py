"""Benchmark segkit's feature computation against hand-written DuckDB SQL and plain pandas.

Generates (once, cached in --workdir) a synthetic Parquet file of transactions,
then times on that same file, each run in a fresh child process and repeated:

* segkit RFM core and segkit full set (``compute_features`` on the path),
* one hand-written DuckDB SQL query per set, computing exactly the same features,
* plain pandas computing the full set (loads the whole file).

Before timing, the three full results are checked to agree. Ratios are of median
times measured in the same run, so a busy machine affects them less than seconds.

Usage::

    python benchmarks/features.py                  # 20M rows, 1M customers
    python benchmarks/features.py --quick          # small smoke run
    python benchmarks/features.py --rows 100000000 # pandas skipped above --pandas-max-rows

The last line is ``features rows=<n> rfm_vs_sql=<x> full_vs_sql=<x> pandas_vs_full=<x> peak_gb=<x>``
where rfm_vs_sql and full_vs_sql are segkit time / SQL time (target <= 1.3),
pandas_vs_full is pandas time / segkit full time (target >= 3) and peak_gb is the
largest peak resident memory of this process or any child.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CUTOFF = "2025-06-30"
START = np.datetime64("2023-01-01T00:00:00")
N_DAYS = 1095
CATEGORIES = ["Dumplings", "Frozen Pasta", "Noodles", "Buns", "Rice Cakes", "Sauces", "Drinks", "Other & Misc"]
CATEGORY_P = [0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03]
CHANNELS = ["Hypermarket", "Large Store", "Online"]
METHODS = ("segkit_rfm", "sql_rfm", "segkit_full", "sql_full", "pandas_full")


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #
def generate(path: Path, n_rows: int, n_customers: int, *, seed: int = 2026, chunk_rows: int = 2_000_000) -> None:
    """Write ``n_rows`` synthetic transaction lines in chunks, so memory stays small."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".partial")
    written, next_order = 0, 0
    with pq.ParquetWriter(tmp, _schema(pa)) as writer:
        while written < n_rows:
            rows = min(chunk_rows, n_rows - written)
            # orders of 1-4 lines (2.5 on average); one customer, day, channel, promotion each
            n_orders = rows // 2 + 10
            lines_per = rng.integers(1, 5, n_orders)
            order_of_line = np.repeat(np.arange(n_orders), lines_per)[:rows]
            n_orders = int(order_of_line[-1]) + 1
            customer = rng.integers(0, n_customers, n_orders)[order_of_line]
            seconds = rng.integers(0, N_DAYS * 86400, n_orders)[order_of_line]
            amount = np.round(rng.lognormal(3.0, 1.0, rows), 2)
            amount[rng.random(rows) < 0.04] *= -1
            table = pa.table(
                {
                    "customer_id": _ids(pa, pc, "C", customer, 7),
                    "date": pa.array(START + seconds.astype("timedelta64[s]"), pa.timestamp("us")),
                    "amount": amount,
                    "order_id": _ids(pa, pc, "O", order_of_line + next_order, 10),
                    "category": pc.take(pa.array(CATEGORIES), rng.choice(len(CATEGORIES), rows, p=CATEGORY_P)),
                    "channel": pc.take(pa.array(CHANNELS), rng.integers(0, len(CHANNELS), n_orders)[order_of_line]),
                    "margin": np.round(amount * rng.uniform(0.1, 0.4, rows), 2),
                    "promotion": (rng.random(n_orders) < 0.3)[order_of_line],
                },
                schema=_schema(pa),
            )
            writer.write_table(table)
            written += rows
            next_order += n_orders
    tmp.rename(path)


def _schema(pa):
    return pa.schema(
        [("customer_id", pa.string()), ("date", pa.timestamp("us")), ("amount", pa.float64()),
         ("order_id", pa.string()), ("category", pa.string()), ("channel", pa.string()),
         ("margin", pa.float64()), ("promotion", pa.bool_())]
    )


def _ids(pa, pc, prefix: str, numbers: np.ndarray, width: int):
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


# --------------------------------------------------------------------------- #
# The hand-written SQL (the categories and channels are known to its author)
# --------------------------------------------------------------------------- #
def _slug(value: str) -> str:
    import re

    return re.sub(r"[^0-9a-z]+", "_", value.lower()).strip("_")


def sql_query(path: Path, *, full: bool) -> str:
    share_aggs = "".join(
        f",\n  sum(amount) FILTER (amount > 0 AND {col} = '{v}') AS {prefix}{_slug(v)}"
        for col, prefix, values in (("category", "share_cat_", CATEGORIES), ("channel", "share_channel_", CHANNELS))
        for v in sorted(values, key=_slug)
    )
    share_cols = "".join(
        f",\n  CASE WHEN coalesce(gross, 0) > 0 THEN coalesce({prefix}{_slug(v)}, 0) / gross ELSE 0 END"
        f" AS {prefix}{_slug(v)}"
        for prefix, values in (("share_cat_", CATEGORIES), ("share_channel_", CHANNELS))
        for v in sorted(values, key=_slug)
    )
    full_aggs = """,
  sum(amount) FILTER (amount > 0) AS gross,
  -sum(amount) FILTER (amount < 0) AS returned,
  sum(amount) FILTER (amount > 0 AND promotion) AS promo_gross,
  sum(margin) AS margin_sum""" + share_aggs
    cust = f"""
lines AS (
  SELECT *, CAST(date AS DATE) AS day FROM read_parquet('{path}') WHERE CAST(date AS DATE) <= DATE '{CUTOFF}'
),
cust AS (
  SELECT customer_id,
  min(day) FILTER (amount > 0) AS first_purchase,
  max(day) FILTER (amount > 0) AS last_purchase,
  count(DISTINCT order_id) FILTER (amount > 0) AS n_orders,
  sum(amount) AS net{full_aggs if full else ''}
  FROM lines GROUP BY customer_id HAVING min(day) FILTER (amount > 0) IS NOT NULL
)"""
    rfm = f"""
  c.customer_id,
  DATE '{CUTOFF}' - last_purchase AS recency_days,
  n_orders AS frequency,
  net AS monetary_total,
  net / n_orders AS monetary_avg,
  DATE '{CUTOFF}' - first_purchase AS tenure_days"""
    if not full:
        return f"WITH {cust}\nSELECT {rfm}\nFROM cust c ORDER BY c.customer_id"
    cutoff_q = int(CUTOFF[:4]) * 4 + (int(CUTOFF[5:7]) - 1) // 3
    return f"""WITH {cust},
days AS (
  SELECT customer_id, day, sum(amount) AS spend, max(amount) AS top FROM lines GROUP BY customer_id, day
),
gaps AS (
  SELECT customer_id, avg(gap) AS gap_mean, stddev_pop(gap) AS gap_std FROM (
    SELECT customer_id, day - lag(day) OVER (PARTITION BY customer_id ORDER BY day) AS gap
    FROM days WHERE top > 0
  ) GROUP BY customer_id
),
quarters AS (
  SELECT customer_id, min(q) AS first_quarter, sum(spend) AS q_sum, sum(spend * spend) AS q_sumsq FROM (
    SELECT customer_id, year(day) * 4 + quarter(day) - 1 AS q, sum(spend) AS spend FROM days GROUP BY ALL
  ) GROUP BY customer_id
),
stab AS (
  SELECT customer_id, q_sum / ({cutoff_q} - first_quarter + 1) AS q_mean,
         greatest(q_sumsq / ({cutoff_q} - first_quarter + 1) - pow(q_sum / ({cutoff_q} - first_quarter + 1), 2), 0)
           AS q_var
  FROM quarters
)
SELECT {rfm},
  coalesce(gap_mean, CAST(DATE '{CUTOFF}' - first_purchase AS DOUBLE)) AS ipt_mean_days,
  coalesce(CASE WHEN gap_mean > 0 THEN gap_std / gap_mean ELSE 0 END, 0) AS ipt_cv,
  CASE WHEN q_mean > 0 THEN least(greatest(1 - sqrt(q_var) / q_mean, 0), 1) ELSE 0 END AS spend_stability,
  CASE WHEN coalesce(gross, 0) > 0 THEN coalesce(promo_gross, 0) / gross ELSE 0 END AS promo_share,
  margin_sum AS margin_total,
  CASE WHEN net > coalesce(gross, 0) * 0.001 THEN coalesce(margin_sum, 0) / net ELSE 0 END AS margin_rate,
  CASE WHEN coalesce(gross, 0) > 0 THEN coalesce(returned, 0) / gross ELSE 0 END AS return_rate{share_cols}
FROM cust c LEFT JOIN gaps USING (customer_id) LEFT JOIN stab USING (customer_id)
ORDER BY c.customer_id"""


# --------------------------------------------------------------------------- #
# Plain pandas
# --------------------------------------------------------------------------- #
def pandas_full(path: Path):
    import pandas as pd

    cutoff = pd.Timestamp(CUTOFF)
    df = pd.read_parquet(path)
    df["day"] = df["date"].dt.normalize()
    df = df[df["day"] <= cutoff]
    buy = df[df["amount"] > 0]
    by_buy = buy.groupby("customer_id")
    out = pd.DataFrame({"first": by_buy["day"].min(), "last": by_buy["day"].max()})
    out["n_orders"] = by_buy["order_id"].nunique()
    by_all = df.groupby("customer_id")
    out["net"] = by_all["amount"].sum()
    out["gross"] = by_buy["amount"].sum()
    out["returned"] = -df[df["amount"] < 0].groupby("customer_id")["amount"].sum()
    out["promo"] = buy[buy["promotion"]].groupby("customer_id")["amount"].sum()
    out["margin"] = by_all["margin"].sum()
    out = out.fillna({"returned": 0.0, "promo": 0.0})

    days = buy[["customer_id", "day"]].drop_duplicates().sort_values(["customer_id", "day"])
    gap = days["day"].diff().dt.days.where(days["customer_id"].eq(days["customer_id"].shift()))
    g = gap.groupby(days["customer_id"])
    gap_mean, gap_std = g.mean(), g.std(ddof=0)

    q = df["day"].dt.year * 4 + df["day"].dt.quarter - 1
    spend = df.groupby([df["customer_id"], q.rename("q")])["amount"].sum().reset_index()
    spend["sq"] = spend["amount"] ** 2
    per_q = spend.groupby("customer_id").agg(first_q=("q", "min"), s=("amount", "sum"), ss=("sq", "sum"))
    n_q = int(CUTOFF[:4]) * 4 + (int(CUTOFF[5:7]) - 1) // 3 - per_q["first_q"] + 1
    q_mean = per_q["s"] / n_q
    q_sd = np.sqrt((per_q["ss"] / n_q - q_mean**2).clip(lower=0))
    stability = (1 - q_sd / q_mean).clip(0, 1).where(q_mean > 0, 0.0)

    def ratio(num, den):
        return (num / den).where(den > 0, 0.0)

    tenure = (cutoff - out["first"]).dt.days
    res = pd.DataFrame(
        {
            "recency_days": (cutoff - out["last"]).dt.days,
            "frequency": out["n_orders"],
            "monetary_total": out["net"],
            "monetary_avg": out["net"] / out["n_orders"],
            "tenure_days": tenure,
            "ipt_mean_days": gap_mean.reindex(out.index).fillna(tenure.astype(float)),
            "ipt_cv": ratio(gap_std, gap_mean).reindex(out.index).fillna(0.0),
            "spend_stability": stability.reindex(out.index),
            "promo_share": ratio(out["promo"], out["gross"]),
            "margin_total": out["margin"],
            "margin_rate": (out["margin"] / out["net"]).where(out["net"] > out["gross"].fillna(0) * 0.001, 0.0),
            "return_rate": ratio(out["returned"], out["gross"]),
        }
    )
    for col, prefix in (("category", "share_cat_"), ("channel", "share_channel_")):
        wide = buy.groupby(["customer_id", col])["amount"].sum().unstack(fill_value=0.0)
        wide = wide.reindex(out.index, fill_value=0.0)
        for v in sorted(wide.columns, key=_slug):
            res[prefix + _slug(v)] = ratio(wide[v], out["gross"])
    return res.sort_index().reset_index()


# --------------------------------------------------------------------------- #
# One timed method in a child process
# --------------------------------------------------------------------------- #
def run_child(method: str, path: Path, out: Path | None) -> None:
    if method.startswith("segkit"):
        from segkit.features import compute_features

        t0 = time.perf_counter()
        df = compute_features(path, cutoff=CUTOFF, features="rfm" if method == "segkit_rfm" else "all")
    elif method.startswith("sql"):
        import duckdb

        from segkit.features import _default_memory_limit

        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bench-duckdb-") as tmp:
            con = duckdb.connect(config={"memory_limit": _default_memory_limit(), "temp_directory": tmp,
                                         "preserve_insertion_order": False})
            # through Arrow: faster than .df() here, so the floor is the fastest fetch
            df = con.sql(sql_query(path, full=method == "sql_full")).to_arrow_table().to_pandas()
            con.close()
    else:
        t0 = time.perf_counter()
        df = pandas_full(path)
    seconds = time.perf_counter() - t0
    if out is not None:
        df.to_parquet(out)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "maxrss_kb": rss_kb, "rows": len(df)}))


def time_method(method: str, path: Path, out: Path | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--path", str(path)]
    if out is not None:
        cmd += ["--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{method} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def check_agree(results: dict[str, Path]) -> None:
    import pandas as pd

    frames = {m: pd.read_parquet(p) for m, p in results.items()}
    ref = frames.pop("segkit_full")
    for m, df in frames.items():
        if m.endswith("rfm"):
            ref_part = ref[df.columns]
        else:
            ref_part = ref
        pd.testing.assert_frame_equal(df.reset_index(drop=True), ref_part, check_dtype=False, rtol=1e-7)
        print(f"  {m:12s} agrees with segkit_full on {len(df):,} customers x {df.shape[1] - 1} features")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20_000_000)
    p.add_argument("--customers", type=int, default=None, help="default: rows / 20")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "segkit-bench")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="200k rows, for a smoke run")
    p.add_argument("--pandas-max-rows", type=int, default=40_000_000,
                   help="skip pandas above this size (it holds the whole file in memory)")
    p.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    p.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        run_child(args.child, args.path, args.out)
        return
    if args.quick:
        args.rows = 200_000
    n_customers = args.customers or max(1, args.rows // 20)
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"transactions_{args.rows}_{n_customers}.parquet"
    if not path.exists():
        print(f"generating {args.rows:,} rows of {n_customers:,} customers -> {path}", flush=True)
        t0 = time.perf_counter()
        generate(path, args.rows, n_customers)
        print(f"  generated in {time.perf_counter() - t0:.1f}s ({path.stat().st_size / 2**30:.2f} GB)")
    methods = [m for m in METHODS if m != "pandas_full" or args.rows <= args.pandas_max_rows]
    if "pandas_full" not in methods:
        print(f"pandas skipped: {args.rows:,} rows > --pandas-max-rows {args.pandas_max_rows:,}")

    print("checking that all methods give the same features ...", flush=True)
    outs = {m: args.workdir / f"result_{m}.parquet" for m in methods}
    runs: dict[str, list[dict]] = {m: [time_method(m, path, outs[m])] for m in methods}
    check_agree(outs)
    for f in outs.values():
        f.unlink()
    # interleave the methods so a slow spell on the shared machine hits all of them
    for _ in range(args.repeats - 1):
        for m in methods:
            runs[m].append(time_method(m, path))

    med = {m: statistics.median(r["seconds"] for r in runs[m]) for m in methods}
    peak = {m: max(r["maxrss_kb"] for r in runs[m]) / 2**20 for m in methods}
    print(f"\n{'method':12s} {'median s':>9s} {'runs s':>24s} {'peak GB':>8s}")
    for m in methods:
        times = ", ".join(f"{r['seconds']:.2f}" for r in runs[m])
        print(f"{m:12s} {med[m]:9.2f} {times:>24s} {peak[m]:8.2f}")
    self_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    child_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(f"peak RSS: this process {self_gb:.2f} GB, largest child {child_gb:.2f} GB")
    pandas_ratio = f"{med['pandas_full'] / med['segkit_full']:.2f}" if "pandas_full" in med else "nan"
    print(
        f"features rows={args.rows} rfm_vs_sql={med['segkit_rfm'] / med['sql_rfm']:.2f} "
        f"full_vs_sql={med['segkit_full'] / med['sql_full']:.2f} pandas_vs_full={pandas_ratio} "
        f"peak_gb={max(self_gb, child_gb):.2f}"
    )


if __name__ == "__main__":
    main()
