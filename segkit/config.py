"""The study file: a typed schema with defaults and clear errors.

A study file is YAML. Every key is checked: an unknown key or a bad value is
rejected with a message that names the key and what is allowed. Paths in the
file are relative to the file's own folder.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from segkit.criteria import IDENTIFICATION_SOURCES, MEASURE_NAMES, OUTCOMES
from segkit.errors import ConfigError
from segkit.i18n import LANGUAGES
from segkit.method_names import METHOD_NAMES

#: Every method a study can name; "auto" lets step 3 choose a feasible one.
#: The facts about each method are in :data:`segkit.methods.registry.METHODS`.
METHODS = ("auto", *METHOD_NAMES)


if TYPE_CHECKING:
    #: Names of the data-driven methods and of the rule-based schemes, in report order.
    DATA_DRIVEN_METHODS: tuple[str, ...]
    RULE_BASED_METHODS: tuple[str, ...]
else:

    def __getattr__(name: str) -> Any:
        """``DATA_DRIVEN_METHODS`` and ``RULE_BASED_METHODS``, from the method registry.

        Looked up on first use: the registry's package loads scikit-learn, which
        reading a study file does not need.
        """
        if name in ("DATA_DRIVEN_METHODS", "RULE_BASED_METHODS"):
            from segkit.methods import registry

            return getattr(registry, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Canonical column names of each table; the study's ``columns`` maps them to the file's names.
TABLE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {"required": ("customer_id",), "optional": ()},
    "transactions": {
        "required": ("customer_id", "date", "amount"),
        "optional": ("order_id", "product", "description", "category", "quantity", "unit_price", "margin",
                     "promotion", "channel"),
    },
    "survey": {"required": ("customer_id",), "optional": ("satisfaction",)},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Field separators a study file may name besides a single character: runs of spaces or tabs.
WHITESPACE = "whitespace"


class TableSpec(_Strict):
    """Where one input table lives and how to read it."""

    path: Path
    #: canonical name -> name in the file (only the ones that differ need listing)
    columns: dict[str, str] = Field(default_factory=dict)
    encoding: str = "auto"  # "auto" detects UTF-8, UTF-8 with BOM, GB18030/GBK, else Windows-1252/Latin-1
    sheet: str | int | None = None  # Excel sheet name or 0-based index
    date_format: str | None = None  # e.g. "%d/%m/%Y"; None parses ISO and common formats
    #: decimal mark of numbers stored as text; None means "." but stops on numbers that could be either
    decimal: Literal[".", ","] | None = None
    separator: str | None = None  # CSV field separator (one character, or "whitespace"); None sniffs it
    #: whether the file's first line names the columns; without one, ``names`` gives them in order
    header: bool = True
    names: list[str] | None = None
    #: "row" numbers the rows 1, 2, ... as ids (a survey without a respondent id column)
    ids: Literal["column", "row"] = "column"
    #: words meaning yes and no besides 1/0, yes/no, true/false, y/n, 是/否 (any case): e.g. [ja, oui]
    yes_words: list[str] = Field(default_factory=list)
    no_words: list[str] = Field(default_factory=list)
    #: ordinal columns: file column -> its levels from lowest to highest; coded 1, 2, ... in that order
    ordinal: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("separator")
    @classmethod
    def _one_separator(cls, v: str | None) -> str | None:
        if v is None or v == WHITESPACE:
            return v
        if v in ("\\t", "tab"):
            return "\t"
        if len(v) != 1:
            raise ValueError(f"separator must be one character or {WHITESPACE!r}")
        return v

    @field_validator("date_format")
    @classmethod
    def _valid_date_format(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if "%" not in v:
            raise ValueError(f"date_format {v!r} has no % directive (e.g. '%d/%m/%Y')")
        import time

        try:
            # a format strptime cannot read back (a bad directive) fails here, before any file is read
            time.strptime(time.strftime(v, time.gmtime(1_700_000_000)), v)
        except ValueError as err:
            raise ValueError(f"date_format {v!r} is not a valid format: {err}") from None
        return v

    @field_validator("ordinal")
    @classmethod
    def _levels_distinct(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for col, levels in v.items():
            if len(levels) < 2:
                raise ValueError(f"ordinal column {col!r} needs at least two levels, in order")
            seen = [str(x).strip() for x in levels]
            dupes = sorted({x for x in seen if seen.count(x) > 1})
            if dupes:
                raise ValueError(f"ordinal column {col!r} names levels more than once: {dupes}")
        return v

    @model_validator(mode="after")
    def _names_without_header(self) -> TableSpec:
        if not self.header and not self.names:
            raise ValueError("header: false needs names: the column names, in the order of the file's columns")
        if self.header and self.names:
            raise ValueError("names are for a file without a header line; set header: false or drop names")
        overlap = sorted(set(self.yes_words) & set(self.no_words))
        if overlap:
            raise ValueError(f"words cannot mean both yes and no: {overlap}")
        return self


class NonProductSpec(_Strict):
    """Which transaction lines are not sales of a product (postage, fees, adjustments, ...).

    Patterns are regular expressions matched against the whole product code or the
    whole description (spaces at either end ignored, any case). ``None`` keeps the
    defaults of :data:`segkit.io.nonproduct.NON_PRODUCT_CODES` and
    :data:`segkit.io.nonproduct.NON_PRODUCT_DESCRIPTIONS`; an empty list turns a check off.
    """

    codes: list[str] | None = None
    descriptions: list[str] | None = None

    @field_validator("codes", "descriptions")
    @classmethod
    def _valid_patterns(cls, v: list[str] | None) -> list[str] | None:
        import re

        for pattern in v or []:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"{pattern!r} is not a regular expression: {err}") from None
        return v


class TransactionsSpec(TableSpec):
    """The transaction table: unlike customer attributes and survey items, its columns have fixed names.

    ``amount`` is mapped, or derived as ``quantity`` x ``unit_price`` when both are mapped.
    """

    #: an order id starting with this marks a cancellation or credit note (None: only negative quantities do)
    cancel_prefix: str | None = "C"
    non_product: NonProductSpec = Field(default_factory=NonProductSpec)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, v: dict[str, str]) -> dict[str, str]:
        known = [*TABLE_COLUMNS["transactions"]["required"], *TABLE_COLUMNS["transactions"]["optional"]]
        for name in v:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise ValueError(f"unknown transaction column {name!r}; {hint}the names segkit knows are "
                                 f"{', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _rows_have_ids(self) -> TransactionsSpec:
        if self.ids == "row":
            raise ValueError("ids: row is for a survey without respondent ids; transactions need a customer id "
                             "column")
        return self


class DataSpec(_Strict):
    customers: TableSpec | None = None
    transactions: TransactionsSpec | None = None
    survey: TableSpec | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> DataSpec:
        if self.transactions is None and self.survey is None:
            raise ValueError("give at least one of data.transactions or data.survey")
        return self



class CriterionSpec(_Strict):
    """A success or knock-out criterion given as a measure (see :mod:`segkit.criteria`), not as free text."""

    measure: str
    threshold: float | None = None
    outcome: str | None = None
    source: str | None = None
    text: str | None = None

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, v: str) -> str:
        if v not in MEASURE_NAMES:
            close = difflib.get_close_matches(v, MEASURE_NAMES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown measure {v!r}; {hint}segkit measures {', '.join(MEASURE_NAMES)}")
        return v

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, v: str | None) -> str | None:
        if v is not None and v not in OUTCOMES:
            raise ValueError(f"unknown outcome {v!r}; the outcomes after the cut-off are {', '.join(OUTCOMES)}")
        return v

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str | None) -> str | None:
        if v is not None and v not in IDENTIFICATION_SOURCES:
            raise ValueError(f"unknown source {v!r}; a customer is placed from {', '.join(IDENTIFICATION_SOURCES)}")
        return v


class Goal(_Strict):
    """Step 1: what the segmentation is for (Dolnicar, Grun & Leisch 2018, step 2)."""

    statement: str
    horizon: Literal["short", "long"] = "long"
    kpi: str = "revenue per customer in the 6 months after the cut-off"
    #: free text (read by the rules of segkit.criteria) or {measure: ..., threshold: ...}
    success_criteria: list[str | CriterionSpec] = Field(default_factory=list)
    #: knock-out criteria every segment must pass, with thresholds where measurable
    min_segment_share: float = Field(0.05, gt=0, lt=0.5)
    knockout_criteria: list[str | CriterionSpec] = Field(default_factory=list)
    #: weighted attractiveness criteria: name -> weight (weights are normalised to sum to 1)
    attractiveness: dict[str, float] = Field(default_factory=dict)
    owner: str | None = None

    @field_validator("attractiveness")
    @classmethod
    def _weights_positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in v.items() if w <= 0]
        if bad:
            raise ValueError(f"weights must be > 0, got {', '.join(f'{k}={v[k]}' for k in bad)}")
        return v


class StratifySpec(_Strict):
    """Classify-then-stratify: a type column, then size tiers within each type."""

    type_column: str
    size_column: str
    thresholds: list[float]
    tier_labels: list[str] | None = None


class EngineSpec(_Strict):
    """Where customer features and outcomes are computed (steps 4 and 8).

    The feature definitions are written once, in Ibis; ``duckdb`` runs them
    embedded (the default), ``pyspark`` on a Spark cluster (or Spark in local
    mode) through the same definitions.
    """

    name: Literal["duckdb", "pyspark"] = "duckdb"
    memory_limit: str | None = None  # duckdb: e.g. "8GB" (default: half the RAM); spills to disk beyond it
    master: str = "local[*]"  # pyspark: Spark master URL, e.g. "spark://host:7077", "yarn"
    conf: dict[str, str] = Field(default_factory=dict)  # pyspark: extra Spark settings

    @model_validator(mode="after")
    def _settings_fit_the_engine(self) -> EngineSpec:
        if self.name == "duckdb" and (self.conf or "master" in self.model_fields_set):
            raise ValueError("master and conf are Spark settings; they need name: pyspark")
        if self.name == "pyspark" and self.memory_limit is not None:
            raise ValueError("memory_limit is a DuckDB setting; with Spark set spark.driver.memory in conf")
        return self


#: Methods whose estimator starts from given centres (``init=``): step 5 can begin from a ``start`` section.
START_METHODS = ("kmeans", "latent_class")


class StartSpec(_Strict):
    """Step 5: begin from given segments instead of searching k, to re-estimate and track them.

    Exactly one of ``from_run`` (a finished segkit run: its segment centres, mapped through that
    run's basis preparation) or ``centers`` (a CSV: one row per segment, one column per basis
    variable in the basis's own units, e.g. the share answering yes; an optional ``segment``
    column orders the rows). The number of segments is then the number of centres.
    """

    from_run: Path | None = None
    centers: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StartSpec:
        if (self.from_run is None) == (self.centers is None):
            raise ValueError("give exactly one of start.from_run (a previous run folder) or start.centers "
                             "(a CSV of centres)")
        return self


class ValueSpec(_Strict):
    """Step 4's value model (BG/NBD and Gamma-Gamma) and the value schemes' history requirement."""

    #: yearly discount rate of the lifetime value, e.g. 0.10
    annual_discount_rate: float = Field(default=0.10, ge=0, lt=1)
    #: months ahead the lifetime value covers
    horizon_months: int = Field(default=12, ge=1, le=120)
    #: months of history the value schemes accept at least; by default each scheme's own floor
    min_history_months: int | None = Field(default=None, ge=1, le=120)


class ShareSpec(_Strict):
    """What a run folder may show when it is sent to a client (see :mod:`segkit.exports`)."""

    #: replace the customer ids of the per-customer export by keyed pseudonyms (HMAC-SHA256)
    pseudonymise: bool = False
    #: the pseudonym key; better kept out of the study file in the environment variable
    #: ``SEGKIT_PSEUDONYM_KEY``. Never written to the manifest.
    pseudonym_key: str | None = Field(default=None, exclude=True, repr=False)


def _shared_value(mapping: dict[Any, str]) -> tuple[Any, Any, str] | None:
    """The first two keys that map to the same value, and that value (None when every value is unique).

    Examples
    --------
    >>> _shared_value({1: "a", 2: "b", 3: "a"})
    (1, 3, 'a')
    """
    seen: dict[str, Any] = {}
    for k, value in mapping.items():
        if value in seen:
            return seen[value], k, value
        seen[value] = k
    return None


class StudyConfig(_Strict):
    """A whole study. See ``data/demo/study.yaml`` for a commented example."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str | None = None
    goal: Goal
    data: DataSpec
    basis: list[str] = Field(min_length=1)
    descriptors: list[str] = Field(default_factory=list)
    #: a descriptor that identifies people (e-mails, phone numbers, names): refuse the study, or drop it with a warning
    identifier_descriptors: Literal["refuse", "drop"] = "refuse"
    cutoff: dt.date | None = None
    method: Literal[METHODS] = "auto"  # type: ignore[valid-type]
    k_range: tuple[int, int] = (2, 8)
    n_boot: int = Field(50, ge=2, le=10_000)
    n_init: int = Field(10, ge=1, le=1000)
    seed: int = Field(2026, ge=0)
    n_jobs: int = Field(1, ge=-1)
    previous_run: Path | None = None
    earlier_window_months: int = Field(6, ge=1, le=120)
    stratify: StratifySpec | None = None
    #: names the team gives the segments, by number (1 = the first segment); step 5 applies them once
    segment_names: dict[int, str] = Field(default_factory=dict)
    #: what each basis item is: behaviour, need (a benefit sought) or perception (an attitude to address)
    item_kinds: dict[str, Literal["behaviour", "need", "perception"]] = Field(default_factory=dict)
    engine: EngineSpec = Field(default_factory=EngineSpec)
    start: StartSpec | None = None
    value: ValueSpec = Field(default_factory=ValueSpec)
    #: the language of the reports' fixed text (headings, callouts, verdicts, the index)
    language: Literal[LANGUAGES] = "en"  # type: ignore[valid-type]
    #: the client's currency, a code ("CNY") or a symbol ("¥"), shown with every money figure
    currency: str | None = Field(None, min_length=1, max_length=5)
    #: the client's word for each variable (column or feature name -> label), used in tables and figures
    labels: dict[str, str] = Field(default_factory=dict)
    share: ShareSpec = Field(default_factory=ShareSpec)
    #: where the file itself lives; filled in by :func:`load_config`
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("k_range", mode="before")
    @classmethod
    def _k_range_pair(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple) or len(v) != 2:
            raise ValueError(f"k_range must be [low, high], two whole numbers, e.g. [2, 8]; got {v!r}")
        return v

    @field_validator("k_range")
    @classmethod
    def _k_range_ok(cls, v: tuple[int, int]) -> tuple[int, int]:
        lo, hi = v
        if lo < 2 or hi < lo or hi > 30:
            raise ValueError(f"k_range must be [low, high] with 2 <= low <= high <= 30, got {list(v)}")
        return v

    @field_validator("segment_names")
    @classmethod
    def _segment_names_ok(cls, v: dict[int, str]) -> dict[int, str]:
        bad = [k for k in v if k < 1]
        if bad:
            raise ValueError(f"segments are numbered from 1; got segment {bad[0]}")
        empty = [k for k, name in v.items() if not str(name).strip()]
        if empty:
            raise ValueError(f"segment {empty[0]} has an empty name")
        clean = {k: str(name).strip() for k, name in sorted(v.items())}
        twice = _shared_value(clean)
        if twice is not None:
            first, k, name = twice
            raise ValueError(f"segments {first} and {k} are both named {name!r}; a name identifies one segment")
        return clean

    @field_validator("currency")
    @classmethod
    def _currency_ok(cls, v: str | None) -> str | None:
        if v is not None and (v != v.strip() or not v.strip()):
            raise ValueError(f"currency {v!r} must be a code such as CNY or a symbol such as ¥, without spaces")
        return v

    @field_validator("labels")
    @classmethod
    def _labels_ok(cls, v: dict[str, str]) -> dict[str, str]:
        empty = [k for k, label in v.items() if not str(label).strip()]
        if empty:
            raise ValueError(f"variable {empty[0]!r} has an empty label")
        clean = {str(k): str(label).strip() for k, label in v.items()}
        twice = _shared_value(clean)
        if twice is not None:
            first, k, label = twice
            raise ValueError(f"variables {first!r} and {k!r} are both labelled {label!r}; a label names one variable")
        return clean

    @model_validator(mode="after")
    def _cross_checks(self) -> StudyConfig:
        if self.data.transactions is not None and self.cutoff is None:
            raise ValueError("cutoff is required when data.transactions is given")
        if self.method == "classify_stratify" and self.stratify is None:
            raise ValueError("method classify_stratify needs a 'stratify' section")
        if self.start is not None and self.method not in START_METHODS:
            raise ValueError(f"a start section (given centres) needs method {' or '.join(START_METHODS)}, "
                             f"got method {self.method!r}")
        overlap = sorted(set(self.basis) & set(self.descriptors))
        if overlap:
            raise ValueError(f"columns cannot be both basis and descriptor: {overlap}")
        stray = sorted(set(self.item_kinds) - set(self.basis))
        if stray:
            raise ValueError(f"item_kinds names {stray}, which are not basis variables; the basis is {self.basis}")
        return self

    def resolve(self, path: Path | str) -> Path:
        """Return ``path`` resolved against the study file's folder."""
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def start_source(self) -> Path | None:
        """The file or run folder step 5 starts from (``start``), resolved; None without a start section."""
        if self.start is None:
            return None
        path = self.start.from_run if self.start.from_run is not None else self.start.centers
        return None if path is None else self.resolve(path)

    def input_files(self) -> dict[str, Path]:
        """The input files the study reads, by table name."""
        out = {}
        for name in ("customers", "transactions", "survey"):
            spec = getattr(self.data, name)
            if spec is not None:
                out[name] = self.resolve(spec.path)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able view of the study (for the manifest and reports)."""
        return self.model_dump(mode="json")


def _format_error(err: ValidationError, source: str) -> str:
    lines = [f"study file {source} is not valid:"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            lines.append(f"  - unknown key '{key}'")
        elif e["type"] == "literal_error":
            lines.append(f"  - '{key}': got {e['input']!r}; {e['msg'].lower()}")
        elif e["type"] == "missing":
            lines.append(f"  - '{key}' is required")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"  - '{key}': {msg} (got {e['input']!r})")
    allowed = ", ".join(sorted(StudyConfig.model_fields.keys() - {"base_dir"}))
    if any(e["type"] == "extra_forbidden" and len(e["loc"]) == 1 for e in err.errors()):
        lines.append(f"  allowed top-level keys: {allowed}")
    return "\n".join(lines)


def parse_config(data: dict[str, Any], *, base_dir: Path | str = ".", source: str = "<dict>") -> StudyConfig:
    """Validate a study given as a dict.

    Raises
    ------
    ConfigError
        Naming each bad key and what is allowed.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"study file {source} must be a mapping of keys to values, got {type(data).__name__}")
    if "base_dir" in data:
        raise ConfigError(f"study file {source} is not valid:\n  - unknown key 'base_dir'")
    try:
        cfg = StudyConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_error(err, source)) from None
    return cfg.model_copy(update={"base_dir": Path(base_dir).resolve()})


#: A study file holds settings, never data: a larger file is refused before it is parsed.
MAX_STUDY_FILE_BYTES = 1_000_000


def _refuse_aliases(text: str, path: Path) -> None:
    """Refuse YAML aliases (``*name``) before anything is built: nested ones expand exponentially.

    The parser's events name each alias without expanding it, so a "billion laughs" file is refused
    in the time it takes to read it; a study file has no use for anchors.
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise ConfigError(f"study file {path}, line {line}: YAML aliases (*{event.anchor}) are not allowed in a "
                              "study file; write the value out")


def load_config(path: Path | str) -> StudyConfig:
    """Read and validate a study file.

    Examples
    --------
    >>> cfg = load_config("data/demo/study.yaml")  # doctest: +SKIP
    >>> cfg.k_range  # doctest: +SKIP
    (2, 8)
    """
    path = Path(path)
    if path.is_dir():
        hint = f"; it holds {path / 'study.yaml'}" if (path / "study.yaml").is_file() else ""
        raise ConfigError(f"study file {path} is a folder: give the study's YAML file{hint}")
    if not path.is_file():
        raise ConfigError(f"study file {path} does not exist")
    size = path.stat().st_size
    if size > MAX_STUDY_FILE_BYTES:
        raise ConfigError(f"study file {path} is {size:,} bytes; a study file is at most {MAX_STUDY_FILE_BYTES:,} "
                          "(it holds settings, not data)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"study file {path} is not valid YAML: {err}") from None
    try:
        _refuse_aliases(text, path)
    except yaml.YAMLError as err:
        raise ConfigError(f"study file {path} is not valid YAML: {err}") from None
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ConfigError(f"study file {path} is not valid YAML: {err}") from None
    except ValueError as err:  # YAML reads 2025-09-31 as a date, and there is no such day
        raise ConfigError(f"study file {path} holds a date that does not exist: {err}") from None
    return parse_config(data, base_dir=path.parent, source=str(path))
