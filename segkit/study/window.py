"""The study window: the cut-off and the periods before and after it.

Every boundary has one name and one meaning, stated here once:

* ``cutoff`` is the **last day of the history, included**. Transactions dated
  on the cut-off, at any time of day, belong to the history; segments are
  formed from the history only.
* ``outcome_start`` is the day after the cut-off, the **first day of the
  outcome period, included**. What customers do from then on validates the
  segments (step 7) and is never seen by the segmentation.
* ``outcome_end`` is the **last day of the outcome period, included**, or
  ``None`` for the end of the data.
* ``history_start`` is the **first day of the history, included**, or
  ``None`` for the start of the data.

Dates are compared by day. In pandas terms a timestamp ``t`` is in the history
when ``history_start <= t < outcome_start`` (both at midnight) and in the
outcome period when ``outcome_start <= t < outcome_end + 1 day``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from segkit.config import StudyConfig

__all__ = ["StudyWindow"]

_ONE_DAY = dt.timedelta(days=1)


def _as_date(value: Any, name: str) -> dt.date:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date, got {value!r}") from None
    if pd.isna(ts):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.date()


@dataclass(frozen=True)
class StudyWindow:
    """The cut-off of a study and the periods before and after it (see the module docstring).

    Parameters
    ----------
    cutoff : date
        Last day of the history (included).
    history_start : date, optional
        First day of the history (included); None: from the start of the data.
    outcome_end : date, optional
        Last day of the outcome period (included); None: to the end of the data.

    Examples
    --------
    >>> w = StudyWindow(dt.date(2025, 6, 30))
    >>> w.outcome_start
    datetime.date(2025, 7, 1)
    >>> dates = pd.Series(pd.to_datetime(["2025-06-30 23:59", "2025-07-01 00:00"]))
    >>> w.in_history(dates).tolist(), w.in_outcome(dates).tolist()
    ([True, False], [False, True])
    """

    cutoff: dt.date
    history_start: dt.date | None = None
    outcome_end: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cutoff", _as_date(self.cutoff, "cutoff"))
        if self.history_start is not None:
            object.__setattr__(self, "history_start", _as_date(self.history_start, "history_start"))
            if self.history_start > self.cutoff:
                raise ValueError(f"history_start {self.history_start} is after the cut-off {self.cutoff}")
        if self.outcome_end is not None:
            object.__setattr__(self, "outcome_end", _as_date(self.outcome_end, "outcome_end"))
            if self.outcome_end <= self.cutoff:
                raise ValueError(f"outcome_end {self.outcome_end} must be after the cut-off {self.cutoff}")

    @classmethod
    def from_config(cls, cfg: StudyConfig) -> StudyWindow | None:
        """The window of a study file; None for a study without a cut-off (a survey study)."""
        return None if cfg.cutoff is None else cls(cfg.cutoff)

    @property
    def outcome_start(self) -> dt.date:
        """First day of the outcome period (included): the day after the cut-off."""
        return self.cutoff + _ONE_DAY

    @property
    def history_end(self) -> pd.Timestamp:
        """The first instant *after* the history (midnight of :attr:`outcome_start`), for ``<`` comparisons."""
        return pd.Timestamp(self.outcome_start)

    def in_history(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of timestamps in the history (on or before the cut-off day)."""
        mask = dates < self.history_end
        if self.history_start is not None:
            mask &= dates >= pd.Timestamp(self.history_start)
        return mask

    def in_outcome(self, dates: pd.Series) -> pd.Series:
        """Boolean mask of timestamps in the outcome period (from :attr:`outcome_start` on)."""
        mask = dates >= self.history_end
        if self.outcome_end is not None:
            mask &= dates < pd.Timestamp(self.outcome_end + _ONE_DAY)
        return mask

    def months_before(self, first: Any) -> float:
        """Months of history from the day ``first`` up to the cut-off (included), 0 if ``first`` is later."""
        days = (self.outcome_start - _as_date(first, "first")).days
        return max(days, 0) / (365.25 / 12)

    def months_after(self, last: Any) -> float:
        """Months of outcome period from :attr:`outcome_start` to the day ``last`` (included)."""
        days = (_as_date(last, "last") - self.cutoff).days
        return max(days, 0) / (365.25 / 12)

    def shifted(self, months: int) -> StudyWindow:
        """The same window ``months`` calendar months earlier (negative: later).

        Every boundary moves by the same calendar offset, so a window with a
        ``history_start`` keeps (nearly) its length. A boundary on the last day
        of a month stays on the last day of a month.

        Examples
        --------
        >>> StudyWindow(dt.date(2025, 9, 30)).shifted(6).cutoff
        datetime.date(2025, 3, 31)
        >>> StudyWindow(dt.date(2025, 9, 15)).shifted(6).cutoff
        datetime.date(2025, 3, 15)
        """
        def move(d: dt.date | None) -> dt.date | None:
            if d is None:
                return None
            ts = pd.Timestamp(d)
            moved = ts - pd.DateOffset(months=months)
            if ts.is_month_end:
                moved = moved + pd.offsets.MonthEnd(0)
            return moved.date()

        return StudyWindow(move(self.cutoff), history_start=move(self.history_start),  # type: ignore[arg-type]
                           outcome_end=move(self.outcome_end))

    def describe(self) -> str:
        """The window in words, for reports."""
        start = f"from {self.history_start} " if self.history_start else ""
        end = f"to {self.outcome_end}" if self.outcome_end else "to the end of the data"
        return (f"history {start}up to and including {self.cutoff}; outcome period from {self.outcome_start} "
                f"{end}")
