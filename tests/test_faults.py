"""The fault suite (issue 16): malformed inputs and faults, each run through the ``segkit`` command.

One table of cases (:data:`CASES`). Each case builds its inputs in a fresh folder, runs the command
(in-process; only the signal cases start a process) and is checked for: the exit status, the words of
the message (naming the file, key or column), inputs unchanged (SHA-256 before and after), no run
folder after an error found up front, and no traceback on stderr.

``python tests/test_faults.py --table`` runs the same cases and prints the closing note's table
(case, exit status, first line of the message, seconds to the error) as markdown.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import billion_laughs

ROOT = Path(__file__).resolve().parents[1]

# ----------------------------------------------------------------------------------------------------------- inputs
#: The base study's cut-off; its transactions run a year before and three months after it.
CUTOFF = "2025-03-31"
N_CUSTOMERS = 60


def write_base(folder: Path) -> None:
    """A small, valid study (transactions and customers as CSV) every case starts from."""
    rng = np.random.default_rng(16)
    ids = [f"C{i:03d}" for i in range(N_CUSTOMERS)]
    rows = []
    for i, cid in enumerate(ids):
        for j in range(int(rng.integers(2, 9))):
            day = pd.Timestamp("2024-04-01") + pd.Timedelta(days=int(rng.integers(0, 455)))
            rows.append({"customer_id": cid, "order_id": f"O{i:03d}-{j}", "date": day.strftime("%Y-%m-%d"),
                         "amount": round(float(rng.gamma(2.0, 15.0 + 10 * (i % 3))), 2),
                         "product": f"P{int(rng.integers(1, 12))}"})
    pd.DataFrame(rows).to_csv(folder / "transactions.csv", index=False)
    pd.DataFrame({"customer_id": ids, "age": rng.integers(18, 80, N_CUSTOMERS),
                  "city_tier": rng.choice(["tier 1", "tier 2", "tier 3"], N_CUSTOMERS),
                  "gender": rng.choice(["f", "m"], N_CUSTOMERS)}).to_csv(folder / "customers.csv", index=False)


def base_study() -> dict[str, Any]:
    # 59 customers buy before the cut-off: a smallest accepted segment of 20% holds 10 or more of them
    return {"name": "faults", "goal": {"statement": "Find groups of customers worth a campaign.",
                                       "min_segment_share": 0.2},
            "data": {"transactions": {"path": "transactions.csv"}, "customers": {"path": "customers.csv"}},
            "basis": ["recency_days", "frequency", "monetary_avg"], "descriptors": ["age", "city_tier"],
            "cutoff": CUTOFF, "method": "kmeans", "k_range": [2, 3], "n_boot": 3, "n_init": 2}


@dataclass
class Bench:
    """One case's folder: the base inputs copied into ``data``, the study file there, ``out`` for reports."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def study(self, changes: dict[str, Any] | None = None, *, drop: tuple[str, ...] = (), name: str = "study.yaml",
              **tables: dict[str, Any]) -> str:
        """Write the base study with top-level ``changes``, keys in ``drop`` removed and table specs updated."""
        doc = base_study()
        doc.update(changes or {})
        for key in drop:
            doc.pop(key, None)
        for table, spec in tables.items():
            if spec is None:
                doc["data"].pop(table, None)
            else:
                doc["data"][table] = {**doc["data"].get(table, {}), **spec}
        path = self.data / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return str(path)

    def tx(self) -> pd.DataFrame:
        return pd.read_csv(self.data / "transactions.csv", dtype={"customer_id": str})

    def customers(self) -> pd.DataFrame:
        return pd.read_csv(self.data / "customers.csv", dtype={"customer_id": str})

    def put(self, name: str, content: bytes | str | pd.DataFrame) -> str:
        path = self.data / name
        if isinstance(content, pd.DataFrame):
            if name.endswith(".parquet"):
                content.to_parquet(path, index=False)
            elif name.endswith(".xlsx"):
                content.to_excel(path, index=False, sheet_name="sales")
            else:
                content.to_csv(path, index=False)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return name

    def run(self, study: str, *more: str) -> list[str]:
        return ["run", str(self.data / study), "--out", str(self.out), *more]


# ----------------------------------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Case:
    """One fault: how to make it, and what the command must answer.

    ``build`` writes the inputs into the bench and returns the command's arguments (or, for the
    cases that need a process or a mock, a :class:`Special` that runs it).
    """

    name: str
    build: Callable[[Bench], Any]
    status: int
    words: tuple[str, ...]
    #: a run folder is expected (the fault is met while the steps run, not before)
    folder: bool = False
    #: where the words are: ``stderr`` (errors) or ``stdout`` (a warning the run goes on after)
    stream: str = "stderr"


@dataclass
class Special:
    """A case run by its own function ``run(bench) -> (status, stdout, stderr)`` instead of plain arguments."""

    run: Callable[[Bench], tuple[int, str, str]]
    #: files the case's command may change (e.g. a run folder it marks)
    mutable: tuple[Path, ...] = ()


def _tx_with(b: Bench, name: str = "tx.csv", **changes: Any) -> str:
    tx = b.tx()
    for col, value in changes.items():
        tx[col] = value(tx) if callable(value) else value
    return b.put(name, tx)


def _tx_file(b: Bench, name: str, content: bytes | str | pd.DataFrame, **spec: Any) -> str:
    b.put(name, content)
    return b.study(transactions={"path": name, **spec})


def _customers_with(b: Bench, col: str, values: Callable[[int], list[Any]], **changes: Any) -> str:
    cust = b.customers()
    cust[col] = values(len(cust))
    b.put("cust.csv", cust)
    return b.study({"descriptors": ["age", col], **changes}, customers={"path": "cust.csv"})


def _laughs(b: Bench) -> str:
    return b.put("laughs.yaml", billion_laughs(9))


def _zip(b: Bench, members: dict[str, bytes]) -> str:
    import zipfile

    with zipfile.ZipFile(b.data / "tx.zip", "w") as zf:
        for member, content in members.items():
            zf.writestr(member, content)
    return b.study(transactions={"path": "tx.zip"})


def _csv_bytes(b: Bench) -> bytes:
    return (b.data / "transactions.csv").read_bytes()


def _read_only_out(b: Bench) -> list[str]:
    if os.geteuid() == 0:  # root writes through permissions; /proc takes no new file from anyone
        return ["run", b.study(), "--out", "/proc/segkit-faults"]
    b.out.mkdir()
    b.out.chmod(0o555)
    return b.run(b.study())


def _out_in_run(b: Bench) -> list[str]:
    run = b.root / "old-run"
    (run / "artifacts").mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({"status": "ok", "finished": "2026-01-01T00:00:00"}))
    return ["run", b.study(), "--out", str(run / "reports")]


def _fake_run(b: Bench, name: str, assignments: pd.DataFrame | None, basis: list[str],
              table: pd.DataFrame | None = None, config: bool = True) -> str:
    """A finished run folder with just what ``segkit compare`` reads (no step is executed)."""
    from segkit.study import artifacts

    run = b.root / "runs" / name
    (run / "artifacts").mkdir(parents=True)
    manifest: dict[str, Any] = {"study": "faults", "title": "faults", "run_id": name, "status": "ok",
                                "finished": "2026-01-01T00:00:00"}
    if config:
        manifest["config"] = {"basis": basis, "method": "kmeans", "cutoff": CUTOFF}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if assignments is not None:
        assignments.to_parquet(run / "artifacts" / artifacts.ASSIGNMENTS.name, index=False)
        tab = table if table is not None else pd.DataFrame(
            {"customer_id": assignments["customer_id"], **{c: np.arange(len(assignments), dtype=float)
                                                           for c in basis}})
        tab.to_parquet(run / "artifacts" / artifacts.CUSTOMER_TABLE.name, index=False)
    return str(run)


def _assignments(prefix: str = "C", n: int = 40) -> pd.DataFrame:
    seg = np.arange(n) % 2 + 1
    return pd.DataFrame({"customer_id": [f"{prefix}{i:03d}" for i in range(n)], "segment": seg,
                         "segment_name": [f"segment {s}" for s in seg]})


def _compare(b: Bench, a: str, c: str) -> list[str]:
    return ["compare", a, c, "--out", str(b.out)]


def _new_over_existing(b: Bench) -> list[str]:
    (b.root / "x").mkdir()
    (b.root / "x" / "study.yaml").write_text("name: x\n", encoding="utf-8")
    return ["new", str(b.root / "x")]


# ---- faults met while the steps run: a step is replaced by a stand-in (no kernel), the runner is the real one
def fake_execute(nb: Any, out_nb: Path, *, parameters: dict[str, Any], cwd: Path, stem: str, timeout: int = 3600,
                 fault: Callable[[str, Path], Any] | None = None) -> Any:
    """What :func:`segkit.report.execute_notebook` returns for a step that ran, without starting a kernel.

    ``fault(stem, out_nb)`` may raise (a write of the runner failing) or return an error text (the
    step's own code failing, as papermill reports it).
    """
    import nbformat

    from segkit.report import Execution

    error = fault(stem, out_nb) if fault is not None else None
    nbformat.write(nb, out_nb)
    return Execution(nb, "failed" if error else "ok", error, 0.01, None)


def _disk_full(path: Path | str) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def _in_process(b: Bench, argv: list[str], **patches: Any) -> tuple[int | str, str, str]:
    from unittest import mock

    with contextlib.ExitStack() as stack:
        for target, value in patches.items():
            stack.enter_context(mock.patch(target.replace("__", "."), value))
        return run_cli(argv)


def _manifest(b: Bench) -> dict[str, Any]:
    found = sorted(b.out.glob("*/*/manifest.json"))
    assert len(found) == 1, found
    return json.loads(found[0].read_text(encoding="utf-8"))


def _runner_disk_full(b: Bench) -> tuple[int | str, str, str]:
    """The disk fills while the runner writes step 3's notebook, and stays full for the index page."""
    def fault(stem: str, out_nb: Path) -> None:
        if stem == "03_method":
            raise _disk_full(out_nb)

    status, out, err = _in_process(b, b.run(b.study()), **{
        "segkit__report__execute_notebook": lambda *a, **k: fake_execute(*a, **k, fault=fault),
        "segkit__index_page__write_index": lambda *a, **k: (_ for _ in ()).throw(_disk_full("index.html"))})
    doc = _manifest(b)
    assert doc["status"] == "failed" and doc["finished"], doc
    assert [s["status"] for s in doc["steps"]] == ["ok", "ok", "failed"] + ["not run"] * 5
    assert doc["steps"][2]["error"].startswith("disk full: no space left on device while writing")
    return status, out, err


def _kernel_disk_full(b: Bench) -> tuple[int | str, str, str]:
    """Step 4's own code meets a full disk writing an artifact (papermill reports the cell's error)."""
    from segkit.study import artifacts

    def fault(stem: str, out_nb: Path) -> str | None:
        where = f"artifacts/{artifacts.BASIS.name}"
        return f"OSError: [Errno 28] No space left on device: {where!r}" if stem == "04_data" else None

    status, out, err = _in_process(b, b.run(b.study()), **{
        "segkit__report__execute_notebook": lambda *a, **k: fake_execute(*a, **k, fault=fault)})
    assert _manifest(b)["status"] == "failed"
    return status, out, err


def _disk_full_before_steps(b: Bench) -> tuple[int | str, str, str]:
    """The disk is full when the audited inputs are handed to the new run folder."""
    from segkit.study.resources import STAGED_AUDIT

    def stage(data: Any, cfg: Any, folder: Any) -> None:
        raise _disk_full(folder.path / STAGED_AUDIT)

    status, out, err = _in_process(b, b.run(b.study()), **{"segkit__study__resources__stage_audit": stage})
    doc = _manifest(b)
    assert doc["status"] == "failed" and doc["error"].startswith("disk full"), doc
    return status, out, err


def _interrupted_before_steps(b: Bench) -> tuple[int | str, str, str]:
    """Ctrl-C while the audited inputs are handed to the new run folder, before step 1."""
    def stage(data: Any, cfg: Any, folder: Any) -> None:
        raise KeyboardInterrupt

    handler = signal.getsignal(signal.SIGTERM)
    status, out, err = _in_process(b, b.run(b.study()), **{"segkit__study__resources__stage_audit": stage})
    doc = _manifest(b)
    assert doc["status"] == "interrupted" and doc["error"] == "interrupted before the first step", doc
    assert signal.getsignal(signal.SIGTERM) == handler  # the runner's SIGTERM handler is gone again
    return status, out, err


def _reuse_after_disk_full(b: Bench) -> tuple[int | str, str, str]:
    """A run stopped by a full disk at step 3: its steps from 3 on are never re-used."""
    _runner_disk_full(b)
    run = next(b.out.glob("*/*"))
    return _in_process(b, b.run(b.study(), "--from", "4", "--reuse", str(run)),
                       **{"segkit__report__execute_notebook": fake_execute})


def _partial_artifact(b: Bench) -> tuple[int | str, str, str]:
    """An artifact write cut short by a full disk leaves no file a later step could take for the whole one."""
    from segkit.study import artifacts
    from segkit.study.folder import RunFolder

    folder = RunFolder.create(b.out, "partial")
    (folder.path / "manifest.json").write_text("{}", encoding="utf-8")

    def to_parquet(self: pd.DataFrame, path: Any, **kw: Any) -> None:
        Path(path).write_bytes(b"PAR1 half")
        raise _disk_full(path)

    from unittest import mock

    with mock.patch.object(pd.DataFrame, "to_parquet", to_parquet):
        try:
            folder.write(artifacts.JOINS, pd.DataFrame({c: [] for c in artifacts.JOINS.columns}), step="resources")
        except OSError as err:
            from segkit.errors import os_error_text

            message = os_error_text(err)
    assert not folder.has(artifacts.JOINS)
    assert not [p for p in folder.path.rglob("*") if p.is_file() and p.name != "manifest.json"]
    return 1, "", f"segkit: error: {message}"


def _signal(sig: int) -> Callable[[Bench], tuple[int | str, str, str]]:
    """Start ``segkit run`` in a process whose step 1 takes a minute; send ``sig`` once the run folder exists."""
    def run(b: Bench) -> tuple[int | str, str, str]:
        started = b.root / "step-started"
        code = (f"import sys, time\nimport segkit.report as r\n"
                f"def slow(*a, **k):\n    open({str(started)!r}, 'w').close()\n    time.sleep(120)\n"
                f"r.execute_notebook = slow\nfrom segkit.cli import main\nsys.exit(main({b.run(b.study())!r}))\n")
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        deadline = time.monotonic() + 120
        while not started.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out, err = proc.communicate()
                return "never started", out, err
            time.sleep(0.05)
        proc.send_signal(sig)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            return "stuck", out, err
        if sig == signal.SIGKILL:
            assert _manifest(b)["status"] == "running"  # kill -9 leaves it so; the next run must find it
            late = b.study({"cutoff": "2030-01-31"}, name="late.yaml")
            status, out, err = run_cli(b.run(late))
            doc = _manifest(b)
            assert doc["status"] == "interrupted" and "ended without finishing the run" in doc["error"], doc
            return status, out, out + err
        doc = _manifest(b)
        assert doc["status"] == "interrupted" and doc["finished"], doc
        return proc.returncode, out, err

    return run


def _nan_amounts(tx: pd.DataFrame) -> Any:
    return np.nan


CASES: list[Case] = [
    # ---- the study file: YAML and schema
    Case("study file missing", lambda b: b.run(str(b.data / "nope.yaml")), 2, ("nope.yaml", "does not exist")),
    Case("study file empty", lambda b: b.run(b.put("s.yaml", "")), 2, ("s.yaml", "must be a mapping")),
    Case("study file is a list", lambda b: b.run(b.put("s.yaml", "- a\n- b\n")), 2, ("s.yaml", "must be a mapping")),
    Case("study file not YAML", lambda b: b.run(b.put("s.yaml", "name: [unclosed\n  goal: {")), 2,
         ("s.yaml", "not valid YAML")),
    Case("study file not UTF-8", lambda b: b.run(b.put("s.yaml", "name: caf\xe9\n".encode("latin-1"))), 2,
         ("s.yaml", "not valid YAML", "utf-8")),
    Case("study file binary garbage", lambda b: b.run(b.put("s.yaml", bytes(range(256)) * 4)), 2,
         ("s.yaml", "not valid YAML")),
    Case("billion laughs (YAML aliases)", lambda b: b.run(_laughs(b)), 2,
         ("laughs.yaml", "YAML aliases (*a) are not allowed")),
    Case("study file over 1 MB", lambda b: b.run(b.put("s.yaml", "name: x\n#" + "x" * 1_100_000)), 2,
         ("s.yaml", "at most 1,000,000")),
    Case("study file is a folder", lambda b: b.run(str(b.data)), 2, ("is a folder: give the study's YAML file",)),
    Case("unknown top-level key", lambda b: b.run(b.study({"k_rnage": [2, 5]})), 2,
         ("unknown key 'k_rnage'", "allowed top-level keys")),
    Case("unknown table key", lambda b: b.run(b.study(transactions={"sheet_name": "x"})), 2,
         ("unknown key 'data.transactions.sheet_name'",)),
    Case("name with a slash", lambda b: b.run(b.study({"name": "../escape"})), 2, ("'name'", "../escape")),
    Case("goal missing", lambda b: b.run(b.study(drop=("goal",))), 2, ("'goal' is required",)),
    Case("basis empty", lambda b: b.run(b.study({"basis": []})), 2, ("'basis'",)),
    Case("basis is a string", lambda b: b.run(b.study({"basis": "frequency"})), 2, ("'basis'",)),
    Case("k_range inverted", lambda b: b.run(b.study({"k_range": [6, 3]})), 2,
         ("'k_range'", "2 <= low <= high <= 30", "[6, 3]")),
    Case("k_range of one number", lambda b: b.run(b.study({"k_range": [3]})), 2, ("'k_range'",)),
    Case("n_boot a word", lambda b: b.run(b.study({"n_boot": "many"})), 2, ("'n_boot'", "many")),
    Case("n_boot negative", lambda b: b.run(b.study({"n_boot": -5})), 2, ("'n_boot'", "-5")),
    Case("seed negative", lambda b: b.run(b.study({"seed": -1})), 2, ("'seed'",)),
    Case("unknown method", lambda b: b.run(b.study({"method": "kmeens"})), 2, ("'method'", "kmeens")),
    Case("cutoff not a date", lambda b: b.run(b.study({"cutoff": "last spring"})), 2, ("'cutoff'", "last spring")),
    Case("cutoff a day that does not exist", lambda b: b.run(b.put("s.yaml", yaml.safe_dump(
        base_study()).replace(f"'{CUTOFF}'", "2025-02-30").replace(CUTOFF, "2025-02-30"))), 2,
         ("s.yaml", "date that does not exist")),
    Case("cutoff missing with transactions", lambda b: b.run(b.study(drop=("cutoff",))), 2,
         ("cutoff is required",)),
    Case("no data table", lambda b: b.run(b.study({"data": {}})), 2,
         ("data.transactions or data.survey",)),
    Case("same column basis and descriptor", lambda b: b.run(b.study({"descriptors": ["frequency"]})), 2,
         ("both basis and descriptor", "frequency")),
    Case("min_segment_share 0.7", lambda b: b.run(b.study({"goal": {**base_study()["goal"],
                                                                     "min_segment_share": 0.7}})), 2,
         ("'goal.min_segment_share'", "0.7")),
    Case("segment names not unique", lambda b: b.run(b.study({"segment_names": {1: "A", 2: "A"}})), 2,
         ("segments 1 and 2 are both named 'A'",)),
    Case("unknown engine", lambda b: b.run(b.study({"engine": {"name": "polars"}})), 2, ("'engine.name'", "polars")),
    Case("bad non-product pattern", lambda b: b.run(b.study(transactions={"non_product": {"codes": ["(["]}})), 2,
         ("non_product.codes", "not a regular expression")),
    Case("ids: row on transactions", lambda b: b.run(b.study(transactions={"ids": "row"})), 2,
         ("ids: row is for a survey without respondent ids",)),
    Case("start with two sources", lambda b: b.run(b.study({"start": {"from_run": "x", "centers": "c.csv"}})), 2,
         ("'start'", "exactly one of start.from_run")),
    Case("Spark setting on DuckDB", lambda b: b.run(b.study({"engine": {"name": "duckdb", "master": "yarn"}})), 2,
         ("'engine'", "master and conf are Spark settings")),
    Case("value horizon of 0 months", lambda b: b.run(b.study({"value": {"horizon_months": 0}})), 2,
         ("'value.horizon_months'",)),
    Case("previous_run that is no run", lambda b: b.run(b.study({"previous_run": str(b.data)})), 2,
         ("previous_run must be a segkit run folder", str(Path("artifacts")))),
    # ---- reading settings
    Case("unknown encoding name", lambda b: b.run(b.study(transactions={"encoding": "klingon-8"})), 2,
         ("transactions.csv", "unknown encoding 'klingon-8'")),
    Case("bad date format", lambda b: b.run(b.study(transactions={"date_format": "%Q-%d"})), 2,
         ("'data.transactions.date_format'", "'%Q-%d' is not a valid format")),
    Case("date format without %", lambda b: b.run(b.study(transactions={"date_format": "dd/mm/yyyy"})), 2,
         ("'data.transactions.date_format'", "has no % directive")),
    Case("date format that does not fit", lambda b: b.run(b.study(transactions={"date_format": "%d/%m/%Y"})), 2,
         ("transactions.csv", "date", "%d/%m/%Y")),
    Case("separator of two characters", lambda b: b.run(b.study(transactions={"separator": ";;"})), 2,
         ("'data.transactions.separator'", "one character")),
    Case("separator that does not fit", lambda b: b.run(b.study(transactions={"separator": ";"})), 2,
         ("transactions.csv", "separator")),
    Case("wrong Excel sheet", lambda b: b.run(_tx_file(b, "tx.xlsx", b.tx(), sheet="Sheet9")), 2,
         ("tx.xlsx", "Sheet9", "sales")),
    Case("header false without names", lambda b: b.run(b.study(transactions={"header": False})), 2,
         ("header: false needs names",)),
    Case("column mapped to a missing column", lambda b: b.run(b.study(transactions={"columns": {"amount": "Value"}})),
         2, ("transactions.csv", "'Value'")),
    Case("unknown canonical column", lambda b: b.run(b.study(transactions={"columns": {"amonut": "amount"}})), 2,
         ("unknown transaction column 'amonut'", "did you mean 'amount'")),
    # ---- data files
    Case("input file missing", lambda b: b.run(b.study(transactions={"path": "gone.csv"})), 2,
         ("gone.csv", "does not exist")),
    Case("empty file", lambda b: b.run(_tx_file(b, "tx.csv", b"")), 2, ("tx.csv", "the file is empty")),
    Case("header only", lambda b: b.run(_tx_file(b, "tx.csv", "customer_id,order_id,date,amount,product\n")), 2,
         ("tx.csv", "header but no data rows")),
    Case("binary garbage", lambda b: b.run(_tx_file(b, "tx.csv", bytes(np.random.default_rng(1).integers(
        0, 256, 5000, dtype=np.uint8)))), 2, ("tx.csv",)),
    Case("parquet that is not parquet", lambda b: b.run(_tx_file(b, "tx.parquet", b"PAR1 not really")), 2,
         ("tx.parquet",)),
    Case("Excel that is not Excel", lambda b: b.run(_tx_file(b, "tx.xlsx", b"PK\x03\x04 broken")), 2,
         ("tx.xlsx",)),
    Case("unsupported file type", lambda b: b.run(_tx_file(b, "tx.json", "[]")), 2, ("tx.json",)),
    Case("zip with no file", lambda b: b.run(_zip(b, {})), 2, ("tx.zip",)),
    Case("zip with two files", lambda b: b.run(_zip(b, {"a.csv": _csv_bytes(b), "b.csv": _csv_bytes(b)})), 2,
         ("tx.zip", "a.csv", "b.csv")),
    Case("undecodable bytes", lambda b: b.run(_tx_file(b, "tx.csv", _csv_bytes(b)[:200] + b"\x80\xff\xfe\n" +
                                                      _csv_bytes(b)[200:])), 2, ("tx.csv", "cannot decode")),
    Case("duplicated column names", lambda b: b.run(_tx_file(b, "tx.csv", "customer_id,date,amount,amount\n"
                                                                          "C1,2024-05-01,1,2\n")), 2,
         ("tx.csv", "more than once", "amount")),
    Case("required column missing", lambda b: b.run(_tx_file(b, "tx.csv", b.tx().drop(columns="amount"))), 2,
         ("tx.csv", "'amount'", "not found")),
    Case("dates unparseable", lambda b: b.run(b.study(transactions={"path": _tx_with(b, date="someday")})), 2,
         ("tx.csv", "date")),
    Case("amounts as text", lambda b: b.run(b.study(transactions={"path": _tx_with(b, amount="ten euros")})), 2,
         ("tx.csv", "amount")),
    Case("all amounts NaN", lambda b: b.run(b.study(transactions={"path": _tx_with(b, amount=_nan_amounts)})), 2,
         ("tx.csv", "amount")),
    Case("all amounts 0", lambda b: b.run(b.study(transactions={"path": _tx_with(b, amount=0.0)})), 2,
         ("no line of tx.csv is left after the audit's rules", "zero or negative prices")),
    Case("all amounts negative", lambda b: b.run(b.study(transactions={"path": _tx_with(
        b, amount=lambda t: -t["amount"])})), 2, ("tx.csv",)),
    Case("all lines cancelled", lambda b: b.run(b.study(transactions={"path": _tx_with(
        b, order_id=lambda t: "C" + t["order_id"], amount=lambda t: -t["amount"])})), 2, ("tx.csv",)),
    Case("all customer ids missing", lambda b: b.run(b.study(transactions={"path": _tx_with(b, customer_id="")})), 2,
         ("tx.csv", "customer_id")),
    Case("one customer", lambda b: b.run(b.study(transactions={"path": _tx_with(b, customer_id="C000")})), 2,
         ("tx.csv", "1 customer bought up to the cut-off, too few to segment into k = 2")),
    Case("ordinal column not in the file", lambda b: b.run(b.study(customers={"ordinal": {"size": ["S", "M"]}})), 2,
         ("customers.csv", "declares column 'size' ordinal, but the file has no such column")),
    Case("survey without ids", lambda b: b.run(b.study(survey={"path": b.put("survey.csv", "q1,q2\n1,0\n0,1\n")})), 2,
         ("survey.csv", "customer_id")),
    Case("customers file without customer ids", lambda b: b.run(b.study(customers={"path": b.put(
        "cust.csv", b.customers().drop(columns="customer_id"))})), 2, ("cust.csv", "customer_id")),
    # ---- names and the window
    Case("unknown basis variable", lambda b: b.run(b.study({"basis": ["recency_days", "frequncy"]})), 2,
         ("basis variable 'frequncy' is in no table", "closest: 'frequency'")),
    Case("unknown descriptor", lambda b: b.run(b.study({"descriptors": ["agee"]})), 2,
         ("descriptor 'agee' is in no table", "'age'")),
    Case("basis a transaction column", lambda b: b.run(b.study({"basis": ["product"]})), 2,
         ("basis variable 'product' is a transaction column",)),
    Case("cutoff after the data", lambda b: b.run(b.study({"cutoff": "2030-01-31"})), 2,
         ("cutoff 2030-01-31", "leaves 0 days of later behaviour", "at least 28")),
    Case("cutoff before the data", lambda b: b.run(b.study({"cutoff": "2001-01-31"})), 2,
         ("cutoff 2001-01-31", "before the first purchase")),
    Case("cutoff two weeks before the end", lambda b: b.run(b.study({"cutoff": "2025-06-15"})), 2,
         ("cutoff 2025-06-15", "at least 28 are needed")),
    Case("too few customers for k", lambda b: b.run(b.study({"k_range": [7, 9]})), 2,
         ("too few to segment into k = 7", "at least 10 per segment")),
    Case("too few customers for the minimum segment share", lambda b: b.run(b.study(
        {"goal": {**base_study()["goal"], "min_segment_share": 0.1}})), 2,
         ("59 customers bought up to the cut-off", "goal.min_segment_share 10%", "At least 100 customers")),
    Case("constant basis variable", lambda b: b.run(b.study({"basis": ["recency_days", "flag"]}, customers={
        "path": b.put("cust.csv", b.customers().assign(flag=1.0))})), 2,
         ("cust.csv", "'flag'", "single value 1.0")),
    Case("basis feature constant (no promotions)", lambda b: b.run(b.study(
        {"basis": ["recency_days", "promo_share"]}, transactions={"path": _tx_with(b, promotion=False)})), 2,
         ("tx.csv", "column 'promo_share': has the same value (0.0) for every customer, so it cannot separate segments",
          "computed from the transactions' columns 'date', 'amount', 'promotion'")),
    Case("basis variable all missing", lambda b: b.run(b.study({"basis": ["recency_days", "score"]}, customers={
        "path": b.put("cust.csv", b.customers().assign(score=np.nan))})), 2,
         ("cust.csv", "'score'", "no value")),
    # ---- descriptors
    Case("descriptor empty", lambda b: b.run(_customers_with(b, "note", lambda n: [None] * n)), 2,
         ("cust.csv", "column 'note'", "has no value", "remove it from descriptors")),
    Case("descriptor constant", lambda b: b.run(_customers_with(b, "note", lambda n: ["same"] * n)), 2,
         ("cust.csv", "column 'note'", "holds one value only")),
    Case("descriptor of e-mails", lambda b: b.run(_customers_with(
        b, "email", lambda n: [f"p{i}@example.com" for i in range(n)])), 2,
         ("cust.csv", "column 'email'", "looks like e-mail addresses", "remove it from descriptors",
          "or set identifier_descriptors: drop in the study file")),
    Case("descriptor of e-mails, dropped", lambda b: b.run(_customers_with(
        b, "email", lambda n: [f"p{i}@example.com" for i in range(n)], identifier_descriptors="drop")), 0,
         ("warning: descriptor 'email' of cust.csv left out: descriptor 'email' looks like e-mail addresses",),
         folder=True, stream="stdout"),
    Case("identifier_descriptors misspelt", lambda b: b.run(b.study({"identifier_descriptors": "ignore"})), 2,
         ("'identifier_descriptors'", "'refuse' or 'drop'")),
    Case("descriptor of phone numbers", lambda b: b.run(_customers_with(
        b, "phone", lambda n: [f"+44 20 7946 {i:04d}" for i in range(n)])), 2,
         ("cust.csv", "column 'phone'", "phone number")),
    Case("descriptor of names", lambda b: b.run(_customers_with(
        b, "full_name", lambda n: [f"Name Number{i}" for i in range(n)])), 2,
         ("cust.csv", "column 'full_name'", "different value for nearly every row")),
    Case("transaction descriptor unique per customer", lambda b: b.run(b.study(
        {"descriptors": ["age", "email"]}, transactions={"path": _tx_with(b, email=lambda t: t["customer_id"] +
                                                                          "@shop.example.com")})), 2,
         ("tx.csv", "column 'email'", "looks like e-mail addresses")),
    # ---- output folder
    Case("--out is a file", lambda b: b.run(b.study())[:3] + [str(b.data / b.put("afile", "x"))], 2,
         ("is a file, so the run folder cannot be created",)),
    Case("--out not writable", _read_only_out, 2, ("is not writable",)),
    Case("--out inside a run folder", _out_in_run, 2, ("inside the run folder",)),
    # ---- command line
    Case("--from without --reuse", lambda b: b.run(b.study(), "--from", "5"), 2, ("needs --reuse RUN",)),
    Case("--from an unknown step", lambda b: b.run(b.study(), "--from", "stabilty", "--reuse", str(b.data)), 2,
         ("no step 'stabilty'",)),
    Case("--reuse a folder that is no run", lambda b: b.run(b.study(), "--from", "3", "--reuse", str(b.data)), 2,
         ("not a segkit run folder",)),
    # ---- compare
    Case("compare a folder that is no run", lambda b: _compare(b, str(b.data), str(b.data)), 2,
         ("not a segkit run folder", "manifest.json")),
    Case("compare a run without assignments", lambda b: _compare(b, _fake_run(b, "a", None, ["frequency"]),
                                                                _fake_run(b, "b", _assignments(), ["frequency"])),
         2, ("not a finished segkit run folder", "is missing")),
    Case("compare a run without settings", lambda b: _compare(b, _fake_run(b, "a", _assignments(), ["frequency"],
                                                                           config=False),
                                                              _fake_run(b, "b", _assignments(), ["frequency"])),
         2, ("no study settings",)),
    Case("compare runs without shared customers", lambda b: _compare(
        b, _fake_run(b, "a", _assignments("A"), ["frequency"]), _fake_run(b, "b", _assignments("B"), ["frequency"])),
         2, ("share no segmented customer",)),
    Case("compare runs with different bases", lambda b: _compare(
        b, _fake_run(b, "a", _assignments(), ["frequency", "recency_days"]),
        _fake_run(b, "b", _assignments(), ["satisfaction", "price_sensitive"])), 2,
         ("different bases", "frequency", "satisfaction")),
    # ---- demo
    Case("demo of 0 customers", lambda b: ["demo", str(b.out), "--n-customers", "0"], 2,
         ("50 to", "not 0")),
    Case("demo of a word", lambda b: ["demo", str(b.out), "--n-customers", "lots"], 2, ("not a whole number",)),
    Case("demo of a billion", lambda b: ["demo", str(b.out), "--n-customers", "1e9"], 2,
         ("the demo generates 50 to 1,000,000 customers, not 1,000,000,000",)),
    Case("demo of half a customer", lambda b: ["demo", str(b.out), "--n-customers", "60.5"], 2,
         ("not a whole number: '60.5'",)),
    Case("demo into a file", lambda b: ["demo", str(b.data / b.put("afile", "x")), "--n-customers", "60"], 2,
         ("afile",)),
    Case("new study over an existing one", _new_over_existing, 2, ("already exists",)),
    # ---- interrupted runs (a process each) and a full disk (a mocked write, in-process)
    Case("Ctrl-C during a step", lambda b: Special(_signal(signal.SIGINT)), 130,
         ("interrupted", "marked 'interrupted'"), folder=True),
    Case("SIGTERM during a step", lambda b: Special(_signal(signal.SIGTERM)), 130,
         ("interrupted", "marked 'interrupted'"), folder=True),
    Case("kill -9, then the next run", lambda b: Special(_signal(signal.SIGKILL)), 2,
         ("as interrupted: its process ended without finishing it", "cutoff 2030-01-31"), folder=True),
    Case("disk full while the runner writes", lambda b: Special(_runner_disk_full), 1,
         ("step 03_method (Method) failed: disk full: no space left on device",), folder=True),
    Case("disk full inside a step", lambda b: Special(_kernel_disk_full), 1,
         ("step 04_data (Data) failed: disk full: OSError: [Errno 28]",), folder=True),
    Case("disk full before the first step", lambda b: Special(_disk_full_before_steps), 1,
         ("segkit: error: disk full: no space left on device while writing", "/.staged-audit;"), folder=True),
    Case("Ctrl-C before the first step", lambda b: Special(_interrupted_before_steps), 130,
         ("segkit: interrupted; the run folder, if one was made, is marked 'interrupted'",), folder=True),
    Case("--reuse a run stopped by a full disk", lambda b: Special(_reuse_after_disk_full), 2,
         ("cannot re-use steps", "step 03_method did not complete in that run (status: failed)"), folder=True),
    Case("artifact write cut short", lambda b: Special(_partial_artifact), 1, ("disk full",), folder=True),
]


# ----------------------------------------------------------------------------------------------------------- running
@dataclass
class Outcome:
    status: int | str
    stdout: str
    stderr: str
    seconds: float
    changed: list[str] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    #: what a case's own checks of the run folder found wrong (empty when all held)
    problem: str = ""

    @property
    def message(self) -> str:
        """The first line of the error, or of the warnings when the run went on."""
        lines = [line for line in self.stderr.splitlines() if line.strip() and not line.startswith("usage:")]
        if not lines:
            lines = [line for line in self.stdout.splitlines() if line.startswith("warning:")]
        return lines[0] if lines else ""


def _hashes(*folders: Path) -> dict[str, str]:
    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_cli(argv: list[str]) -> tuple[int | str, str, str]:
    """``segkit.cli.main(argv)`` in-process: status, stdout, stderr (an escaping exception shown as Python would)."""
    from segkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status: int | str = main(argv)
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException:  # noqa: BLE001 - what the user would see: a traceback
            err.write(traceback.format_exc())
            status = "traceback"
    return status, out.getvalue(), err.getvalue()


def run_case(case: Case, root: Path) -> Outcome:
    """Build ``case`` under ``root`` (a fresh folder) and run it."""
    bench = Bench(root)
    bench.data.mkdir(parents=True)
    write_base(bench.data)
    built = case.build(bench)
    mutable = built.mutable if isinstance(built, Special) else ()
    before = {k: v for k, v in _hashes(root).items() if not any(k.startswith(str(m)) for m in mutable)}
    t0 = time.perf_counter()
    problem = ""
    if isinstance(built, Special):
        try:
            status, stdout, stderr = built.run(bench)
        except AssertionError as err:  # the case's own checks of the run folder
            status, stdout, stderr, problem = "check failed", "", "", f"{err}"[:500]
    else:
        # a case that wrongly passed the checks would run no kernel: it ends at once, with a run folder
        status, stdout, stderr = _in_process(bench, built, segkit__report__execute_notebook=fake_execute)
    seconds = time.perf_counter() - t0
    after = {k: v for k, v in _hashes(root).items() if k in before}
    changed = sorted(k for k in before if after.get(k) != before[k])
    folders = sorted(p.parent for p in bench.out.glob("**/manifest.json")) if bench.out.is_dir() else []
    with contextlib.suppress(OSError):
        bench.out.chmod(0o755)
    return Outcome(status, stdout, stderr, seconds, changed, folders, problem)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault(case: Case, tmp_path: Path) -> None:
    got = run_case(case, tmp_path)
    assert not got.problem, got.problem
    assert "Traceback" not in got.stderr, got.stderr
    assert got.status == case.status, (got.status, got.stderr)
    for word in case.words:
        assert word in getattr(got, case.stream), (word, got.stderr, got.stdout)
    assert len(got.stderr) < 4000, len(got.stderr)
    assert not got.changed, got.changed
    if not case.folder:
        assert not got.folders, got.folders


def test_the_suite_has_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


def test_a_dropped_identifier_descriptor_reaches_no_later_step(tmp_path: Path) -> None:
    from segkit.study import artifacts
    from segkit.study.context import run_steps
    from segkit.study.folder import RunFolder

    bench = Bench(tmp_path)
    bench.data.mkdir()
    write_base(bench.data)
    study = _customers_with(bench, "email", lambda n: [f"p{i}@example.com" for i in range(n)],
                            identifier_descriptors="drop")
    results = run_steps(tmp_path / "run", study, ["goals", "resources"])
    folder = RunFolder(tmp_path / "run")
    assert "email" not in folder.read(artifacts.TABLE_CUSTOMERS).columns
    assert "age" in folder.read(artifacts.TABLE_CUSTOMERS).columns
    issues = folder.read(artifacts.QUALITY)["issues"]
    assert [(i["rule"], i["column"], i["n_rows"]) for i in issues if i["rule"] == "identifier_descriptor"] == [
        ("identifier_descriptor", "email", N_CUSTOMERS)]
    assert results["resources"].n_customers == N_CUSTOMERS


def table(root: Path) -> str:
    """The closing note's table: every case, its exit status, the first line of its message, seconds to the error."""
    rows = ["| case | exit | message (first line) | seconds |", "|---|---|---|---|"]
    tracebacks = 0
    for i, case in enumerate(CASES):
        got = run_case(case, root / f"case{i:03d}")
        tracebacks += "Traceback" in got.stderr
        # the case's temporary folder is the same for every case: shown once, as <case>
        message = (got.problem or got.message).replace(str(root / f"case{i:03d}"), "<case>").replace("|", "\\|")
        if len(message) > 160:
            message = message[:157] + "..."
        rows.append(f"| {case.name} | {got.status} | {message} | {got.seconds:.2f} |")
    rows.append("")
    rows.append(f"{len(CASES)} cases; {tracebacks} printed a traceback.")
    return "\n".join(rows)


if __name__ == "__main__":
    if "--table" not in sys.argv:
        sys.exit("usage: python tests/test_faults.py --table")
    with tempfile.TemporaryDirectory(prefix="segkit-faults-") as tmp:
        print(table(Path(tmp)))
