"""``segkit new``: a study file to fill in, with every key explained, and a folder for the data."""

from __future__ import annotations

import os
import re
from pathlib import Path

from segkit.config import METHODS, parse_config
from segkit.errors import SegkitError

_TEMPLATE = """\
# Study file for segkit. Paths are relative to this file. Run with: segkit run {folder}/study.yaml
name: {name}
title: "{name}: customer segmentation"

goal:
  statement: >-
    What the segmentation is for, in one or two sentences.
  horizon: long            # short (act now) or long (stable segments)
  kpi: revenue per customer in the 6 months after the cut-off
  # Each criterion becomes one row of step 7's verdict: measure, threshold, value, pass or fail.
  # Free text is read by keywords (differ ... p < x; placed/identified ... 70%; replicate ... ARI >= x;
  # beat ... past spend; lift; share/size); or name the measure: outcome_p_value (outcome: revenue_after,
  # orders_after, active_after, promo_share_after), identification_accuracy (source: early_behaviour or
  # descriptors), replication_ari, bootstrap_ari, target_lift, lift_vs_past_spend, min_segment_share.
  # What matches no measure is left to the team to judge (listed, never counted).
  success_criteria:
    - Segments differ in revenue after the cut-off (p < 0.01)
    - A new customer can be placed in a segment with at least 70% accuracy from their first months of behaviour
    - {{measure: lift_vs_past_spend, threshold: 1.0, text: "Target segments beat ranking customers by past spend"}}
  # knockout_criteria: [...]   # default: substantial, measurable, accessible, differentiable, actionable
  min_segment_share: 0.05  # knock-out: no segment smaller than this share of customers
  attractiveness:          # weighted criteria for choosing target segments
    value per customer: 3
    segment size: 2
    expected growth: 1

data:
  customers:
    path: {customers}
    columns: {{customer_id: customer_id}}   # canonical name: name in your file
  transactions:
    path: {transactions}
    columns: {{customer_id: customer_id, date: date, amount: amount, order_id: order_id}}
    # no amount column? map quantity and unit_price instead: amount = quantity x unit price
    encoding: auto         # auto detects UTF-8, UTF-8 with BOM, GB18030/GBK and Windows-1252/Latin-1
    date_format: null      # e.g. "%d/%m/%Y" when dates are ambiguous
    decimal: null          # "," for decimal commas; "." to confirm a decimal point
    # separator: ";"       # sniffed when not given; "whitespace" for space-aligned files
    # header: false        # a file without a header line: give names: [col1, col2, ...]
    # cancel_prefix: C     # an order id starting with it is a cancellation (credit note)
    # non_product: {{codes: [POST, M, D], descriptions: [POSTAGE]}}   # replaces the default non-product rule

basis: [recency_days, frequency, monetary_avg]   # what segments are formed on
descriptors: []                                  # what describes them (age, gender, ...)
# identifier_descriptors: drop   # leave out descriptors holding e-mails, phone numbers or names (default: refuse)

cutoff: 2025-06-30        # behaviour up to here forms segments; after it validates them
method: auto              # {methods}
k_range: [2, 8]
# k_range: [4, 4]         # a number of segments fixed by management: stability is still shown for k = 2..6
# segment_names: {{1: "Loyal big spenders", 2: "Deal seekers"}}   # your names, by segment number (step 5)
# item_kinds: {{disgusting: perception, price_sensitive: need}}    # behaviour | need | perception, per basis item
# language: zh              # en | zh: the language of the reports' headings, callouts and index
# currency: "¥"             # a code (CNY) or symbol, shown with every money figure, table and axis
# labels: {{recency_days: "days since last purchase", frequency: "orders"}}   # your words for the variables
n_boot: 50                # bootstrap samples for stability
n_init: 10                # random restarts per fit
seed: 2026

value:                    # the lifetime-value model of step 4 (BG/NBD purchases, Gamma-Gamma spend)
  annual_discount_rate: 0.10
  horizon_months: 12      # months ahead the lifetime value covers
  # min_history_months: 6 # accept value schemes on a shorter history than they recommend (with a warning)

# share:                  # sending the run folder to a client: exports/customers.csv holds the customer ids
#   pseudonymise: true    # replace them by keyed pseudonyms (HMAC-SHA256), stable for the same key
#   # the key: set the environment variable SEGKIT_PSEUDONYM_KEY (or pseudonym_key: here; never in the manifest)

# start:                  # re-estimate given segments instead of searching k (method kmeans or latent_class)
#   from_run: ../reports/2025-09-30/my-study-120000   # a previous run's segment centres
#   centers: data/centres.csv   # or a CSV: one row per segment, one column per basis variable, in its own units

engine:                   # where customer features are computed (steps 4 and 8)
  name: duckdb            # duckdb (embedded) or pyspark (same feature definitions, on Spark)
  # memory_limit: 8GB     # duckdb: spills to disk beyond it (default: half the RAM)
  # master: local[*]      # pyspark: Spark master URL, e.g. spark://host:7077 or yarn
  # conf: {{spark.executor.memory: 8g}}   # pyspark: extra Spark settings
"""


_SUFFIXES = (".csv", ".parquet", ".xlsx", ".csv.gz", ".txt")


def study_name(text: str) -> str:
    """A valid study name from a name or a path: its last part, with characters a name cannot hold replaced.

    Examples
    --------
    >>> study_name("/home/ana/Studies/Q3 retail")
    'Q3-retail'
    """
    base = Path(text).name or "study"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-.") or "study"
    return name if name[0].isalnum() else f"s{name}"


def _find(data: Path, table: str) -> Path | None:
    for suffix in _SUFFIXES:
        if (data / f"{table}{suffix}").is_file():
            return data / f"{table}{suffix}"
    return None


def new_study(name: str, folder: Path | None = None, *, data: Path | None = None) -> Path:
    """Write ``folder/study.yaml`` for a new study, and ``folder/data/`` for its files; never overwrite.

    Parameters
    ----------
    name : str
        The study's name, or a path (relative or absolute) whose last part names it.
    folder : path, optional
        Where to write; default: ``name`` taken as a path.
    data : path, optional
        A folder holding ``customers``, ``transactions`` (and ``survey``) files, e.g. one written by
        ``segkit demo``; the study file then points at them. Without it the study file points at
        ``data/customers.csv`` and ``data/transactions.csv`` in the new folder.

    Returns
    -------
    Path
        The study file.
    """
    folder = Path(folder if folder is not None else name)
    path = folder / "study.yaml"
    if path.exists():
        raise SegkitError(f"{path} already exists; choose another folder or name")
    paths = {"customers": "data/customers.csv", "transactions": "data/transactions.csv"}
    if data is not None:
        data = Path(data)
        if not data.is_dir():
            raise SegkitError(f"--data {data}: no such folder")
        for table in paths:
            found = _find(data, table)
            if found is None:
                raise SegkitError(f"--data {data}: no {table} file ({', '.join(table + s for s in _SUFFIXES)})")
            paths[table] = Path(os.path.relpath(found.resolve(), folder.resolve())).as_posix()
    text = _TEMPLATE.format(name=study_name(name), folder=folder, methods=" | ".join(METHODS), **paths)
    import yaml

    parse_config(yaml.safe_load(text), base_dir=folder, source=str(path))  # the scaffold itself must be valid
    folder.mkdir(parents=True, exist_ok=True)
    if data is None:
        (folder / "data").mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
