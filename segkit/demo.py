"""Deterministic demo data with planted segments: a frozen-food maker in East China.

The bundled demo (``data/demo/``) is the case from the segmentation material: a
maker of dumplings, buns, tangyuan, wontons and frozen noodles/pasta sells 34
products through hypermarket and large-store chains; 8 products make about 76%
of sales; peak seasons (Chinese New Year, mid-autumn) come with heavy
promotions. Five behavioural segments are planted in the purchase history before
the cut-off, each with its own behaviour *after* the cut-off, so a study can be
validated on what customers did next. Four needs-based segments are planted in
the survey answers.

Real client data is messy, so by default the demo is too: a small, documented
share of rows (about 0.6% of transactions) carries the problems the data-quality
audit of step 4 exists for: returns and cancellations, double exports, free
items, missing and unknown customer ids, amount and date typos, missing
attributes and out-of-range survey codes. Every injected problem is counted in
:attr:`DemoData.injected`, under the rule of
:data:`segkit.io.quality.QUALITY_RULES` that handles it. ``messy=False`` gives
the clean data: the messiness is drawn after everything else from the same
generator, so the clean rows of both versions are the same.

Everything is drawn from one ``np.random.default_rng(seed)``: the same arguments
give identical frames and byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CHAINS",
    "DEMO_MAX_CUSTOMERS",
    "DEMO_MIN_CUSTOMERS",
    "NEEDS_SEGMENTS",
    "PRODUCTS",
    "SEGMENTS",
    "SURVEY_ITEMS",
    "INJECTED_COLUMNS",
    "DemoData",
    "NeedsSegment",
    "PlantedSegment",
    "Product",
    "generate_demo",
    "write_demo",
]


@dataclass(frozen=True)
class PlantedSegment:
    """A behavioural segment planted in the demo transactions.

    ``active_after`` is the planted probability of buying at least once after
    the cut-off; the realised share differs by sampling noise only.
    """

    id: int
    name: str
    share: float
    description: str
    future_behaviour: str
    active_after: float


@dataclass(frozen=True)
class NeedsSegment:
    """A needs-based segment planted in the survey: the items its members mostly answer yes."""

    id: int
    name: str
    description: str
    yes_items: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    """One SKU: list price in CNY, gross margin rate at list price, target share of revenue."""

    name: str
    category: str
    price: float
    margin_rate: float
    revenue_share: float


SEGMENTS: tuple[PlantedSegment, ...] = (
    PlantedSegment(
        1,
        "loyal heavy buyers",
        0.15,
        "Buy about twice a month since early 2024, large baskets (mostly 2-3 products, several packs "
        "each), rarely on promotion, last purchase within days of the cut-off.",
        "Keep buying at the same pace: about 95% active after the cut-off, by far the highest revenue.",
        0.95,
    ),
    PlantedSegment(
        2,
        "promotion hunters",
        0.25,
        "About one order a month, bunched in the promotion-heavy peak seasons; about two thirds of "
        "their spend is on promotion, often buy-one-get-one, so their margin is thin.",
        "About 80% active; buy mostly in the Chinese New Year 2026 promotions, mid revenue at low margin.",
        0.80,
    ),
    PlantedSegment(
        3,
        "lapsing former regulars",
        0.15,
        "Bought more than once a month through 2024, then stopped: last purchase 6-12 months before the cut-off.",
        "Mostly gone: about 20% buy again after the cut-off, and then only a little.",
        0.20,
    ),
    PlantedSegment(
        4,
        "occasional small buyers",
        0.30,
        "A few small, mostly one-item orders over the whole history; last purchase 1-7 months before the cut-off.",
        "About half buy again after the cut-off, one or two small orders: low revenue.",
        0.50,
    ),
    PlantedSegment(
        5,
        "new customers",
        0.15,
        "First purchase in the last 4 months before the cut-off, about one order a month so far.",
        "Grow: about 85% active after the cut-off, buying more often than before it.",
        0.85,
    ),
)

SURVEY_ITEMS: tuple[str, ...] = (
    "price_sensitive",
    "values_convenience",
    "buys_for_children",
    "tries_new_products",
    "reads_labels",
    "influenced_by_tastings",
    "prefers_premium",
    "cooks_from_scratch",
    "shops_weekly",
    "trusts_brand",
)

NEEDS_SEGMENTS: tuple[NeedsSegment, ...] = (
    NeedsSegment(
        1,
        "busy convenience seekers",
        "Want a quick meal, like to try new products and stick to a brand they trust.",
        ("values_convenience", "tries_new_products", "trusts_brand"),
    ),
    NeedsSegment(
        2,
        "bargain family shoppers",
        "Price-driven weekly shoppers feeding children; tastings in store sway them.",
        ("price_sensitive", "buys_for_children", "influenced_by_tastings", "shops_weekly"),
    ),
    NeedsSegment(
        3,
        "quality-minded parents",
        "Read labels, pay for premium products and trusted brands, buy for their children.",
        ("reads_labels", "prefers_premium", "trusts_brand", "buys_for_children"),
    ),
    NeedsSegment(
        4,
        "traditional home cooks",
        "Cook from scratch, use frozen food as a back-up, shop weekly and read labels.",
        ("cooks_from_scratch", "shops_weekly", "reads_labels"),
    ),
)

#: Hypermarket and large-store chains in East China (the ``channel`` of a transaction).
CHAINS: tuple[str, ...] = ("RT-Mart", "Lianhua", "Yonghui", "Suguo", "Walmart", "Carrefour")

# The first eight revenue shares sum to 0.76: the case's "8 of 34 products make 76% of sales".
PRODUCTS: tuple[Product, ...] = (
    Product("Pork & cabbage dumplings 1kg", "dumplings", 32.9, 0.30, 0.160),
    Product("Pork & chive dumplings 1kg", "dumplings", 32.9, 0.30, 0.125),
    Product("Three-delicacy dumplings 1kg", "dumplings", 36.9, 0.32, 0.100),
    Product("Shanghai soup dumplings 480g", "buns", 25.9, 0.34, 0.090),
    Product("Black sesame tangyuan 500g", "tangyuan", 14.9, 0.38, 0.080),
    Product("Shrimp & pork dumplings 500g", "dumplings", 29.9, 0.33, 0.075),
    Product("Pork & shepherd's purse wontons 500g", "wontons", 22.9, 0.33, 0.070),
    Product("Pork buns 6 pcs", "buns", 15.9, 0.36, 0.060),
    Product("Pork & corn dumplings 500g", "dumplings", 18.9, 0.30, 0.0200),
    Product("Beef & onion dumplings 500g", "dumplings", 26.9, 0.28, 0.0180),
    Product("Egg & chive vegetarian dumplings 500g", "dumplings", 16.9, 0.35, 0.0140),
    Product("Mini dumplings for kids 400g", "dumplings", 19.9, 0.40, 0.0140),
    Product("Pan-fried potstickers 600g", "dumplings", 24.9, 0.31, 0.0130),
    Product("Shrimp wontons 300g", "wontons", 19.9, 0.34, 0.0120),
    Product("Wonton soup cups 4x70g", "wontons", 21.9, 0.42, 0.0110),
    Product("Pan-fried pork buns 500g", "buns", 23.9, 0.33, 0.0110),
    Product("Red-bean buns 6 pcs", "buns", 12.9, 0.38, 0.0100),
    Product("Custard buns 8 pcs", "buns", 16.9, 0.40, 0.0100),
    Product("Plain mantou 10 pcs", "buns", 9.9, 0.26, 0.0090),
    Product("Peanut tangyuan 500g", "tangyuan", 13.9, 0.37, 0.0090),
    Product("Mixed-filling tangyuan 1kg", "tangyuan", 26.9, 0.36, 0.0090),
    Product("Ningbo mini tangyuan 300g", "tangyuan", 10.9, 0.39, 0.0080),
    Product("Hand-pulled noodles 1kg", "noodles & pasta", 15.9, 0.27, 0.0080),
    Product("Beef noodle soup kit 2 servings", "noodles & pasta", 27.9, 0.35, 0.0080),
    Product("Spaghetti bolognese 600g", "noodles & pasta", 29.9, 0.38, 0.0070),
    Product("Beef lasagne 500g", "noodles & pasta", 32.9, 0.40, 0.0070),
    Product("Scallion oil noodles 4 servings", "noodles & pasta", 18.9, 0.34, 0.0070),
    Product("Spring rolls 20 pcs", "snacks & dim sum", 16.9, 0.36, 0.0060),
    Product("Shrimp har gow 240g", "snacks & dim sum", 28.9, 0.41, 0.0060),
    Product("Pork siu mai 360g", "snacks & dim sum", 22.9, 0.37, 0.0060),
    Product("Scallion pancakes 10 pcs", "snacks & dim sum", 17.9, 0.35, 0.0050),
    Product("Glutinous rice siu mai 6 pcs", "snacks & dim sum", 14.9, 0.36, 0.0050),
    Product("Pork zongzi 4 pcs", "seasonal", 29.9, 0.39, 0.0040),
    Product("Eight-treasure rice 500g", "seasonal", 19.9, 0.40, 0.0030),
)


#: Columns of :attr:`DemoData.injected`; the first four match ``QualityReport.table``.
INJECTED_COLUMNS: list[str] = ["table", "rule", "column", "n_rows", "problem"]


@dataclass(frozen=True)
class DemoData:
    """The demo tables, canonical column names (see docs/architecture.md).

    Attributes
    ----------
    customers : DataFrame
        One row per customer: ``customer_id`` and attributes.
    transactions : DataFrame
        One row per order line, 2024-01-01 to 2026-03-31 by default.
    survey : DataFrame
        One row per respondent: ``satisfaction`` (1-5) and the yes/no items (0/1).
    truth : DataFrame
        The planted answer: ``segment_true``, ``segment_name_true`` and
        ``needs_segment_true`` (missing for non-respondents), for the real
        customers only. A study never reads it.
    injected : DataFrame
        The deliberate data problems, one row per audit rule and column that
        catches them (columns :data:`INJECTED_COLUMNS`): ``table``, ``rule``,
        ``column`` and ``n_rows`` as in ``QualityReport.table``, and ``problem``
        in words. Empty for clean data (``messy=False``).
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    survey: pd.DataFrame
    truth: pd.DataFrame
    injected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INJECTED_COLUMNS))


# How each planted segment buys; one row per segment, in SEGMENTS order. Days are counted
# back from the cut-off; "rate" is orders per 30 days; "promo" is the off-peak chance that a
# line is on promotion; "season" sharpens the seasonal peaks for segments that chase them.
_BEHAVIOUR = pd.DataFrame(
    {
        # Most long-standing customers bought before the history starts, so their first
        # purchase in it comes soon after its start; the others were won later, uniformly
        # between first_lo and first_hi (shares of the pre-cut-off span, counted back).
        "existing": [0.9, 0.7, 0.85, 0.6, 0.0],
        "first_lo": [0.80, 0.45, 0.75, 0.35, 0.0],
        "first_hi": [1.00, 1.00, 1.00, 1.00, 0.0],
        "new_days": [0, 0, 0, 0, 120],  # new customers: first purchase within this many days
        "recency_lo": [0, 0, 180, 35, 0],
        "recency_hi": [0, 0, 365, 210, 0],
        "recency_mean": [7.0, 25.0, 0.0, 0.0, 14.0],  # exponential recency where lo == hi
        "rate": [2.1, 0.95, 1.5, 0.12, 0.8],
        "rate_after": [2.1, 1.0, 0.35, 0.20, 2.2],
        "promo": [0.05, 0.66, 0.12, 0.08, 0.15],
        "season": [1.0, 2.0, 1.0, 1.0, 1.0],
        "lines1": [0.10, 0.30, 0.25, 0.80, 0.35],
        "lines2": [0.35, 0.45, 0.45, 0.17, 0.45],
        "qty": [1.6, 0.9, 0.9, 0.1, 0.6],  # Poisson mean of extra units per line
    }
)

# Attribute distributions by planted segment (rows follow SEGMENTS). Moderate differences only:
# the attributes should help identify a segment, not give it away.
_AGE = {"mean": [45, 58, 41, 30, 34], "sd": [8, 8, 9, 7, 7]}
_FEMALE = [0.66, 0.72, 0.55, 0.42, 0.55]
_TIERS = ("tier 1", "tier 2", "tier 3", "tier 4")
_TIER_P = [
    [0.35, 0.35, 0.20, 0.10],
    [0.15, 0.30, 0.30, 0.25],
    [0.25, 0.35, 0.25, 0.15],
    [0.32, 0.33, 0.22, 0.13],
    [0.22, 0.38, 0.26, 0.14],
]
_CITIES = {
    "tier 1": ("Shanghai",),
    "tier 2": ("Hangzhou", "Nanjing", "Suzhou", "Hefei", "Ningbo"),
    "tier 3": ("Wuxi", "Changzhou", "Nantong", "Shaoxing", "Jiaxing", "Yangzhou"),
    "tier 4": ("Huzhou", "Taizhou", "Lishui", "Zhenjiang", "Anqing"),
}
_INCOMES = ("under 5k", "5k-10k", "10k-20k", "20k and over")  # monthly household income, CNY
_INCOME_P = [
    [0.08, 0.27, 0.40, 0.25],
    [0.30, 0.42, 0.22, 0.06],
    [0.15, 0.35, 0.35, 0.15],
    [0.25, 0.40, 0.27, 0.08],
    [0.14, 0.38, 0.33, 0.15],
]
_OCCUPATIONS = ("office worker", "professional or manager", "civil servant", "self-employed",
                "factory or service worker", "retired", "student")
_OCCUPATION_P = [
    [0.32, 0.25, 0.13, 0.12, 0.10, 0.07, 0.01],
    [0.15, 0.06, 0.08, 0.10, 0.20, 0.40, 0.01],
    [0.30, 0.15, 0.10, 0.15, 0.20, 0.08, 0.02],
    [0.34, 0.12, 0.07, 0.10, 0.22, 0.03, 0.12],
    [0.38, 0.18, 0.08, 0.12, 0.16, 0.02, 0.06],
]
_HOUSEHOLDS = ("single", "couple", "family with kids", "multi-generation", "empty nest")
_HOUSEHOLD_P = [
    [0.04, 0.12, 0.52, 0.26, 0.06],
    [0.05, 0.12, 0.14, 0.29, 0.40],
    [0.15, 0.23, 0.32, 0.17, 0.13],
    [0.50, 0.24, 0.12, 0.08, 0.06],
    [0.22, 0.42, 0.26, 0.07, 0.03],
]
# Lapsing customers cluster at a chain that has been closing stores; new ones at one that is opening them.
_CHAIN_P = [
    [0.26, 0.18, 0.18, 0.14, 0.14, 0.10],
    [0.22, 0.26, 0.14, 0.20, 0.10, 0.08],
    [0.16, 0.12, 0.08, 0.10, 0.14, 0.40],
    [0.20, 0.16, 0.20, 0.14, 0.18, 0.12],
    [0.16, 0.12, 0.40, 0.12, 0.14, 0.06],
]
_OWN_CHAIN = 0.85  # share of orders placed at the customer's preferred chain

# P(needs segment | behavioural segment): related, not identical.
_NEEDS_P = [
    [0.22, 0.08, 0.55, 0.15],
    [0.10, 0.62, 0.08, 0.20],
    [0.30, 0.25, 0.20, 0.25],
    [0.50, 0.15, 0.10, 0.25],
    [0.35, 0.25, 0.30, 0.10],
]
_ITEM_YES, _ITEM_NO = 0.85, 0.15
_RESPONSE_WEIGHT = [1.4, 1.0, 0.6, 0.9, 1.1]  # loyal customers answer surveys more often
_SATISFACTION_P = [  # P(satisfaction = 1..5 | behavioural segment)
    [0.01, 0.03, 0.12, 0.44, 0.40],
    [0.04, 0.12, 0.34, 0.36, 0.14],
    [0.14, 0.30, 0.32, 0.18, 0.06],
    [0.04, 0.12, 0.40, 0.32, 0.12],
    [0.02, 0.08, 0.28, 0.42, 0.20],
]

# Promotions: a line's chance of being on promotion rises in peak seasons; the deals offered.
_DISCOUNTS = np.array([0.15, 0.25, 0.33, 0.50])  # 0.50 is buy-one-get-one
_DISCOUNT_P = np.array([0.35, 0.30, 0.15, 0.20])

_PICK_SHARPEN = 1.04

_CNY = ("2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
        "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03")
_MID_AUTUMN = ("2020-10-01", "2021-09-21", "2022-09-10", "2023-09-29", "2024-09-17", "2025-10-06",
               "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12")


#: :func:`generate_demo` builds one data set in memory, with five-digit customer ids: this many customers at most.
DEMO_MAX_IN_MEMORY = 99_999
#: :func:`write_demo` writes at least this few and at most this many customers; above
#: :data:`DEMO_MAX_IN_MEMORY` it generates them in chunks of :data:`DEMO_CHUNK_CUSTOMERS`.
DEMO_MIN_CUSTOMERS, DEMO_MAX_CUSTOMERS = 50, 1_000_000
#: Customers generated at a time above :data:`DEMO_MAX_IN_MEMORY`: about 1 GB of memory each.
DEMO_CHUNK_CUSTOMERS = 25_000
#: Order numbers of a chunk: chunk ``j``'s are ``j`` times this plus the chunk's own numbers (under 10 million).
_CHUNK_ORDER_STRIDE = 10_000_000


def _peaks(days: pd.DatetimeIndex) -> np.ndarray:
    """Festival demand on each day, 0 off-season and about 1 at the Chinese New Year peak.

    Shoppers stock up in the two weeks before the festival; Lantern Festival (tangyuan)
    and the winter solstice (dumplings) add smaller bumps.
    """
    t = days.to_numpy("datetime64[D]").astype(np.int64)[:, None].astype(float)

    def bumps(dates: tuple[str, ...] | np.ndarray, shift: int, width: float, height: float) -> np.ndarray:
        centres = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)[None, :] + shift
        return height * np.exp(-0.5 * ((t - centres) / width) ** 2).sum(axis=1)

    cny = np.asarray(_CNY, dtype="datetime64[D]")
    solstice = np.array([f"{y}-12-21" for y in range(2019, 2031)], dtype="datetime64[D]")
    return (
        bumps(_CNY, -9, 8.0, 1.0)
        + bumps(cny + 14, -2, 3.0, 0.35)
        + bumps(_MID_AUTUMN, -6, 6.0, 0.55)
        + bumps(solstice, -1, 3.0, 0.25)
    )


def _allocate(n: int, shares: np.ndarray) -> np.ndarray:
    """Split ``n`` into counts proportional to ``shares`` (largest remainder), summing to ``n``."""
    raw = n * shares / shares.sum()
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _draw_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


def _customers(rng: np.random.Generator, seg: np.ndarray) -> pd.DataFrame:
    n = len(seg)
    age = rng.normal(np.take(_AGE["mean"], seg), np.take(_AGE["sd"], seg))
    tier = _draw_rows(rng, np.asarray(_TIER_P)[seg])
    city_pick = rng.random(n)
    city = [_CITIES[_TIERS[t]][int(u * len(_CITIES[_TIERS[t]]))] for t, u in zip(tier, city_pick)]
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
            "age": np.clip(np.rint(age), 18, 85).astype(np.int64),
            "gender": np.where(rng.random(n) < np.take(_FEMALE, seg), "female", "male"),
            "city_tier": np.asarray(_TIERS)[tier],
            "city": city,
            "income_band": np.asarray(_INCOMES)[_draw_rows(rng, np.asarray(_INCOME_P)[seg])],
            "occupation": np.asarray(_OCCUPATIONS)[_draw_rows(rng, np.asarray(_OCCUPATION_P)[seg])],
            "household_type": np.asarray(_HOUSEHOLDS)[_draw_rows(rng, np.asarray(_HOUSEHOLD_P)[seg])],
            "preferred_chain": np.asarray(CHAINS)[_draw_rows(rng, np.asarray(_CHAIN_P)[seg])],
        }
    )


def _sample_days(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Day indices in ``[lo, hi]`` drawn with daily weights whose running sum is ``cum``."""
    u = cum[lo] + rng.random(len(lo)) * (cum[hi + 1] - cum[lo])
    return np.clip(np.searchsorted(cum, u, side="right") - 1, lo, hi)


def _orders(
    rng: np.random.Generator, seg: np.ndarray, n_days: int, cut: int, peak: np.ndarray
) -> pd.DataFrame:
    """Order dates (as day indices from ``start``) per customer, before and after the cut-off."""
    b = _BEHAVIOUR
    n = len(seg)
    col = {c: b[c].to_numpy()[seg] for c in b.columns}
    # Everyone buys at least once before the cut-off; the segment fixes when first and last.
    span = cut  # days from start to the cut-off
    won_back = np.rint((col["first_lo"] + rng.random(n) * (col["first_hi"] - col["first_lo"])) * span)
    existing_back = span - np.minimum(rng.exponential(30.0 / col["rate"]), 0.2 * span)
    first_back = np.where(rng.random(n) < col["existing"], existing_back, won_back)
    first_back = np.where(
        col["new_days"] > 0, rng.integers(7, np.maximum(col["new_days"], 8) + 1), np.rint(first_back)
    ).astype(np.int64)
    first_back = np.minimum(first_back, span)
    window_recency = col["recency_lo"] + rng.random(n) * (col["recency_hi"] - col["recency_lo"])
    exp_recency = rng.exponential(np.maximum(col["recency_mean"], 1e-9))
    recency = np.where(col["recency_hi"] > col["recency_lo"], window_recency, exp_recency)
    recency = np.minimum(np.rint(recency).astype(np.int64), first_back)
    # Customers differ in pace within a segment.
    pace = rng.lognormal(0.0, 0.25, n)
    active_days = first_back - recency
    n_between = rng.poisson(col["rate"] * pace * active_days / 30.0)
    n_pre = np.where(active_days > 0, 2 + n_between, 1)

    weights = [(1.0 + 2.2 * peak) ** g for g in b["season"].to_numpy()]
    cums = [np.concatenate([[0.0], np.cumsum(w)]) for w in weights]

    first_day, last_day = cut - first_back, cut - recency
    cust = np.repeat(np.arange(n), n_pre)
    k = np.arange(len(cust)) - np.repeat(np.cumsum(n_pre) - n_pre, n_pre)  # order number per customer
    day = np.where(k == 0, first_day[cust], last_day[cust])
    inner = k >= 2
    for s, cum in enumerate(cums):
        m = inner & (seg[cust] == s)
        day[m] = _sample_days(rng, cum, first_day[cust[m]], last_day[cust[m]])

    # After the cut-off: active customers buy at their post-cut-off rate, at least once.
    after_days = n_days - 1 - cut
    active = rng.random(n) < np.array([s.active_after for s in SEGMENTS])[seg]
    n_post = np.where(active, 1 + rng.poisson(col["rate_after"] * pace * after_days / 30.0), 0)
    cust_post = np.repeat(np.arange(n), n_post)
    day_post = np.empty(len(cust_post), dtype=np.int64)
    for s, cum in enumerate(cums):
        m = seg[cust_post] == s
        day_post[m] = _sample_days(rng, cum, np.full(m.sum(), cut + 1), np.full(m.sum(), n_days - 1))
    return pd.DataFrame(
        {"cust": np.concatenate([cust, cust_post]), "day": np.concatenate([day, day_post])}
    )


def _lines(
    rng: np.random.Generator,
    orders: pd.DataFrame,
    seg: np.ndarray,
    chain: np.ndarray,
    peak: np.ndarray,
) -> pd.DataFrame:
    """Expand orders into 1-3 lines with product, quantity, promotion, amount and margin."""
    b = _BEHAVIOUR
    oseg = seg[orders["cust"].to_numpy()]
    p_lines = np.column_stack([b["lines1"], b["lines2"], 1 - b["lines1"] - b["lines2"]])[oseg]
    n_lines = 1 + _draw_rows(rng, p_lines)
    # The customer's preferred chain most of the time, another chain otherwise.
    other = (chain[orders["cust"].to_numpy()] + rng.integers(1, len(CHAINS), len(orders))) % len(CHAINS)
    own = rng.random(len(orders)) < _OWN_CHAIN
    order_chain = np.where(own, chain[orders["cust"].to_numpy()], other)

    row = np.repeat(np.arange(len(orders)), n_lines)
    lseg = oseg[row]
    price = np.array([p.price for p in PRODUCTS])
    share = np.array([p.revenue_share for p in PRODUCTS])
    # Picking in proportion to share / price would give each product its revenue share;
    # drawing without replacement within an order flattens that, which the power undoes.
    pick = (share / price) ** _PICK_SHARPEN
    # An order does not list a product twice: draw without replacement (Gumbel top-k).
    keys = np.log(pick)[None, :] + rng.gumbel(size=(len(orders), len(PRODUCTS)))
    top = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    line_no = np.arange(len(row)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    product = top[row, line_no]
    qty = 1 + rng.poisson(b["qty"].to_numpy()[lseg])
    # Peak seasons bring promotions to everyone; promotion hunters take most of them.
    day = orders["day"].to_numpy()[row]
    p_promo = 1 - (1 - b["promo"].to_numpy()[lseg]) ** (0.7 + 3.0 * peak[day])
    promo = rng.random(len(row)) < p_promo
    discount = np.where(promo, _DISCOUNTS[rng.choice(len(_DISCOUNTS), size=len(row), p=_DISCOUNT_P)], 0.0)
    bogo = discount == 0.5
    qty = np.where(bogo, 2 * qty, qty)
    amount = np.round(price[product] * qty * (1 - discount), 2)
    unit_cost = price[product] * (1 - np.array([p.margin_rate for p in PRODUCTS])[product])
    margin = np.round(amount - unit_cost * qty, 2)
    return pd.DataFrame(
        {
            "row": row,
            "product": product,
            "quantity": qty.astype(np.int64),
            "amount": amount,
            "margin": margin,
            "promotion": promo,
            "channel": order_chain[row],
        }
    )


def _survey(rng: np.random.Generator, seg: np.ndarray, share: float) -> tuple[np.ndarray, pd.DataFrame]:
    """Pick respondents, plant needs segments, draw the answers. Returns (respondent index, answers)."""
    n = len(seg)
    n_resp = int(round(share * n))
    w = np.asarray(_RESPONSE_WEIGHT)[seg]
    resp = np.sort(rng.choice(n, size=n_resp, replace=False, p=w / w.sum()))
    needs = _draw_rows(rng, np.asarray(_NEEDS_P)[seg[resp]])
    profile = np.array([[item in ns.yes_items for item in SURVEY_ITEMS] for ns in NEEDS_SEGMENTS])
    p_yes = np.where(profile[needs], _ITEM_YES, _ITEM_NO)
    answers = (rng.random(p_yes.shape) < p_yes).astype(np.int64)
    satisfaction = 1 + _draw_rows(rng, np.asarray(_SATISFACTION_P)[seg[resp]])
    frame = pd.DataFrame(answers, columns=list(SURVEY_ITEMS))
    frame.insert(0, "satisfaction", satisfaction.astype(np.int64))
    return resp, frame.assign(_needs=needs + 1)


# --- messiness ------------------------------------------------------------------------------
# How much of each problem to inject: (share of the table's clean rows, at least this many).
# Shares are small (about 0.6% of transaction lines in all) so that the audit has something to
# show without changing what the data say; the floors make every problem visible in small demos.
_MESS = {
    # transactions: share of lines
    "partial_return": (0.004, 5),   # frozen food is rarely returned; mostly a pack or two of several
    "full_return": (0.001, 2),
    "unmatched_return": (0.0, 2),   # returns of purchases from before the history starts
    "duplicate_row": (0.0002, 2),   # a double export of a few lines
    "free_sample": (0.0001, 2),     # tasting packs keyed as lines with amount 0
    "sign_error": (0.00005, 1),     # amount keyed with a minus sign
    "missing_id": (0.0002, 2),      # loyalty card not scanned
    "orphan": (0.0001, 3),          # customers who joined after the customer table was exported
    "amount_typo": (0.0, 2),        # an amount x1000 (decimal point lost)
    "future_date": (0.0, 5),        # year digits swapped: 2026 -> 2062
    # customers: share of customers
    "missing_income": (0.01, 2),    # income is the attribute people most often decline to give
    "missing_occupation": (0.004, 1),
    "duplicate_customer": (0.0, 1),
    # survey: share of respondents
    "no_answer_code": (0.01, 2),    # satisfaction 9 = "no answer" in the fieldwork agency's coding
    "unknown_respondent": (0.005, 2),  # ids mistyped on paper forms (letter O for zero)
}
_RETURN_LAG_DAYS = 14  # a return comes 1 to 14 days after the purchase
_NO_ANSWER = 9
_ORPHAN_DAYS = 90  # orphans are recent: customers who signed up after the customer export
_TYPO_FACTOR = 1000
_TYPO_MIN_AMOUNT = 20.0  # x1000 of at least this is far above the outlier rule's cap


def _n_mess(kind: str, n_rows: int) -> int:
    """How many rows of problem ``kind`` to inject into a table of ``n_rows`` clean rows."""
    share, floor = _MESS[kind]
    return max(floor, int(round(share * n_rows)))


def _typo_year(ts: pd.Timestamp) -> pd.Timestamp:
    """The date with the year's last two digits swapped (2026 -> 2062), or 40 years on if that is not later."""
    y = ts.year
    swapped = y - y % 100 + (y % 10) * 10 + (y // 10) % 10
    return ts.replace(year=swapped if swapped > y else y + 40)


def _messy_transactions(
    rng: np.random.Generator,
    tx: pd.DataFrame,
    day: np.ndarray,
    *,
    start: dt.date,
    cut: int,
    last: int,
    n_customers: int,
) -> tuple[pd.DataFrame, list[dict]]:
    """Inject the transaction problems into clean ``tx`` (one row per line, in day order).

    ``day`` is each line's day index from ``start``; ``cut`` and ``last`` are the day indices
    of the cut-off and of the history's last day.

    Every problem uses its own rows, so that each is caught by exactly one audit rule
    and the counts in the returned records are exactly what the audit reports.
    """
    n = len(tx)
    cust = tx["customer_id"].to_numpy()
    prod = tx["product"].to_numpy()
    order_id = tx["order_id"].to_numpy()
    qty = tx["quantity"].to_numpy()
    amount = tx["amount"].to_numpy()
    dates = tx["date"].to_numpy()
    taken = np.zeros(n, dtype=bool)

    def pick(mask: np.ndarray, k: int) -> np.ndarray:
        cand = np.flatnonzero(mask & ~taken)
        chosen = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        taken[chosen] = True
        return chosen

    # Returns. segkit nets a return against the customer's latest earlier purchase of the
    # product in the same period (before / after the cut-off). To know exactly what it will do,
    # return only lines with no other purchase of the same customer and product from their day
    # to the return day, in the same period, one line per order and per customer-product pair.
    lag = rng.integers(1, _RETURN_LAG_DAYS + 1, n)
    ret_day = day + lag
    same_period = np.where(day <= cut, ret_day <= cut, ret_day <= last)
    by_pair = pd.DataFrame({"c": cust, "p": prod, "d": day}).groupby(["c", "p"], sort=False)["d"]
    nxt = by_pair.shift(-1).to_numpy(dtype=float)  # rows are in day order, so shift is the next purchase
    prv = by_pair.shift(1).to_numpy(dtype=float)
    clear = (np.isnan(nxt) | (nxt > ret_day)) & (prv != day)
    perm = rng.permutation(np.flatnonzero(same_period & clear))
    pair = pd.Series(cust[perm]) + "|" + pd.Series(prod[perm])
    first = (~pair.duplicated() & ~pd.Series(order_id[perm]).duplicated()).to_numpy()
    cand = perm[first]
    partial = np.sort(cand[qty[cand] >= 2][: _n_mess("partial_return", n)])
    # In drawn order (not np.setdiff1d, which sorts), so full returns spread over the whole history.
    full = np.sort(cand[~np.isin(cand, partial)][: _n_mess("full_return", n)])
    taken[partial] = taken[full] = True
    rows = np.concatenate([partial, full])
    back_qty = np.concatenate([rng.integers(1, qty[partial]), qty[full]])
    share = back_qty / qty[rows]
    returns = tx.iloc[rows].assign(
        order_id=["C" + o[1:] for o in order_id[rows]],  # cancellation of order O0001234 is C0001234
        date=(pd.Timestamp(start) + pd.to_timedelta(ret_day[rows], unit="D")).to_numpy(),
        quantity=-back_qty.astype(np.int64),
        amount=-np.round(amount[rows] * share, 2),
        margin=-np.round(tx["margin"].to_numpy()[rows] * share, 2),
    )
    returns_at = ret_day[rows]

    # A couple of returns of purchases made before the history starts: nothing to net them against.
    n_unmatched = _n_mess("unmatched_return", n)
    at = pick(day <= min(30, cut), n_unmatched)
    unmatched = []
    for j, r in enumerate(at):
        bought = set(prod[(cust == cust[r]) & (day <= day[r])])
        options = [i for i, p in enumerate(PRODUCTS) if p.name not in bought]
        p = PRODUCTS[options[int(rng.integers(len(options)))]]
        unmatched.append({
            "order_id": f"C9{j:06d}",  # numbered in the order system used before the history
            "customer_id": cust[r], "date": dates[r], "product": p.name, "category": p.category,
            "quantity": -1, "amount": -p.price, "margin": -round(p.price * p.margin_rate, 2),
            "promotion": False, "channel": tx["channel"].iat[r],
        })
    unmatched_df = pd.DataFrame(unmatched, columns=tx.columns).astype(tx.dtypes.to_dict())

    # Rows changed in place: only of customers with several purchases before the cut-off, so
    # that dropping one still leaves every real customer with features.
    pre = pd.Series(cust[day <= cut]).value_counts()
    sturdy = pd.Series(cust).map(pre).fillna(0).to_numpy() >= 4
    missing = pick(sturdy, _n_mess("missing_id", n))
    sign = pick(sturdy, _n_mess("sign_error", n))
    typo = pick(sturdy & (amount >= _TYPO_MIN_AMOUNT), _n_mess("amount_typo", n))
    # Future dates only in the outcome period, which features never see; 29 February has no swap.
    leap_day = (pd.DatetimeIndex(dates).month == 2) & (pd.DatetimeIndex(dates).day == 29)
    future = pick((day > cut) & ~leap_day, _n_mess("future_date", n))
    dup = pick(np.ones(n, dtype=bool), _n_mess("duplicate_row", n))
    sample_at = pick(np.ones(n, dtype=bool), _n_mess("free_sample", n))
    orphan_at = pick(day > last - _ORPHAN_DAYS, _n_mess("orphan", n))

    out = tx.copy()
    out.loc[missing, "customer_id"] = None
    out.loc[sign, "amount"] = -out.loc[sign, "amount"]
    out.loc[typo, "amount"] = np.round(out.loc[typo, "amount"] * _TYPO_FACTOR, 2)
    out.loc[future, "date"] = [_typo_year(pd.Timestamp(d)) for d in dates[future]]

    # A free tasting pack: an extra line of amount 0 in an existing order.
    sample_prod = rng.integers(len(PRODUCTS), size=len(sample_at))
    cost = np.array([p.price * (1 - p.margin_rate) for p in PRODUCTS])
    samples = tx.iloc[sample_at].assign(
        product=np.asarray([p.name for p in PRODUCTS])[sample_prod],
        category=np.asarray([p.category for p in PRODUCTS])[sample_prod],
        quantity=np.int64(1), amount=0.0, margin=-np.round(cost[sample_prod], 2), promotion=True,
    )
    # Orphans: recent lines of customers the customer table does not know yet, one order each.
    n_ids = max(1, len(orphan_at) // 3)
    last_order = int(max(o[1:] for o in order_id))
    orphans = tx.iloc[orphan_at].assign(
        order_id=[f"O{last_order + 1 + j:07d}" for j in range(len(orphan_at))],
        customer_id=[f"C{n_customers + 1 + j % n_ids:05d}" for j in range(len(orphan_at))],
    )

    # Extra rows go where an export would list them: after the row they copy or refer to,
    # returns after the last line of their day.
    extras = [
        (returns, np.searchsorted(day, returns_at, side="right") - 1),
        (unmatched_df, np.searchsorted(day, day[at], side="right") - 1),
        (out.iloc[dup], dup),  # double export: the same row again
        (samples, sample_at),
        (orphans, orphan_at),
    ]
    frames = [out] + [f for f, _ in extras]
    anchor = np.concatenate([np.arange(n)] + [np.asarray(a, dtype=np.int64) for _, a in extras])
    is_extra = np.concatenate([np.zeros(n, dtype=int)] + [np.ones(len(f), dtype=int) for f, _ in extras])
    seq = np.arange(len(anchor))
    messy = pd.concat(frames, ignore_index=True).iloc[np.lexsort((seq, is_extra, anchor))]
    messy = messy.reset_index(drop=True).astype(tx.dtypes.to_dict())

    n_ret = len(partial) + len(full)
    records = [
        {"table": "transactions", "rule": "return_netted", "column": "", "n_rows": n_ret,
         "problem": f"cancellation lines (order id 'C' + the order's number, negative quantity and amount) "
                    f"1-{_RETURN_LAG_DAYS} days after a purchase, same customer and product: "
                    f"{len(partial)} partial, {len(full)} full returns"},
        {"table": "transactions", "rule": "purchase_fully_returned", "column": "", "n_rows": len(full),
         "problem": "purchases cancelled in full by one of those lines"},
        {"table": "transactions", "rule": "return_unmatched", "column": "", "n_rows": len(unmatched_df),
         "problem": "returns of products bought before the history starts (order ids 'C9...')"},
        {"table": "transactions", "rule": "duplicate_row", "column": "", "n_rows": len(dup),
         "problem": "lines exported twice"},
        {"table": "transactions", "rule": "non_positive_amount", "column": "amount",
         "n_rows": len(sample_at) + len(sign),
         "problem": f"{len(sample_at)} free tasting packs (amount 0) and {len(sign)} amounts keyed "
                    "with a minus sign, neither a return"},
        {"table": "transactions", "rule": "missing_required", "column": "customer_id", "n_rows": len(missing),
         "problem": "lines without customer id (loyalty card not scanned)"},
        {"table": "transactions", "rule": "orphan_transactions", "column": "customer_id",
         "n_rows": len(orphan_at),
         "problem": f"recent lines of {min(n_ids, len(orphan_at))} customer ids missing from customers.csv "
                    "(joined after the customer export)"},
        {"table": "transactions", "rule": "outlier_capped", "column": "amount", "n_rows": len(typo),
         "problem": f"amounts typed x{_TYPO_FACTOR} (decimal point lost)"},
        {"table": "transactions", "rule": "future_date", "column": "date", "n_rows": len(future),
         "problem": "dates with the year's digits swapped (2026 -> 2062)"},
    ]
    return messy, records


def _messy_customers(rng: np.random.Generator, customers: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Blank a few optional attributes and export one customer twice."""
    n = len(customers)
    out = customers.copy()
    no_income = np.sort(rng.choice(n, size=_n_mess("missing_income", n), replace=False))
    no_occupation = np.sort(rng.choice(n, size=_n_mess("missing_occupation", n), replace=False))
    out.loc[no_income, "income_band"] = None
    out.loc[no_occupation, "occupation"] = None
    # The twin must be complete: a row with gaps would also count as missing values twice over.
    complete = np.flatnonzero(out.notna().all(axis=1).to_numpy())
    twin = np.sort(rng.choice(complete, size=_n_mess("duplicate_customer", n), replace=False))
    order = np.argsort(np.concatenate([np.arange(n), twin]), kind="stable")  # each twin after its original
    out = pd.concat([out, out.iloc[twin]], ignore_index=True).iloc[order].reset_index(drop=True)
    records = [
        {"table": "customers", "rule": "missing_optional", "column": "income_band", "n_rows": len(no_income),
         "problem": "income band not given"},
        {"table": "customers", "rule": "missing_optional", "column": "occupation", "n_rows": len(no_occupation),
         "problem": "occupation not given"},
        {"table": "customers", "rule": "duplicate_row", "column": "", "n_rows": len(twin),
         "problem": "a customer exported twice"},
    ]
    return out, records


def _messy_survey(
    rng: np.random.Generator, survey: pd.DataFrame, customer_ids: np.ndarray
) -> tuple[pd.DataFrame, list[dict]]:
    """Code a few satisfaction answers 9 ("no answer") and add answers of mistyped ids."""
    r = len(survey)
    if r == 0:
        return survey, []
    out = survey.copy()
    coded = np.sort(rng.choice(r, size=min(_n_mess("no_answer_code", r), r), replace=False))
    out.loc[coded, "satisfaction"] = _NO_ANSWER
    # A form's id typed with the letter O for a zero matches no customer; only ids with a zero
    # can be mistyped so, and only non-respondents', so each mistyped id is new and unique.
    others = np.setdiff1d(customer_ids, survey["customer_id"].to_numpy())
    others = others[np.char.find(others.astype(str), "0") >= 0]
    k = min(_n_mess("unknown_respondent", r), len(others))
    ids = np.sort(rng.choice(others, size=k, replace=False))
    # Their answers are those of real respondents (not the coded ones), as plausible as any.
    src = rng.choice(np.setdiff1d(np.arange(r), coded), size=k, replace=False)
    unknown = survey.iloc[src].assign(customer_id=[i.replace("0", "O", 1) for i in ids])
    out = pd.concat([out, unknown], ignore_index=True).astype(survey.dtypes.to_dict())
    records = [
        {"table": "survey", "rule": "satisfaction_out_of_range", "column": "satisfaction", "n_rows": len(coded),
         "problem": f"satisfaction coded {_NO_ANSWER} ('no answer') on a 1-5 scale"},
        # The audit sets those answers missing and then counts them with the missing values.
        {"table": "survey", "rule": "missing_optional", "column": "satisfaction", "n_rows": len(coded),
         "problem": f"the same {_NO_ANSWER}s, once set missing"},
        {"table": "survey", "rule": "orphan_survey", "column": "customer_id", "n_rows": k,
         "problem": "answers whose id was mistyped on the form (letter O for zero) and matches no customer"},
    ]
    return out, records


def generate_demo(
    n_customers: int = 5000,
    *,
    seed: int = 2026,
    start: str = "2024-01-01",
    cutoff: str = "2025-09-30",
    end: str = "2026-03-31",
    survey_share: float = 0.4,
    messy: bool = True,
) -> DemoData:
    """Generate the frozen-food demo data with planted segments.

    Parameters
    ----------
    n_customers : int, default 5000
        Customers to generate (at least 50, at most 99,999: :data:`DEMO_MAX_IN_MEMORY`; :func:`write_demo`
        writes more in chunks).
    seed : int, default 2026
        Seed of the one random generator used; same arguments, same data.
    start, cutoff, end : str
        ISO dates: first day of the history, the study's cut-off (segments are planted
        in the purchases up to it) and the last day (the planted future runs to it).
        The cut-off must be at least 400 days after ``start`` and 30 days before ``end``.
    survey_share : float, default 0.4
        Share of customers who answered the survey.
    messy : bool, default True
        Inject the documented data problems of ``data/demo/README.md`` (about 0.6% of
        transaction lines, 1.5% of customers, 1.5% of survey rows), counted in
        ``injected``. ``False`` gives the clean data: the same rows without the problems.

    Returns
    -------
    DemoData
        ``customers``, ``transactions``, ``survey`` and ``truth`` frames and the
        ``injected`` problems; see :data:`SEGMENTS` and :data:`NEEDS_SEGMENTS` for what
        is planted.

    Examples
    --------
    >>> demo = generate_demo(200, seed=1)
    >>> len(demo.truth), len(demo.customers)  # one customer is exported twice on purpose
    (200, 201)
    >>> sorted(demo.truth["segment_true"].unique().tolist())
    [1, 2, 3, 4, 5]
    >>> demo.injected.set_index(["table", "rule", "column"]).loc[("survey", "orphan_survey", "customer_id"), "n_rows"]
    np.int64(2)
    >>> generate_demo(200, seed=1, messy=False).injected.empty
    True
    """
    if not DEMO_MIN_CUSTOMERS <= n_customers <= DEMO_MAX_IN_MEMORY:
        raise ValueError(f"n_customers must be between {DEMO_MIN_CUSTOMERS} and {DEMO_MAX_IN_MEMORY}, got "
                         f"{n_customers} (write_demo writes up to {DEMO_MAX_CUSTOMERS:,} in chunks)")
    if not 0.0 <= survey_share <= 1.0:
        raise ValueError(f"survey_share must be between 0 and 1, got {survey_share}")
    t0, tc, t1 = (dt.date.fromisoformat(d) for d in (start, cutoff, end))
    if (tc - t0).days < 400 or (t1 - tc).days < 30:
        raise ValueError(
            "need start + 400 days <= cutoff <= end - 30 days (the planted lapsing customers "
            f"stopped up to a year before the cut-off), got start={start}, cutoff={cutoff}, end={end}"
        )
    rng = np.random.default_rng(seed)
    days = pd.date_range(t0, t1, freq="D")
    cut = (tc - t0).days
    peak = _peaks(days)

    counts = _allocate(n_customers, np.array([s.share for s in SEGMENTS]))
    seg = rng.permutation(np.repeat(np.arange(len(SEGMENTS)), counts))
    customers = _customers(rng, seg)
    chain = pd.Categorical(customers["preferred_chain"], categories=list(CHAINS)).codes.astype(np.int64)

    orders = _orders(rng, seg, len(days), cut, peak)
    # Order ids run in date order, as an order system would issue them.
    orders = orders.sort_values(["day", "cust"], kind="stable").reset_index(drop=True)
    lines = _lines(rng, orders, seg, chain, peak)
    o = orders.iloc[lines["row"].to_numpy()]
    transactions = pd.DataFrame(
        {
            "order_id": [f"O{i:07d}" for i in lines["row"].to_numpy() + 1],
            "customer_id": customers["customer_id"].to_numpy()[o["cust"].to_numpy()],
            "date": days.to_numpy()[o["day"].to_numpy()].astype("datetime64[ns]"),
            "product": np.asarray([p.name for p in PRODUCTS])[lines["product"].to_numpy()],
            "category": np.asarray([p.category for p in PRODUCTS])[lines["product"].to_numpy()],
            "quantity": lines["quantity"].to_numpy(),
            "amount": lines["amount"].to_numpy(),
            "margin": lines["margin"].to_numpy(),
            "promotion": lines["promotion"].to_numpy(),
            "channel": np.asarray(CHAINS)[lines["channel"].to_numpy()],
        }
    )

    resp, answers = _survey(rng, seg, survey_share)
    survey = answers.drop(columns="_needs")
    survey.insert(0, "customer_id", customers["customer_id"].to_numpy()[resp])
    needs = pd.array(np.full(n_customers, pd.NA), dtype="Int64")
    needs[resp] = answers["_needs"].to_numpy()
    truth = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "segment_true": (seg + 1).astype(np.int64),
            "segment_name_true": np.asarray([s.name for s in SEGMENTS])[seg],
            "needs_segment_true": needs,
        }
    )
    if not messy:
        return DemoData(customers=customers, transactions=transactions, survey=survey, truth=truth)
    # Drawn last, from the same generator, so the clean rows are those of messy=False.
    tx_day = orders["day"].to_numpy()[lines["row"].to_numpy()]
    transactions, rec_t = _messy_transactions(rng, transactions, tx_day, start=t0, cut=cut, last=len(days) - 1,
                                              n_customers=n_customers)
    customers_m, rec_c = _messy_customers(rng, customers)
    survey, rec_s = _messy_survey(rng, survey, customers["customer_id"].to_numpy())
    injected = pd.DataFrame([*rec_t, *rec_c, *rec_s], columns=INJECTED_COLUMNS).astype({"n_rows": np.int64})
    return DemoData(customers=customers_m, transactions=transactions, survey=survey, truth=truth,
                    injected=injected)


def write_demo(folder: str | Path, *, n_customers: int = 5000, progress: Callable[[str], None] | None = None,
               **kwargs: object) -> dict[str, Path]:
    """Generate the demo data and write it to ``folder``.

    Writes ``customers.csv`` (UTF-8), ``transactions.parquet``, ``survey.csv`` and
    ``ground_truth.csv`` (the planted answer, which a study never reads) and
    nothing else. The same arguments give byte-identical files.

    Up to :data:`DEMO_MAX_IN_MEMORY` customers the data are :func:`generate_demo`'s. Above, up to
    :data:`DEMO_MAX_CUSTOMERS`, they are generated :data:`DEMO_CHUNK_CUSTOMERS` at a time, so memory
    stays at that of one chunk: chunk ``j`` is :func:`generate_demo` with its own seed (from
    ``seed`` and ``j``), its customers renumbered after the earlier chunks' (ids widened to
    the digits the number needs), its order numbers offset by ``j`` times ten million, and the
    ids of its unknown customers (orphan lines) placed after all real customers. Each chunk
    carries its share of the documented problems; the transactions are in date order within
    each chunk.

    Parameters
    ----------
    folder : str or Path
        Where to write; created if missing. Existing files of these names are replaced.
    n_customers : int, default 5000
        Customers to generate, :data:`DEMO_MIN_CUSTOMERS` to :data:`DEMO_MAX_CUSTOMERS`.
    progress : callable, optional
        Receives a line per chunk written (chunked data only).
    **kwargs
        Passed to :func:`generate_demo`.

    Returns
    -------
    dict of str to Path
        The written files by table name: ``customers``, ``transactions``, ``survey``, ``truth``.

    Examples
    --------
    >>> paths = write_demo("/tmp/segkit-demo", n_customers=200)  # doctest: +SKIP
    >>> sorted(p.name for p in paths.values())  # doctest: +SKIP
    ['customers.csv', 'ground_truth.csv', 'survey.csv', 'transactions.parquet']
    """
    if not DEMO_MIN_CUSTOMERS <= n_customers <= DEMO_MAX_CUSTOMERS:
        raise ValueError(f"n_customers must be between {DEMO_MIN_CUSTOMERS} and {DEMO_MAX_CUSTOMERS:,}, "
                         f"got {n_customers:,}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "customers": folder / "customers.csv",
        "transactions": folder / "transactions.parquet",
        "survey": folder / "survey.csv",
        "truth": folder / "ground_truth.csv",
    }
    if n_customers > DEMO_MAX_IN_MEMORY:
        _write_chunks(paths, n_customers, progress=progress, **kwargs)
        return paths
    demo = generate_demo(n_customers, **kwargs)  # type: ignore[arg-type]
    csv = {"index": False, "encoding": "utf-8", "lineterminator": "\n"}
    demo.customers.to_csv(paths["customers"], **csv)
    demo.survey.to_csv(paths["survey"], **csv)
    demo.truth.to_csv(paths["truth"], **csv)
    demo.transactions.to_parquet(paths["transactions"], index=False, compression="zstd")
    return paths


def _renumber(ids: pd.Series, *, offset: int, n_chunk: int, orphan_offset: int, width: int) -> pd.Series:
    """A chunk's customer ids ``C00042`` as ids of the whole data set.

    Real customers (numbers up to ``n_chunk``) move up by ``offset``; unknown ones (higher numbers)
    go to ``orphan_offset`` onwards. An id mistyped with the letter O for a zero is renumbered as
    the id it was meant to be and mistyped again the same way.
    """
    text = ids.astype("string")
    typo = text.str.contains("O", regex=False).fillna(False)
    num = pd.to_numeric(text.str.slice(1).str.replace("O", "0", regex=False), errors="coerce").astype("Float64")
    new = num.where(num <= n_chunk, num - n_chunk + orphan_offset).where(num > n_chunk, num + offset)
    out = "C" + new.astype("Int64").astype("string").str.zfill(width)
    out = out.where(~typo, out.str.replace("0", "O", n=1, regex=False))
    return out.where(text.notna(), pd.NA).astype(ids.dtype)


def _reorder(ids: pd.Series, *, chunk: int) -> pd.Series:
    """A chunk's order ids (``O0001234``, cancellations ``C0001234``) offset by the chunk, nine digits."""
    num = pd.to_numeric(ids.str.slice(1)) + chunk * _CHUNK_ORDER_STRIDE
    return (ids.str.slice(0, 1) + num.astype("string").str.zfill(9)).astype(ids.dtype)


def _write_chunks(paths: dict[str, Path], n_customers: int, *, progress: Callable[[str], None] | None = None,
                  **kwargs: Any) -> None:
    """:func:`write_demo` above :data:`DEMO_MAX_IN_MEMORY`: one chunk of customers at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from segkit.progress import Progress

    seed = int(kwargs.pop("seed", 2026))
    n_chunks = -(-n_customers // DEMO_CHUNK_CUSTOMERS)
    sizes = _allocate(n_customers, np.ones(n_chunks))
    width = len(str(n_customers)) + 1  # room for the unknown customers' ids after the last real one
    csv = {"index": False, "encoding": "utf-8", "lineterminator": "\n"}
    writer = None
    offset = orphans = 0
    bar = Progress(f"demo: chunks of {DEMO_CHUNK_CUSTOMERS:,} customers", n_chunks, progress, quiet=0.0)
    try:
        for j, size in enumerate(sizes):
            chunk_seed = int(np.random.SeedSequence([seed, j]).generate_state(1)[0])
            demo = generate_demo(int(size), seed=chunk_seed, **kwargs)
            tx = demo.transactions
            num = pd.to_numeric(tx["customer_id"].str.slice(1), errors="coerce").astype("Float64")
            n_orphan_ids = max(0, int(num.max()) - int(size))  # unknown customers are numbered after the chunk's
            ids = {"offset": offset, "n_chunk": int(size), "orphan_offset": n_customers + orphans, "width": width}
            tx = tx.assign(customer_id=_renumber(tx["customer_id"], **ids), order_id=_reorder(tx["order_id"], chunk=j))
            tables = {"customers": demo.customers, "survey": demo.survey, "truth": demo.truth}
            for name, frame in tables.items():
                frame = frame.assign(customer_id=_renumber(frame["customer_id"], **ids))
                frame.to_csv(paths[name], mode="w" if j == 0 else "a", header=j == 0, **csv)
            table = pa.Table.from_pandas(tx, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(paths["transactions"], table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            offset += int(size)
            orphans += n_orphan_ids
            bar.advance()
    finally:
        if writer is not None:
            writer.close()
    bar.done()
