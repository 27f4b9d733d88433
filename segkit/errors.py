"""Exceptions and warnings raised by segkit.

Errors about input data name the file, the column and example rows, so a user
can find the fault without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence


class SegkitError(Exception):
    """Base class of every error segkit raises on purpose."""


class ConfigError(SegkitError, ValueError):
    """The study file has an unknown key or a bad value."""


class DataError(SegkitError, ValueError):
    """An input table cannot be used.

    Parameters
    ----------
    message : str
        What is wrong, in words.
    file : str, optional
        The input file at fault.
    column : str, optional
        The column at fault.
    rows : sequence of int, optional
        Row numbers at fault as a spreadsheet shows them (header = row 1, first
        data row = row 2); at most five are shown.
    n_rows : int, optional
        How many rows are at fault in all.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        n_rows: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.n_rows = n_rows if n_rows is not None else (len(self.rows) or None)
        parts = []
        if file:
            parts.append(f"file {file}")
        if column:
            parts.append(f"column {column!r}")
        where = ", ".join(parts)
        text = f"{where}: {message}" if where else message
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (of {self.n_rows})" if self.n_rows and self.n_rows > 5 else ""
            text += f" [rows {shown}{more}]"
        super().__init__(text)


class SegkitWarning(UserWarning):
    """Base class of segkit's warnings, so users can filter them as a family."""


class UnstableSegmentsWarning(SegkitWarning):
    """No number of segments, or some segment, is reproducible across bootstrap samples."""


class SmallSegmentWarning(SegkitWarning):
    """A segment is too small to act on or to test."""


#: ``errno`` values that mean the disk (or the user's quota) is full.
DISK_FULL_ERRNOS = (28, 122)  # ENOSPC, EDQUOT
#: What an error message starts with when the disk was full: the one wording the terminal and the manifest use.
DISK_FULL = "disk full"


def os_error_text(err: OSError) -> str:
    """One line saying what an operating-system error stopped, disk full first.

    Examples
    --------
    >>> os_error_text(OSError(28, "No space left on device", "/r/a.parquet"))
    'disk full: no space left on device while writing /r/a.parquet; free some space and run the study again'
    >>> os_error_text(PermissionError(13, "Permission denied", "/r"))
    'permission denied: /r'
    """
    where = err.filename if err.filename is not None else ""
    if err.errno in DISK_FULL_ERRNOS:
        return (f"{DISK_FULL}: no space left on device{f' while writing {where}' if where else ''}; free some space "
                "and run the study again")
    what = (err.strerror or type(err).__name__).lower()
    return f"{what}: {where}" if where else what


def mentions_disk_full(text: str) -> bool:
    """Whether an error's text (e.g. a step notebook's ``OSError: [Errno 28] ...``) says the disk was full.

    Examples
    --------
    >>> mentions_disk_full("OSError: [Errno 28] No space left on device: 'x'")
    True
    """
    return any(f"[Errno {n}]" in text for n in DISK_FULL_ERRNOS) or "No space left on device" in text
