"""One colour per segment, the same in every figure of a study.

A segment keeps its colour whichever figure it appears in and whichever other
segments are shown next to it, because the colour depends on the segment
number only. Customers outside any segment ("new", "gone", "rest of base")
are drawn in neutral greys.
"""

from __future__ import annotations

from collections.abc import Iterable

import seaborn as sns

#: Neutral colours for things that are not a segment.
GREY = "#B8B8B8"
DARK_GREY = "#555555"
BASE_COLOUR = "#C0392B"  # the whole-base marker: red, as in the segment profile plots of the literature
OTHER_COLOURS = {"new": "#8C8C8C", "gone": "#D0D0D0", "rest": GREY, "base": BASE_COLOUR}

# seaborn's colour-blind-safe palette first, then tab20's lighter shades for k > 10.
_COLOURS = sns.color_palette("colorblind", 10).as_hex() + sns.color_palette("tab20", 20).as_hex()[1::2]


def segment_colour(segment: int | str) -> str:
    """The colour of one segment (or of ``"new"``, ``"gone"``, ``"rest"``, ``"base"``).

    Examples
    --------
    >>> segment_colour(1) == segment_colour(1)
    True
    """
    if isinstance(segment, str) and segment in OTHER_COLOURS:
        return OTHER_COLOURS[segment]
    # modulo keeps 0-based labels of raw estimators colourable too
    return _COLOURS[(int(segment) - 1) % len(_COLOURS)]


def segment_palette(segments: Iterable[int | str]) -> dict[int | str, str]:
    """Map segment numbers to hex colours, stable across figures.

    Parameters
    ----------
    segments : iterable of int (or "new"/"gone"/"rest"/"base")
        Segments to colour; duplicates are fine.

    Returns
    -------
    dict
        ``{segment: "#rrggbb"}``; usable as seaborn's ``palette=``.

    Examples
    --------
    >>> pal = segment_palette([3, 1, 2, 1])
    >>> sorted(pal) == [1, 2, 3]
    True
    >>> segment_palette([2])[2] == pal[2]
    True
    """
    return {s: segment_colour(s) for s in dict.fromkeys(segments)}


def segment_label(segment: int | str, name: str | None = None) -> str:
    """How a segment is named in figures: ``"2. Promotion hunters"``.

    Examples
    --------
    >>> segment_label(2, "Promotion hunters")
    '2. Promotion hunters'
    """
    if name is None or str(name) == str(segment) or name != name:  # name != name: NaN
        return str(segment)
    return f"{segment}. {name}"
