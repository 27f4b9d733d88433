"""Segment names, descriptions and front-line actions derived from segment profiles.

A data-driven segment is known only by its centre. Analysts name it by what sets
it apart from the customer base ("Frequent, big-basket, recent") and give staff
one executable action. This module does both, deterministically, from the
profile:

* numeric features: the segment mean as a z-score against the whole base,
  turned into words with a vocabulary per known feature (``recency_days`` low
  = "recent", high = "lapsed"; ...); a feature speaks when ``|z| >= 0.5``;
* yes/no items: the items whose share of "yes" is furthest above (or below)
  the base's share, at least 15 percentage points;
* categorical columns: a category over-represented by at least 20 points.

What an item *is* decides how it is read (:data:`ITEM_KINDS`; a study declares
them in ``item_kinds``): behaviour (recency, frequency, spend, promotion share)
gives actions from behaviour; a need or benefit is what a segment values and
leads the offer; a perception or attitude ("disgusting", "expensive") is a view
to address, never a need to serve. An item nobody declared and segkit does not
know is reported as what members answered, without reading a need into it.
Every action quotes the numbers it rests on.

Names are guaranteed unique within a segmentation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from segkit.i18n import join, translate

__all__ = ["FEATURE_WORDS", "ITEM_KINDS", "describe_segments", "item_kind", "segment_profile"]

#: What a basis item can be, and how segkit reads it.
ITEM_KINDS: dict[str, str] = {
    "behaviour": "what customers did (recency, frequency, spend, promotion share): actions from behaviour",
    "need": "a need or benefit sought: what the segment values, to lead the offer with",
    "perception": "a perception or attitude (e.g. 'greasy', 'expensive'): a view to address, not a need",
}

#: feature -> (word when low, word when high); None when that side says nothing useful.
FEATURE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "recency_days": ("recent", "lapsed"),
    "frequency": ("infrequent", "frequent"),
    "monetary_total": ("low-spend", "high-spend"),
    "monetary_avg": ("small-basket", "big-basket"),
    "tenure_days": ("new", "long-standing"),
    "ipt_mean_days": ("short-cycle", "long-cycle"),
    "ipt_cv": ("regular", "irregular"),
    "spend_stability": ("erratic-spend", "steady-spend"),
    "promo_share": ("full-price", "promotion-driven"),
    "margin_total": ("low-profit", "high-profit"),
    "margin_rate": ("thin-margin", "high-margin"),
    "return_rate": ("few-returns", "returns-prone"),
    "satisfaction": ("dissatisfied", "satisfied"),
}

#: What to lead with for survey items staff commonly see; others get a generic phrase.
ITEM_PHRASES: dict[str, str] = {
    "price_sensitive": "multi-buy deals and clear price advantages",
    "values_convenience": "quick, ready-in-minutes meal ideas",
    "buys_for_children": "family packs and children's favourites",
    "tries_new_products": "new products and free samples first",
    "reads_labels": "ingredients, nutrition and origin information",
    "influenced_by_tastings": "in-store tastings and demonstrations",
    "prefers_premium": "premium lines, without discounting",
    "cooks_from_scratch": "recipes and ingredients to cook with",
    "shops_weekly": "reminders timed to the weekly shop",
    "trusts_brand": "brand loyalty rewards and the brand's story",
}

def item_kind(column: str, declared: Mapping[str, str] | None = None) -> str | None:
    """The kind of a basis item: as declared, else ``behaviour`` for a customer feature segkit computes,
    ``need`` for a survey item segkit has a phrase for, else None (unknown: reported as answered).

    Examples
    --------
    >>> item_kind("recency_days"), item_kind("price_sensitive"), item_kind("greasy")
    ('behaviour', 'need', None)
    >>> item_kind("greasy", {"greasy": "perception"})
    'perception'
    """
    if declared and column in declared:
        return declared[column]
    if column in FEATURE_WORDS or column.startswith(("share_cat_", "share_channel_")):
        return "behaviour"
    if column in ITEM_PHRASES:
        return "need"
    return None


Z_THRESHOLD = 0.5  # in standard deviations of the whole base
ITEM_THRESHOLD = 0.15  # difference in share of "yes"
CATEGORY_THRESHOLD = 0.20  # difference in share of a category
_MAX_WORDS = 3


def segment_profile(X: pd.DataFrame, segment: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """Segment means of the numeric columns as z-scores against the whole base.

    Parameters
    ----------
    X : DataFrame
        Basis (prepared or raw), one row per customer.
    segment : array of int
        Segment of each row.

    Returns
    -------
    DataFrame
        Index ``segment``, one column per numeric column of ``X``.

    Examples
    --------
    >>> X = pd.DataFrame({"frequency": [1.0, 1.0, 5.0, 5.0]})
    >>> segment_profile(X, [1, 1, 2, 2])["frequency"].tolist()
    [-1.0, 1.0]
    """
    num = X.select_dtypes("number")
    sd = num.std(ddof=0).replace(0, np.nan)
    means = num.groupby(np.asarray(segment)).mean()
    z = (means - num.mean()) / sd
    z.index.name = "segment"
    return z.fillna(0.0)


def describe_segments(
    X: pd.DataFrame, segment: Sequence[int] | np.ndarray, *, kind: str | None = None,
    item_kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Name, describe and give an action to each segment from its profile.

    Parameters
    ----------
    X : DataFrame
        The basis the segments were found on, one row per customer.
    segment : array of int
        Segment number of each row.
    kind : {"numeric", "binary", "mixed"}, optional
        Basis kind; inferred when omitted (all 0/1 columns -> ``binary``).
    item_kinds : mapping of column -> kind, optional
        What each item is (:data:`ITEM_KINDS`); undeclared items get :func:`item_kind`'s default.

    Returns
    -------
    DataFrame
        One row per segment: ``segment``, ``name`` (unique), ``action`` (for
        front-line staff) and ``description`` (what sets it apart, in numbers).

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": [5, 6, 300, 310], "frequency": [9, 8, 1, 2]})
    >>> describe_segments(X, [1, 1, 2, 2])["name"].tolist()
    ['Recent, frequent', 'Lapsed, infrequent']
    """
    segment = np.asarray(segment)
    if len(segment) != len(X):
        raise ValueError(f"segment has {len(segment)} labels but X has {len(X)} rows")
    if kind is None:
        num = X.select_dtypes("number")
        binary = num.shape[1] == X.shape[1] and bool(np.isin(num.to_numpy(), (0, 1)).all())
        kind = "binary" if binary else ("numeric" if num.shape[1] == X.shape[1] else "mixed")
    segs = sorted(np.unique(segment).tolist())

    cands: dict[int, list[tuple[float, str]]] = {s: [] for s in segs}
    details: dict[int, list[tuple[float, str]]] = {s: [] for s in segs}
    flags: dict[int, dict[str, float]] = {s: {} for s in segs}
    kinds = {str(c): item_kind(str(c), item_kinds) for c in X.columns}
    shares: dict[int, dict[str, tuple[float, float]]] = {s: {} for s in segs}
    if kind == "binary":
        _binary_words(X, segment, segs, cands, details, flags, kinds, shares)
    else:
        _numeric_words(X, segment, segs, cands, details, flags, kinds)
        _categorical_words(X, segment, segs, cands, details)

    # Item names are kept verbatim (price_sensitive), so only word names are capitalised.
    names = _unique_names({s: sorted(cands[s], key=lambda t: -t[0]) for s in segs},
                          capitalise=True)
    rows = []
    for s in segs:
        top = sorted(details[s], key=lambda t: -t[0])[:4]
        desc = "Close to the average customer on every basis variable." if not top else (
            "Compared with the average customer: " + "; ".join(t for _, t in top) + "."
        )
        action = _binary_action(shares[s], kinds) if kind == "binary" else _behaviour_action(flags[s], kinds)
        rows.append({"segment": s, "name": names[s], "action": action, "description": desc})
    return pd.DataFrame(rows)


def _word_for(feature: str, z: float, kind: str | None = None) -> str | None:
    if kind == "perception":
        # quoted: a perception names what members think, never what they are
        return f"'{feature.replace('_', ' ')}'" if z > 0 else None
    if feature in FEATURE_WORDS:
        word = FEATURE_WORDS[feature][1 if z > 0 else 0]
        return translate(word) if word is not None else None
    for prefix, template in (("share_cat_", "{what}-focused"), ("share_channel_", "{what} shopper")):
        if feature.startswith(prefix):
            # Only a high share says something memorable ("dumplings-focused").
            return translate(template).format(what=feature.removeprefix(prefix)) if z > 0 else None
    return translate("high {feature}" if z > 0 else "low {feature}").format(feature=feature)


def _numeric_words(X, segment, segs, cands, details, flags, kinds) -> None:
    z = segment_profile(X, segment)
    for s in segs:
        for feature, value in z.loc[s].items():
            flags[s][feature] = float(value)
            word = _word_for(str(feature), value, kinds.get(str(feature)))
            strength = abs(value) / Z_THRESHOLD
            if word is not None:
                cands[s].append((strength, word))
            if abs(value) >= Z_THRESHOLD:
                details[s].append((strength, f"{feature} {value:+.1f} SD ({word or 'low'})"))


def _categorical_words(X, segment, segs, cands, details) -> None:
    for col in X.columns.difference(X.select_dtypes("number").columns, sort=False):
        values = X[col].astype(str)
        base = values.value_counts(normalize=True)
        for s in segs:
            shares = values[segment == s].value_counts(normalize=True)
            diff = (shares - base.reindex(shares.index)).sort_values(ascending=False)
            if len(diff) == 0:
                continue
            cat, d = diff.index[0], float(diff.iloc[0])
            strength = d / CATEGORY_THRESHOLD
            cands[s].append((strength, translate("mostly {column} {category}").format(column=col, category=cat)))
            if d >= CATEGORY_THRESHOLD:
                details[s].append((strength, f"{col} = {cat} for {shares[cat]:.0%} (base {base[cat]:.0%})"))


def _binary_words(X, segment, segs, cands, details, flags, kinds, shares) -> None:
    base = X.mean()
    by_segment = X.groupby(segment).mean()
    for s in segs:
        diff = by_segment.loc[s] - base
        for item, d in diff.items():
            flags[s][item] = float(d)
            shares[s][str(item)] = (float(by_segment.loc[s, item]), float(base[item]))
            strength = abs(d) / ITEM_THRESHOLD
            # Item names are snake_case column names; a segment name is read by people.
            label = str(item).replace("_", " ")
            if kinds.get(str(item)) == "perception":
                # quoted: the segment holds the view "greasy", it is not greasy itself
                word = f"'{label}'" if d > 0 else translate("rarely '{label}'").format(label=label)
            else:
                # "not do sports" is no English: a segment answers an item rarely, it does not negate it
                word = label if d > 0 else translate("rarely '{label}'").format(label=label)
            # A segment is named by what it says yes to; what it rejects only fills the name up.
            boost = 100.0 if d >= ITEM_THRESHOLD else 0.0
            cands[s].append((strength + boost, word))
            if abs(d) >= ITEM_THRESHOLD:
                details[s].append((strength, f"{item} {by_segment.loc[s, item]:.0%} yes (base {base[item]:.0%})"))


def _unique_names(cands: dict[int, list[tuple[float, str]]], *, capitalise: bool = True) -> dict[int, str]:
    def words(s: int, n: int) -> list[str]:
        seen: list[str] = []
        for _, w in cands[s]:
            if w not in seen:
                seen.append(w)
            if len(seen) == n:
                break
        return seen

    n_words = {s: min(_MAX_WORDS, len({w for st, w in cands[s] if st >= 1.0})) for s in cands}
    names = {}
    for _ in range(50):
        names = {s: _capitalise(join(words(s, n_words[s]), ", "), capitalise) or translate("Average profile")
                 for s in cands}
        groups: dict[str, list[int]] = {}
        for s, name in names.items():
            groups.setdefault(name, []).append(s)
        clashes = [ss for ss in groups.values() if len(ss) > 1]
        grown = False
        for ss in clashes:
            for s in ss:
                if n_words[s] < len({w for _, w in cands[s]}):
                    n_words[s] += 1
                    grown = True
        if not clashes or not grown:
            break
    # Last resort when profiles are word-for-word identical: number the twins.
    seen: dict[str, int] = {}
    for s in sorted(names):
        seen[names[s]] = seen.get(names[s], 0) + 1
        if seen[names[s]] > 1:
            names[s] = f"{names[s]} ({seen[names[s]]})"
    return names


def _capitalise(text: str, on: bool = True) -> str:
    return text[:1].upper() + text[1:] if on else text


def _behaviour_action(z: dict[str, float], kinds: Mapping[str, str | None] | None = None) -> str:
    t = Z_THRESHOLD
    kinds = kinds or {}

    def get(f: str) -> float:
        # only behaviour speaks for behaviour: a declared need or perception of the same name does not
        return z.get(f, 0.0) if kinds.get(f, "behaviour") == "behaviour" else 0.0

    valuable = get("monetary_total") > t or get("margin_total") > t or (
        get("frequency") > t and get("monetary_avg") > 0
    )
    lapsed, recent = get("recency_days") > t, get("recency_days") < -t
    new = get("tenure_days") < -t
    frequent = get("frequency") > t or get("ipt_mean_days") < -t
    big = get("monetary_avg") > t
    small = get("monetary_avg") < -t or get("monetary_total") < -t
    notes = []
    if get("margin_rate") < -t:
        notes.append(translate("Keep discounts small: their margin is already thin (margin_rate {z} SD).").format(
            z=f"{get('margin_rate'):+.1f}"))
    if get("return_rate") > t:
        notes.append(translate("Check why they return goods before sending offers (return_rate {z} SD).").format(
            z=f"{get('return_rate'):+.1f}"))

    value_cols = ("monetary_total", "margin_total", "frequency", "monetary_avg")
    used: tuple[str, ...]
    if get("satisfaction") < -t:
        main, used = ("Correct first: call them, find the complaint and fix it fast; "
                      "sell nothing more until it is resolved."), ("satisfaction",)
    elif lapsed and valuable:
        main, used = ("Win back now: contact each customer personally within two weeks, ask why they "
                      "stopped buying, and offer a personal welcome-back incentive on what they used to buy."), (
            "recency_days", *value_cols)
    elif new and not lapsed:
        main, used = ("Second-purchase nurture: welcome them, introduce the range, and send an offer valid "
                      "on their second order within 30 days."), ("tenure_days",)
    elif get("promo_share") > t:
        # Checked before VIP: a busy promotion buyer looks valuable but buys mostly at thin margin.
        main, used = ("Promotion-timed offers: reach them just before promotions and tastings with bundles "
                      "on the products they buy; avoid blanket discounts outside promotion weeks."), ("promo_share",)
    elif (frequent and big) or valuable:
        main, used = ("VIP retention: priority service, first to hear of new products, a named contact; "
                      "thank them, do not discount by default."), (*value_cols, "ipt_mean_days")
    elif lapsed:
        main, used = ("Low-cost reactivation: send one 'long time no see' coupon through the cheapest "
                      "channel; spend no sales time on them unless they respond."), ("recency_days",)
    elif frequent and not big:
        main, used = ("Grow the basket: bundles and spend-threshold offers (e.g. 10% off above a "
                      "basket value) at their regular visit."), ("frequency", "ipt_mean_days", "monetary_avg")
    elif big and not frequent:
        main, used = ("Raise frequency: coupons with short expiry that grow with each visit, "
                      "and reminders timed to their usual purchase cycle."), ("monetary_avg", "frequency")
    elif small or (not recent and get("frequency") < -t):
        main, used = ("Low priority: serve through standard channels and mass communication only."), (
            "monetary_avg", "monetary_total", "frequency", "recency_days")
    else:
        main, used = ("Maintain: standard communication; watch for customers moving to a more valuable "
                      "segment."), ()
    main = translate(main)
    numbers = [f"{f} {get(f):+.1f} SD" for f in dict.fromkeys(used) if abs(get(f)) >= t]
    # the sentence's own full stop gives way to the numbers behind it
    if numbers:
        main = translate("{main} ({numbers} from the base).").format(main=main[:-1], numbers=join(numbers, "; "))
    elif not used:
        main = translate("{main} (no behaviour variable is {t} SD or more from the base).").format(
            main=main[:-1], t=f"{t:g}")
    return join([main, *notes], " ")


def _share_text(item: str, share: tuple[float, float], verb: str = "yes") -> str:
    return f"{item}: {share[0]:.0%} {verb}, base {share[1]:.0%}"


def _binary_action(shares: dict[str, tuple[float, float]], kinds: Mapping[str, str | None]) -> str:
    diff = {k: seg - base for k, (seg, base) in shares.items()}
    highs = [k for k, d in sorted(diff.items(), key=lambda kv: -kv[1]) if d >= ITEM_THRESHOLD]
    lows = [k for k, d in sorted(diff.items(), key=lambda kv: kv[1]) if d <= -ITEM_THRESHOLD]
    if not highs and not lows:
        return ("Mainstream: no item is 15 points or more from the base; use the standard message and offer, "
                "and test which benefit moves them before spending more.")
    parts = []
    # a need, or a behaviour answered yes/no (shops weekly), leads the offer; a perception is addressed
    leads = ("need", "behaviour")
    needs_hi = [k for k in highs if kinds.get(k) in leads][:3]
    perc_hi = [k for k in highs if kinds.get(k) == "perception"][:2]
    other_hi = [k for k in highs if kinds.get(k) is None][:2]
    needs_lo = [k for k in lows if kinds.get(k) in leads][:2]
    perc_lo = [k for k in lows if kinds.get(k) == "perception"][:2]
    other_lo = [k for k in lows if kinds.get(k) is None][:2]
    if needs_hi:
        parts.append("Lead with " + "; ".join(f"{ITEM_PHRASES.get(k, 'what ' + repr(k) + ' says they value')} "
                                              f"({_share_text(k, shares[k])})" for k in needs_hi) + ".")
    if perc_hi:
        parts.append("Address the perception" + ("s " if len(perc_hi) > 1 else " ")
                     + " and ".join(f"'{k.replace('_', ' ')}' ({_share_text(k, shares[k], 'agree')})" for k in perc_hi)
                     + ": find out what drives it, speak to it in the message, and measure whether it moves.")
    if other_hi:
        parts.append("More members answer yes to " + " and ".join(f"'{k}' ({_share_text(k, shares[k])})"
                                                                  for k in other_hi)
                     + "; find out what that answer means to them before building the offer on it.")
    if needs_lo:
        parts.append("Do not lead with " + " or ".join(f"'{k}' ({_share_text(k, shares[k])})" for k in needs_lo)
                     + ": it matters less to them.")
    if perc_lo:
        parts.append("Fewer hold the perception " + " or ".join(
            f"'{k.replace('_', ' ')}' ({_share_text(k, shares[k], 'agree')})" for k in perc_lo)
            + ".")
    if other_lo:
        parts.append("Fewer answer yes to " + " or ".join(f"'{k}' ({_share_text(k, shares[k])})" for k in other_lo)
                     + ".")
    parts.append("Try the offer on part of the segment first and compare with the rest.")
    return " ".join(parts)
