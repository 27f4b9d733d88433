"""Read one input table (CSV, Excel, Parquet) into a DataFrame with canonical names.

Row numbers
-----------
Every table read here is indexed by its **spreadsheet row number**: the header is
row 1, so the first data row is row 2, exactly as Excel shows it and as a CSV
file's line number when no field spans several lines. Parquet files use the
same numbering (data row *i*, counted from 1, is row *i* + 1). Every message and
report in :mod:`segkit.io` uses this convention.

Files are opened read-only and never written to.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from segkit.config import WHITESPACE
from segkit.errors import DataError

#: Encodings tried, in order, when ``encoding="auto"``. GB18030 is a superset of GBK and GB2312;
#: Windows-1252 is Latin-1 with printable characters where Latin-1 has control codes.
AUTO_ENCODINGS = ("utf-8", "gb18030", "cp1252")
#: Field separators considered when none is given; "whitespace" is runs of spaces or tabs.
SEPARATORS = (",", ";", "\t", "|", WHITESPACE)
#: Lines read to sniff the separator and check the format before the whole file is read.
SNIFF_LINES = 200
#: Date formats tried, in order, when no ``date_format`` is given.
DATE_FORMATS = (
    "ISO8601",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%d-%m-%Y",
    "%Y.%m.%d",
    "%Y年%m月%d日",
)
#: Canonical columns holding numbers; their text is normalised (decimal mark, currency) before typing.
NUMERIC_COLUMNS = ("amount", "quantity", "unit_price", "margin", "satisfaction")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".dat"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_TRUE = {"1", "true", "t", "yes", "y", "是", "1.0"}
_FALSE = {"0", "false", "f", "no", "n", "否", "0.0"}


def row_numbers(n: int, *, header: bool = True) -> pd.RangeIndex:
    """Spreadsheet row numbers of ``n`` data rows (header = row 1; without a header the first row is 1).

    Examples
    --------
    >>> list(row_numbers(3))
    [2, 3, 4]
    """
    start = 2 if header else 1
    return pd.RangeIndex(start, n + start, name="row")


def read_table(
    path: Path | str,
    *,
    encoding: str = "auto",
    sheet: str | int | None = None,
    separator: str | None = None,
    decimal: str | None = None,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    header: bool = True,
    names: list[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet table and give its columns canonical names.

    Parameters
    ----------
    path : path-like
        The file; its suffix chooses the reader (.csv/.txt/.tsv/.dat, .xlsx/.xlsm, .parquet/.pq),
        optionally compressed (``.csv.gz``, or a ``.zip`` holding one such file).
    encoding : str
        ``"auto"`` tries UTF-8 (with or without BOM), then GB18030 (covers GBK) when the text
        reads as Chinese, then Windows-1252 (Latin-1) when it reads as Western text; the
        encoding found is reported in ``df.attrs["format"]``. Any Python codec name is used as given.
    sheet : str or int, optional
        Excel sheet name or 0-based index; required when the workbook has several sheets.
    separator : str, optional
        CSV field separator (one character, or ``"whitespace"`` for runs of spaces and tabs);
        ``None`` sniffs it from the first lines: the candidate that splits them into the same
        number of fields, more than one.
    decimal : {".", ",", None}
        Decimal mark of numbers stored as text. Thousands separators and currency
        signs are removed; ``(12.50)`` is read as -12.50. ``None`` (not said)
        reads "." but stops where a ``;``-separated file has numbers such as
        ``131,600`` and no decimal point anywhere: 131.6 or 131600?
    columns : mapping, optional
        Canonical name -> name in the file; only names that differ need listing.
    date_format : str, optional
        strptime format of the ``date`` column; ``None`` detects it (see :func:`parse_dates`).
    header : bool
        Whether the first line names the columns; without a header ``names`` gives them.
    names : list of str, optional
        The column names of a file without a header line, in order.

    Returns
    -------
    DataFrame
        Indexed by spreadsheet row number (header = row 1; a file without a header starts at
        row 1). Fully blank rows are
        dropped and counted in ``df.attrs["n_blank_rows"]`` (the first five in ``"blank_rows"``). ``customer_id`` is
        text, ``date`` (if present) is datetime64[ns], other columns whose every
        value is a number are numeric. Canonical numeric columns keep the
        normalised text so that validation can name rows that are not numbers.
        ``df.attrs`` also holds ``file``, ``source_names`` (canonical -> file name)
        ``date_formats`` (format -> rows parsed with it), ``mixed_date_rows`` (the
        first five rows not in the most common format) and ``format`` (how the file was
        read: reader, compression, encoding, separator, header, and which were detected).

    Raises
    ------
    DataError
        Empty file, header only, undecodable bytes, a separator that does not split the first
        lines, several sheets and none chosen, duplicated header names, a mapped column the
        file lacks, dates that cannot be parsed or mix day-first and month-first, numbers whose
        decimal mark is ambiguous.

    Examples
    --------
    >>> df = read_table("sales.csv", columns={"customer_id": "Kunde"})  # doctest: +SKIP
    >>> df.index[0]  # doctest: +SKIP
    2
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    if path.stat().st_size == 0:
        raise DataError("the file is empty (0 bytes)", file=name)
    kind, compression = file_kind(path)
    sep = None
    fmt: dict[str, object] = {"reader": kind, "compression": compression, "header": header}
    if kind == "csv":
        raw, sep, how = _read_csv(path, encoding=encoding, separator=separator, header=header, names=names)
        fmt.update(how)
    elif kind == "excel":
        raw = _read_excel(path, sheet=sheet, header=header, names=names)
        fmt["reader"] = "excel (calamine)"
    elif kind == "parquet":
        raw = _read_parquet(path, compression, name)
    elif kind == "xls":
        raise DataError("old .xls workbooks are not supported; save the sheet as .xlsx or .csv", file=name)
    else:
        raise DataError(f"unknown file type {kind!r}; use .csv (or .csv.gz, .zip), .xlsx or .parquet", file=name)

    raw.columns = [str(c).strip() for c in raw.columns]
    dupes = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
    if dupes:
        raise DataError(f"the header names these columns more than once: {dupes}", file=name)
    if len(raw) == 0:
        raise DataError(f"the file has a header but no data rows (columns: {list(raw.columns)})", file=name)
    raw.index = row_numbers(len(raw), header=header)
    blank = raw.isna().all(axis=1)
    text_cols = [c for c in raw.columns if not pd.api.types.is_numeric_dtype(raw[c])]
    if text_cols and len(text_cols) == raw.shape[1]:
        blank |= raw[text_cols].astype("string").apply(lambda s: s.str.strip().eq("")).all(axis=1)
    n_blank = int(blank.sum())
    raw = raw.loc[~blank]
    if len(raw) == 0:
        raise DataError("the file has a header but no data rows (only blank lines)", file=name)

    df = _apply_mapping(raw, columns or {}, file=name)
    # Mapped names are kept even when absent from the file, so messages can say what was looked for.
    source_names = {**{c: c for c in df.columns}, **dict(columns or {})}
    # attrs are deep-copied by every pandas operation: keep them small (counts, at most 5 rows).
    df.attrs = {"file": name, "source_names": source_names, "n_blank_rows": n_blank,
                "blank_rows": [int(r) for r in blank.index[blank][:5]], "date_formats": {}, "mixed_date_rows": [],
                "format": fmt}
    if "customer_id" in df.columns:
        df["customer_id"] = normalise_ids(df["customer_id"])
    for col in df.columns:
        if col in ("customer_id", "date"):
            continue
        if col in NUMERIC_COLUMNS:
            if not pd.api.types.is_numeric_dtype(df[col]):
                if decimal is None and sep == ";":
                    _check_decimal_mark(df[col], file=name, column=source_names.get(col, col))
                df[col] = _normalise_number_text(df[col], decimal or ".")
        elif df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = _infer_numeric(df[col], decimal or ".")
    if "date" in df.columns:
        parsed, formats = parse_dates(df["date"], date_format=date_format, file=name,
                                      column=source_names["date"])
        df["date"] = parsed
        df.attrs["date_formats"] = {f: len(rows) for f, rows in formats.items()}
        if formats:
            fmt["date_format"] = max(formats, key=lambda f: len(formats[f]))
            fmt["date_format_detected"] = date_format is None
        if len(formats) > 1:
            main = max(formats, key=lambda f: len(formats[f]))
            df.attrs["mixed_date_rows"] = sorted(r for f, rows in formats.items() if f != main for r in rows)[:5]
    return df


def _read_parquet(path: Path, compression: str | None, name: str) -> pd.DataFrame:
    import pyarrow as pa

    try:
        return pd.read_parquet(io.BytesIO(read_bytes(path))) if compression else pd.read_parquet(path)
    except (pa.ArrowException, OSError, ValueError) as err:
        # a damaged or mislabelled file: the reader's own words, cut (they can quote the file's bytes)
        raise DataError(f"cannot read the file as Parquet: {str(err)[:300]}", file=name) from None


def file_kind(path: Path) -> tuple[str, str | None]:
    """The reader a file needs (``csv``, ``excel``, ``parquet``, ``xls`` or its suffix) and its compression.

    A ``.zip`` is judged by the one file inside it.

    Examples
    --------
    >>> file_kind(Path("sales.csv.gz"))
    ('csv', 'gzip')
    """
    name = path.name.lower()
    compression = None
    if name.endswith(".gz"):
        compression, name = "gzip", name[:-3]
    elif name.endswith(".zip"):
        compression = "zip"
        name = _zip_member(path).lower() if path.is_file() else name[:-4]
    suffix = Path(name).suffix
    if suffix in _CSV_SUFFIXES:
        return "csv", compression
    if suffix in _EXCEL_SUFFIXES:
        return "excel", compression
    if suffix in _PARQUET_SUFFIXES:
        return "parquet", compression
    if suffix == ".xls":
        return "xls", compression
    return suffix or name, compression


def _zip_member(path: Path) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if not m.endswith("/") and not m.startswith("__MACOSX")]
    except zipfile.BadZipFile:
        raise DataError("the file ends in .zip but is not a zip archive", file=path.name) from None
    if len(members) != 1:
        raise DataError(f"a .zip must hold exactly one data file; this one holds {len(members)}: {members[:10]}",
                        file=path.name)
    return members[0]


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, uncompressed (``.gz``, or the one file in a ``.zip``); at most ``limit`` of them."""
    import gzip
    import zipfile

    _, compression = file_kind(path)
    if compression == "gzip":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read(limit) if limit else fh.read()
        except (OSError, EOFError) as err:
            raise DataError(f"the file ends in .gz but cannot be uncompressed: {err}", file=path.name) from None
    if compression == "zip":
        with zipfile.ZipFile(path) as zf, zf.open(_zip_member(path)) as fh:
            return fh.read(limit) if limit else fh.read()
    with open(path, "rb") as fh:
        return fh.read(limit) if limit else fh.read()


def _apply_mapping(raw: pd.DataFrame, mapping: Mapping[str, str], *, file: str) -> pd.DataFrame:
    present = list(raw.columns)
    absent = {canonical: name for canonical, name in mapping.items() if name not in raw.columns}
    if absent:
        canonical, name = next(iter(absent.items()))
        close = suggest(name, [c for c in present if c not in mapping.values()])
        hint = f"; did you mean {close!r}?" if close else "."
        raise DataError(
            f"the study reads {canonical!r} from column {name!r}, but the file has no column {name!r}{hint} "
            f"Columns in the file: {present}", file=file, column=name,
        )
    rename = {name: canonical for canonical, name in mapping.items() if name != canonical}
    clashes = sorted(set(rename.values()) & (set(present) - set(rename)))
    if clashes:
        source = next(name for name, canonical in rename.items() if canonical == clashes[0])
        raise DataError(
            f"the study reads column {source!r} as {clashes[0]!r}, but the file also has a column "
            f"{clashes[0]!r}: two columns cannot both be {clashes[0]!r}; fix the study's columns mapping",
            file=file, column=source,
        )
    return raw.rename(columns=rename)


# --- decoding ------------------------------------------------------------------------------------

def decode_bytes(data: bytes, *, encoding: str = "auto", file: str = "") -> tuple[str, str]:
    """Decode a file's bytes; return the text and the encoding used.

    With ``encoding="auto"``: UTF-8 (a BOM is dropped); else GB18030 when the text
    reads as Chinese (mostly common GB2312 characters); else Windows-1252 when it
    reads as Western text (accented letters inside words, currency signs before
    numbers). Anything else stops with the byte offset and line of each failure.

    Examples
    --------
    >>> decode_bytes("客户".encode("gbk"))
    ('客户', 'gb18030')
    >>> decode_bytes("Zürich".encode("latin-1"))
    ('Zürich', 'cp1252')
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        tried = ["utf-16"]
    elif encoding == "auto":
        tried = list(AUTO_ENCODINGS)
    else:
        try:
            tried = [codecs.lookup(encoding).name]
        except LookupError:
            raise DataError(f"unknown encoding {encoding!r}", file=file) from None
    failures = []
    gb_doubt = None
    for enc in tried:
        codec = "utf-8-sig" if enc == "utf-8" else enc
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            bad = data[err.start : err.start + 4].hex(" ")
            failures.append(f"{enc} fails at byte offset {err.start} (line {line}, bytes {bad})")
            continue
        if encoding == "auto" and enc == "gb18030":
            gb_doubt = _doubt_chinese(text, data)
            if gb_doubt:
                failures.append(f"gb18030 gives rare characters ({gb_doubt})")
                continue
        if encoding == "auto" and enc == "cp1252":
            doubt = _doubt_western(text)
            if doubt:
                failures.append(f"cp1252 gives unlikely characters ({doubt})")
                continue
        return text, enc
    hint = "" if encoding != "auto" else "; save the file as UTF-8 or give its encoding in the study"
    if encoding != "auto" and tried[0] != "utf-8" and _decodes(data, "utf-8-sig"):
        hint = "; it decodes as UTF-8: set encoding: utf-8 (or auto)"
    elif encoding != "auto" and "gb" not in tried[0] and _decodes(data, "gb18030"):
        hint = "; it decodes as GB18030: set encoding: gb18030"
    raise DataError(f"cannot decode the file: {'; '.join(failures)}{hint}", file=file)


#: Below this share of GB2312 characters among the non-ASCII ones, GB18030 is a guess, not a reading.
_MIN_GB2312_SHARE = 0.8
#: Below this share of plausible non-ASCII characters, Windows-1252 is a guess, not a reading.
_MIN_WESTERN_SHARE = 0.8
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_CURRENCY = "€£¥$¢"


def _doubt_chinese(text: str, data: bytes) -> str | None:
    """Why bytes that are not UTF-8 do not read as Chinese (GB18030), or None when they do.

    GB18030 decodes almost any byte string, so a Western file (Latin-1, Windows-1252)
    "decodes" too: ``Zürich`` becomes ``Z黵ich``. Chinese text is mostly made of the
    6,763 common characters of GB2312; a Western file read as GB18030 is mostly not.
    """
    wide = Counter(_NON_ASCII.findall(text))
    n_wide = sum(wide.values())
    common = sum(n for c, n in wide.items() if _in_gb2312(c))
    if not n_wide or common / n_wide >= _MIN_GB2312_SHARE:
        return None
    rare = next(m.start() for m in _NON_ASCII.finditer(text) if not _in_gb2312(m.group()))
    line_no = text[:rare].count("\n") + 1
    line = text.splitlines()[line_no - 1].strip()[:60]
    return f"{line!r} on line {line_no}"


def _doubt_western(text: str) -> str | None:
    """Why text decoded as Windows-1252 does not read as Western text, or None when it does.

    In Western text a non-ASCII character is a letter inside a word (``Zürich``) or a
    currency sign before a number (``£10``); bytes of another encoding read as
    Windows-1252 give runs of symbols next to digits or punctuation.
    """
    runs = list(_NON_ASCII_RUN.finditer(text))
    if not runs:
        return None

    def plausible(m: re.Match) -> bool:
        run, before, after = m.group(), text[m.start() - 1: m.start()], text[m.end(): m.end() + 1]
        if run in _CURRENCY or (len(run) == 1 and run in "°§©®µ×÷±·«»–—‘’“”…"):
            return True
        return len(run) <= 2 and run.isalpha() and (before.isalpha() or after.isalpha())

    good = sum(plausible(m) for m in runs)
    if good / len(runs) >= _MIN_WESTERN_SHARE:
        return None
    bad = next(m for m in runs if not plausible(m))
    line_no = text[: bad.start()].count("\n") + 1
    line = text.splitlines()[line_no - 1].strip()[:60]
    return f"{line!r} on line {line_no}"


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _decodes(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
    except UnicodeDecodeError:
        return False
    return True


def _separator_name(sep: str) -> str:
    return {"\t": "tab", WHITESPACE: "whitespace", " ": "space"}.get(sep, repr(sep))


def _split(line: str, sep: str) -> list[str]:
    if sep == WHITESPACE:
        return line.split()
    return next(csv.reader([line], delimiter=sep))


def sniff_separator(lines: list[str]) -> str | None:
    """The separator that splits ``lines`` into the same number of fields (more than one), or None.

    Among the candidates of :data:`SEPARATORS`, the one whose field count is the same on
    the most lines wins; then the one giving more fields; one character before whitespace.

    Examples
    --------
    >>> sniff_separator(["id  date        amount", "A   2024-01-02  3.5"])
    'whitespace'
    >>> sniff_separator(["id;name;amount", "1;Smith, J;2,5"])
    ';'
    """
    best, best_key = None, (0.0, 0)
    for sep in SEPARATORS:
        try:
            counts = [len(_split(line, sep)) for line in lines]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        share = sum(c == counts[0] for c in counts) / len(counts)
        key = (share, counts[0])
        if key > best_key:
            best, best_key = sep, key
    return best


def _check_separator(lines: list[str], sep: str, *, given: bool, file: str) -> None:
    """Stop when the separator does not split the first lines into the same number of fields."""
    counts = [len(_split(line, sep)) for line in lines]
    shown = " | ".join(repr(line[:80]) for line in lines[:3])
    if given and counts[0] < 2:
        other = sniff_separator(lines)
        hint = f"; they look {_separator_name(other)}-separated" if other else ""
        raise DataError(f"the study gives separator {_separator_name(sep)}, but it does not split the first lines "
                        f"into columns{hint}. First lines: {shown}", file=file)
    if not given and counts[0] < 2:
        return  # one column: a file of ids only, or no separator at all; the columns check says which
    bad = next((i for i, c in enumerate(counts) if c != counts[0]), None)
    if bad is not None and sum(c != counts[0] for c in counts) > max(1, len(counts) // 20):
        raise DataError(f"with separator {_separator_name(sep)} the header has {counts[0]} fields but line "
                        f"{bad + 1} has {counts[bad]} ({lines[bad][:80]!r}): a wrong separator, or values holding "
                        f"the separator without quotes. First lines: {shown}", file=file)


def _first_lines(text: str, n: int = SNIFF_LINES) -> list[str]:
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) >= n:
                break
    return lines


def _read_csv(path: Path, *, encoding: str, separator: str | None, header: bool = True,
              names: list[str] | None = None) -> tuple[pd.DataFrame, str, dict[str, object]]:
    text, used = decode_bytes(read_bytes(path), encoding=encoding, file=path.name)
    if not text.strip():
        raise DataError("the file is empty (no header, only blank space)", file=path.name)
    lines = _first_lines(text)
    sep = separator or sniff_separator(lines) or ","
    _check_separator(lines, sep, given=separator is not None, file=path.name)
    first = lines[0]
    if header:
        fields = [h.strip() for h in _split(first, sep)]
        dupes = sorted({h for h in fields if fields.count(h) > 1})
        if dupes:
            raise DataError(f"the header names these columns more than once: {dupes}", file=path.name)
    else:
        n_fields = len(_split(first, sep))
        if names is not None and len(names) != n_fields:
            raise DataError(f"the study names {len(names)} columns ({names}) but the first line has {n_fields} "
                            f"fields: {first[:80]!r}", file=path.name)
    leading_blank = text[: text.index(first)].count("\n")
    how: dict[str, object] = {"encoding": used, "encoding_detected": encoding == "auto",
                              "separator": sep, "separator_detected": separator is None}
    try:
        # Blank lines are kept (and dropped later) so that row numbers stay line numbers.
        df = pd.read_csv(io.StringIO(text), sep=r"\s+" if sep == WHITESPACE else sep, dtype=str,
                         skip_blank_lines=False, skiprows=leading_blank, keep_default_na=True,
                         header=0 if header else None, names=None if header else names, engine="c")
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"cannot parse as CSV with separator {_separator_name(sep)}: {err}", file=path.name) from None
    return df, sep, how


def check_format(path: Path | str, *, encoding: str = "auto", separator: str | None = None,
                 header: bool = True, names: list[str] | None = None, date_column: str | None = None,
                 date_format: str | None = None) -> dict[str, object]:
    """Check encoding, separator and date format on the first lines of a CSV file, before it is read.

    Returns what was found (``encoding``, ``separator``, ``columns``, the first line) and
    stops with what was seen when a given encoding, separator or date format does not fit.
    Other files (Excel, Parquet) are read by their own reader and return ``{}``.

    Examples
    --------
    >>> check_format("sales.csv")["separator"]  # doctest: +SKIP
    ','
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0 or file_kind(path)[0] != "csv":
        return {}
    data = read_bytes(path, limit=1 << 16)
    # the sample may end inside a character or line: keep whole lines only
    cut = data.rfind(b"\n")
    sample = data[: cut + 1] if 0 < cut < len(data) - 1 else data
    text, used = decode_bytes(sample, encoding=encoding, file=path.name)
    lines = _first_lines(text)
    if not lines:
        return {}
    sep = separator or sniff_separator(lines) or ","
    _check_separator(lines, sep, given=separator is not None, file=path.name)
    cols = [h.strip() for h in _split(lines[0], sep)] if header else list(names or [])
    body = lines[1:] if header else lines
    if date_column and date_format and date_column in cols and body:
        i = cols.index(date_column)
        values = [_split(line, sep)[i].strip() for line in body[:50] if len(_split(line, sep)) > i]
        parsed = pd.to_datetime(pd.Series(values), format=date_format, errors="coerce")
        if values and parsed.isna().all():
            raise DataError(f"the study gives date_format {date_format!r}, but no date of the first rows fits it "
                            f"(first values: {values[:3]}); fix date_format or leave it out to detect it",
                            file=path.name, column=date_column)
    return {"encoding": used, "separator": sep, "columns": cols, "first_line": lines[0][:120]}


def _read_excel(path: Path, *, sheet: str | int | None, header: bool = True,
                names: list[str] | None = None) -> pd.DataFrame:
    names_in_book = excel_sheets(path)
    if sheet is None:
        if len(names_in_book) > 1:
            raise DataError(f"the workbook has {len(names_in_book)} sheets {names_in_book}; choose one with 'sheet'",
                            file=path.name)
        sheet = 0
    if isinstance(sheet, int) and not 0 <= sheet < len(names_in_book):
        raise DataError(f"sheet index {sheet} does not exist; sheets are {names_in_book} (index from 0)",
                        file=path.name)
    if isinstance(sheet, str) and sheet not in names_in_book:
        raise DataError(f"sheet {sheet!r} does not exist; sheets are {names_in_book}", file=path.name)
    # calamine reads a year of a retailer's invoice lines in seconds where openpyxl takes minutes
    df = pd.read_excel(io.BytesIO(read_bytes(path)), sheet_name=sheet, dtype=object, engine="calamine",
                       header=0 if header else None, names=None if header else names)
    if df.shape[1] == 0:
        raise DataError(f"sheet {sheet!r} is empty", file=path.name)
    return df


def excel_sheets(path: Path) -> list[str]:
    """The sheet names of a workbook, in order."""
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(read_bytes(path))).sheet_names)
    except Exception as err:  # noqa: BLE001 - calamine raises its own error types for damaged files
        raise DataError(f"cannot open the workbook: {err}", file=path.name) from None


# --- values --------------------------------------------------------------------------------------

def normalise_ids(ids: pd.Series) -> pd.Series:
    """Customer ids as trimmed text; whole numbers stored as floats (1001.0) become "1001".

    Examples
    --------
    >>> normalise_ids(pd.Series([1001.0, " A7 ", None])).tolist()
    ['1001', 'A7', nan]
    """
    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return np.nan
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        text = str(v).strip()
        return text if text else np.nan

    # each distinct id once: an export of a year's lines repeats every customer's id many times
    uniq = pd.unique(ids.to_numpy(dtype=object))
    lookup = {v: one(v) for v in uniq if v is not None and not (isinstance(v, float) and np.isnan(v))}
    out = pd.Series(ids.to_numpy(dtype=object), index=ids.index).map(lookup)
    return out.astype("str").where(out.notna(), np.nan).rename(ids.name)


def _by_unique(s: pd.Series, func) -> pd.Series:
    """``func`` applied to the distinct values of ``s`` only (a file repeats most of its values)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    if len(uniq) > 0.5 * len(s):
        return func(s)
    done = func(pd.Series(uniq, dtype=s.dtype if len(uniq) else object)).to_numpy(dtype=object)
    out = np.full(len(s), np.nan, dtype=object)
    has = codes >= 0
    out[has] = done[codes[has]]
    return pd.Series(out, index=s.index, name=s.name)


def _normalise_number_text(s: pd.Series, decimal: str) -> pd.Series:
    return _by_unique(s, lambda u: _normalise_numbers(u, decimal))


def _normalise_numbers(s: pd.Series, decimal: str) -> pd.Series:
    t = s.astype("str").str.strip().str.replace(r"[\s\u00a0¥￥$€£]", "", regex=True)
    t = t.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    if decimal == ",":
        grouped = t.str.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?", na=False)
        t = t.where(~grouped, t.str.replace(".", "", regex=False))
        t = t.str.replace(",", ".", regex=False)
    else:
        grouped = t.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", na=False)
        t = t.where(~grouped, t.str.replace(",", "", regex=False))
    return t.where(s.notna())


def _check_decimal_mark(s: pd.Series, *, file: str, column: str) -> None:
    """Stop when the decimal mark is not said and values such as "131,600" could be 131.6 or 131600.

    Called for ``;``-separated files only (where a comma is as likely a decimal mark
    as a thousands separator) and only when no value has a decimal point.
    """
    text = s.dropna().astype(str).str.strip()
    if text.str.contains(".", regex=False).any():
        return
    either = text.str.fullmatch(r"[-+]?\d{1,3},\d{3}")
    if not either.any():
        return
    rows = [int(r) for r in text.index[either]]
    raise DataError(
        f"{len(rows)} values such as {text[either].iloc[0]!r} could mean {text[either].iloc[0].replace(',', '.')} "
        f"or {text[either].iloc[0].replace(',', '')} (a ';'-separated file, no decimal point anywhere); "
        "say which: decimal: ',' or decimal: '.' for this table in the study",
        file=file, column=column, rows=rows, n_rows=len(rows),
    )


def looks_like_decimal_comma(s: pd.Series) -> bool:
    """True if text values look like numbers written with a decimal comma ("12,5").

    Examples
    --------
    >>> looks_like_decimal_comma(pd.Series(["12,5", "3,25"]))
    True
    """
    if pd.api.types.is_numeric_dtype(s):
        return False
    return bool(s.dropna().astype(str).str.fullmatch(r"[-+]?\d+,\d{1,2}").any())


def _infer_numeric(s: pd.Series, decimal: str) -> pd.Series:
    values = s.dropna()
    if not values.empty and pd.api.types.is_string_dtype(values) and values.dtype != object:
        head = values.iloc[:1000]
        # a text column (names, descriptions) shows itself in its first values: no need to try them all
        if pd.to_numeric(_normalise_numbers(head, decimal), errors="coerce").isna().any():
            return s
    elif values.empty or not all(isinstance(v, str) for v in values):
        if values.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).all():
            return pd.to_numeric(s)
        return s
    # Codes with leading zeros (zip codes, ids) stay text.
    if values.str.strip().str.fullmatch(r"0\d+").any():
        return s
    text = _normalise_number_text(s, decimal)
    num = pd.to_numeric(text, errors="coerce")
    return num if num.notna().sum() == values.size else s


def to_bool(s: pd.Series) -> pd.Series:
    """Map 1/0, true/false, yes/no, y/n, 是/否 to a nullable boolean; other values stay as they are.

    Examples
    --------
    >>> to_bool(pd.Series(["yes", "否", None])).tolist()
    [True, False, <NA>]
    """
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    key = s.map(lambda v: str(v).strip().lower() if pd.notna(v) else None)
    if key.dropna().isin(_TRUE | _FALSE).all():
        return pd.Series([pd.NA if k is None or pd.isna(k) else k in _TRUE for k in key],
                         index=s.index, dtype="boolean", name=s.name)
    # Unknown values are left in place so that validation can name their rows.
    return pd.Series([v if not isinstance(k, str) else True if k in _TRUE else False if k in _FALSE else v
                      for k, v in zip(key, s)],
                     index=s.index, dtype=object, name=s.name)


# --- dates ---------------------------------------------------------------------------------------

def parse_dates(
    values: pd.Series, *, date_format: str | None = None, file: str = "", column: str = "date"
) -> tuple[pd.Series, dict[str, list[int]]]:
    """Parse a date column; return datetime64[ns] values and the row numbers parsed per format.

    Without ``date_format`` each format of :data:`DATE_FORMATS` is tried. The format
    that fits most values is taken first, then the one that fits most of the rest,
    and so on; a column in several unambiguous formats (``2024-01-31`` and
    ``31.01.2024``) is parsed value by value and the formats are reported. Where two
    formats fit the same values but read them differently (``03/04/2024``: 3 April or
    4 March?) the column is ambiguous and a DataError asks for ``date_format``.

    Raises
    ------
    DataError
        No value is a date; some values are not dates (with their rows); ambiguous formats.

    Examples
    --------
    >>> s = pd.Series(["2024-01-31", "31.01.2024"], index=[2, 3])
    >>> parse_dates(s)[1]
    {'ISO8601': [2], '%d.%m.%Y': [3]}
    """
    present = values.notna() & values.astype("string").str.strip().ne("")
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return out.astype("datetime64[ns]"), {"datetime": [int(i) for i in values.index[values.notna()]]}
    objs = values[present]
    if len(objs) and objs.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year")).all():
        return pd.to_datetime(values).astype("datetime64[ns]"), {"datetime": [int(i) for i in values.index[present]]}
    text = values[present].map(
        lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v)
    ).str.strip()
    uniq = pd.Series(text.unique())
    formats = [date_format] if date_format else list(DATE_FORMATS)
    # a year of timestamps has tens of thousands of distinct values: try every format on a sample first,
    # and the formats that fit none of it only on what the others leave
    sample = uniq.iloc[:: max(1, len(uniq) // _DATE_SAMPLE)]
    first = [f for f in formats if pd.to_datetime(sample, format=f, errors="coerce").notna().any()] or formats
    later = [f for f in formats if f not in first]
    parsed = {fmt: pd.to_datetime(uniq, format=fmt, errors="coerce") for fmt in first}
    result = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    counts_per_value = text.value_counts()
    used: dict[str, list[int]] = {}
    remaining = pd.Series(True, index=uniq.index)
    while remaining.any():
        cover = {f: int(counts_per_value[uniq[remaining & p.notna()]].sum()) for f, p in parsed.items()}
        best = max(cover, key=lambda f: cover[f])
        if cover[best] == 0 and later:
            parsed.update({fmt: pd.to_datetime(uniq, format=fmt, errors="coerce") for fmt in later})
            later = []
            continue
        if cover[best] == 0:
            break
        fits = remaining & parsed[best].notna()
        for other, p in parsed.items():
            if other == best or cover[other] != cover[best]:
                continue
            differ = fits & p.notna() & (p != parsed[best])
            if differ.any():
                examples = _rows_of(text, set(uniq[differ]))
                raise DataError(
                    f"dates are ambiguous: both {best!r} and {other!r} fit {cover[best]} rows but read "
                    f"them differently (e.g. {uniq[differ].iloc[0]!r}); set date_format in the study",
                    file=file, column=column, rows=examples, n_rows=int(counts_per_value[uniq[differ]].sum()),
                )
        result[fits] = parsed[best][fits]
        used[best] = _rows_of(text, set(uniq[fits]))
        remaining &= ~fits
    _check_one_day_month_order(used, text, file=file, column=column)
    if not used:
        what = (f"no value is a date in {date_format!r}" if date_format else "no value is a date in a known format")
        raise DataError(
            f"{what} (e.g. {text.iloc[0]!r}); set date_format in the study" if len(text)
            else "the date column has no values",
            file=file, column=column, n_rows=len(text),
        )
    if remaining.any():
        bad = set(uniq[remaining])
        rows = _rows_of(text, bad)
        fmt_text = repr(date_format) if date_format else "any known format"
        raise DataError(
            f"{len(rows)} values are not dates in {fmt_text} (e.g. {uniq[remaining].iloc[0]!r})",
            file=file, column=column, rows=rows, n_rows=len(rows),
        )
    lookup = dict(zip(uniq, result))
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]", name=values.name)
    out[present] = text.map(lookup).astype("datetime64[ns]")
    return out, used


#: Distinct date values every format is tried on before the whole column is parsed.
_DATE_SAMPLE = 500


def _day_first(fmt: str) -> bool | None:
    """True for day-before-month formats, False for month-before-day, None when the year leads."""
    if fmt == "ISO8601" or fmt.startswith("%Y") or "%d" not in fmt or "%m" not in fmt:
        return None
    return fmt.index("%d") < fmt.index("%m")


def _check_one_day_month_order(used: dict[str, list[int]], text: pd.Series, *, file: str, column: str) -> None:
    """Stop when a column needs both day-first and month-first formats.

    Each value then parsed in only one of them (31/01 or 01/31), but the column
    mixes two conventions, so the values that fit both (03/04) cannot be read safely.
    """
    orders = {f: _day_first(f) for f in used}
    day_first = [f for f, o in orders.items() if o is True]
    month_first = [f for f, o in orders.items() if o is False]
    if not day_first or not month_first:
        return
    minority = min([*day_first, *month_first], key=lambda f: len(used[f]))
    rows = sorted(used[minority])

    def describe(fmts: list[str]) -> str:
        f = max(fmts, key=lambda x: len(used[x]))
        return f"{sum(len(used[x]) for x in fmts)} rows, e.g. {text[used[f][0]]!r}"

    raise DataError(
        f"dates are written both day-first ({describe(day_first)}) and month-first ({describe(month_first)}), "
        "so values such as '03/04/2024' cannot be read safely; set date_format in the study "
        "and correct the rows written the other way",
        file=file, column=column, rows=rows, n_rows=len(rows),
    )


def _rows_of(text: pd.Series, bad: set) -> list[int]:
    return [int(i) for i in text.index[text.isin(bad)]]


def suggest(name: str, candidates: list[str]) -> str | None:
    """The candidate closest to ``name`` (case-insensitive), if any is close.

    Examples
    --------
    >>> suggest("amount", ["Amount ", "date"])
    'Amount '
    """
    lower = {c.lower().strip().replace(" ", "_"): c for c in candidates}
    hit = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
    return lower[hit[0]] if hit else None
