"""Progress of a long loop in one line: what, n of N, elapsed, and an estimate of the time left.

A step reports long work through ``ctx.progress`` (a callable taking a line of text; in a notebook
the lines go to the terminal, never into the report). :class:`Progress` turns "one more of N done"
into such lines, at most one every :data:`PROGRESS_EVERY_SECONDS`, and says nothing about a loop that
ends within :data:`PROGRESS_QUIET_SECONDS`.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

__all__ = ["PROGRESS_EVERY_SECONDS", "PROGRESS_QUIET_SECONDS", "Progress", "duration"]

#: A loop that ends sooner than this (seconds) prints nothing: only work that takes a while is reported.
PROGRESS_QUIET_SECONDS = 3.0
#: At most one progress line per this many seconds.
PROGRESS_EVERY_SECONDS = 10.0


def duration(seconds: float) -> str:
    """Seconds as a person reads them.

    Examples
    --------
    >>> duration(4.2), duration(75), duration(3725)
    ('4 s', '1 min 15 s', '1 h 2 min')
    """
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


class Progress:
    """Reports ``what: n of N, elapsed ..., about ... left`` as a loop of ``total`` parts advances.

    The time left is the elapsed time per part done times the parts left: an estimate that holds
    when the parts cost about the same. When they do not (a fit with more segments takes longer),
    ``weights`` give each part's relative cost, in the order the parts are done, and the estimate
    is the elapsed time per unit of weight done times the weight left.

    Parameters
    ----------
    what : str
        What the loop does, e.g. ``"global stability (k = 2 to 8)"``.
    total : int
        Parts in the loop.
    report : callable
        Receives each line (``ctx.progress``); None reports nothing.
    every, quiet : float
        Seconds between lines, and seconds before the first one.
    weights : sequence of float, optional
        Relative cost of each part, in order (e.g. k for a fit with k segments).
    clock : callable
        Seconds since some origin (``time.perf_counter``; a test gives its own).

    Examples
    --------
    >>> t = iter([0.0, 12.0, 24.0, 24.0])
    >>> p = Progress("bootstrap pairs", 4, print, clock=lambda: next(t))
    >>> p.advance()
    bootstrap pairs: 1 of 4, elapsed 12 s, about 36 s left
    >>> p.advance(2)
    bootstrap pairs: 3 of 4, elapsed 24 s, about 8 s left
    >>> p.done()
    bootstrap pairs: 4 of 4 in 24 s
    >>> t = iter([0.0, 10.0])
    >>> Progress("fits, k = 2 to 4", 3, print, weights=[2, 3, 4], clock=lambda: next(t)).advance()
    fits, k = 2 to 4: 1 of 3, elapsed 10 s, about 35 s left
    """

    def __init__(self, what: str, total: int, report: Callable[[str], None] | None, *,
                 every: float = PROGRESS_EVERY_SECONDS, quiet: float = PROGRESS_QUIET_SECONDS,
                 weights: Sequence[float] | None = None, clock: Callable[[], float] = time.perf_counter) -> None:
        self.what, self.total, self.report = what, int(total), report
        self.every, self.quiet, self.clock = every, quiet, clock
        self.n = 0
        if weights is not None and len(weights) != self.total:
            raise ValueError(f"weights must give one cost per part ({self.total}), got {len(weights)}")
        self._cum = None if weights is None else [0.0, *itertools.accumulate(float(w) for w in weights)]
        self.t0 = clock()
        self._last: float | None = None

    def line(self, now: float) -> str:
        """The line for the current count at time ``now``."""
        elapsed = now - self.t0
        text = f"{self.what}: {self.n:,} of {self.total:,}, elapsed {duration(elapsed)}"
        if 0 < self.n < self.total:
            done, total = (self.n, self.total) if self._cum is None else (self._cum[self.n], self._cum[-1])
            if done > 0:
                text += f", about {duration(elapsed / done * (total - done))} left"
        return text

    def advance(self, n: int = 1) -> None:
        """``n`` more parts done; a line when the loop has run long enough and the last line is old enough."""
        self.n = min(self.total, self.n + int(n))
        if self.report is None or self.n >= self.total:
            return
        now = self.clock()
        if now - self.t0 < self.quiet or (self._last is not None and now - self._last < self.every):
            return
        self._last = now
        self.report(self.line(now))

    def begin(self, part: str) -> None:
        """Part ``part`` starts: ``what: part (n of N), elapsed ...``, always said (a part may be the long one).

        Examples
        --------
        >>> t = iter([0.0, 0.5, 41.0])
        >>> p = Progress("profiling", 3, print, clock=lambda: next(t))
        >>> p.begin("segment sizes and profiles")
        profiling: segment sizes and profiles (1 of 3), elapsed 0 s
        >>> p.begin("whale curve")
        profiling: whale curve (2 of 3), elapsed 41 s
        """
        self.n = min(self.total, self.n + 1)
        if self.report is not None:
            self.report(f"{self.what}: {part} ({self.n} of {self.total}), elapsed {duration(self.clock() - self.t0)}")

    def advance_as(self, part: str) -> None:
        """One more part done, named: ``what: part (n of N), elapsed ...`` (after the quiet seconds).

        Examples
        --------
        >>> t = iter([0.0, 4.0])
        >>> p = Progress("auditing transactions.csv", 5, print, every=0.0, clock=lambda: next(t))
        >>> p.advance_as("returns netted")
        auditing transactions.csv: returns netted (1 of 5), elapsed 4 s
        """
        self.n = min(self.total, self.n + 1)
        if self.report is None:
            return
        now = self.clock()
        if now - self.t0 >= self.quiet:
            self.report(f"{self.what}: {part} ({self.n} of {self.total}), elapsed {duration(now - self.t0)}")

    def done(self) -> None:
        """The closing line (only when the loop took long enough to have been reported)."""
        self.n = self.total
        if self.report is None:
            return
        elapsed = self.clock() - self.t0
        if elapsed >= self.quiet:
            self.report(f"{self.what}: {self.total:,} of {self.total:,} in {duration(elapsed)}")
