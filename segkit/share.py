"""``segkit share RUN``: the copy of a finished run a consultant sends to the client.

A run folder holds what the analysis needs to be re-run and audited (the executed notebooks, the
artifacts the steps hand each other, the manifest with the machine that ran it); a client needs the
pages and the exports. The share copy holds the pages (index, summary, the eight reports and their
one stylesheet), the exports, the PDF when one was printed, and a manifest without the machine's
name, process id or platform. The run folder itself is never changed.

Examples
--------
>>> share_dir_for("reports/2026-12-05/demo-070152").as_posix()
'reports/2026-12-05/demo-070152-share'
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from segkit.errors import SegkitError
from segkit.study.folder import FINISHED_STATUSES, RunFolder

__all__ = ["PRIVATE_MANIFEST_KEYS", "SHARE_SUFFIX", "share_dir_for", "share_run"]

#: The share copy sits beside the run folder, named after it with this suffix.
SHARE_SUFFIX = "-share"
#: Manifest entries that describe the analyst's machine, not the study: left out of the share copy.
PRIVATE_MANIFEST_KEYS = ("pid", "host", "platform", "packages", "git_commit")
#: The files of a run folder's top level a client reads (the pages and their stylesheet).
PAGE_PATTERNS = ("*.html", "*.css")


def share_dir_for(run_dir: Path | str) -> Path:
    """Where the share copy of ``run_dir`` goes by default: beside it, ``<run>-share``."""
    run = Path(run_dir)
    return run.with_name(run.name + SHARE_SUFFIX)


def share_run(run_dir: Path | str, dest: Path | str | None = None, *, zip_it: bool = False) -> Path:
    """Copy what a client reads of a finished run into ``dest`` (and, with ``zip_it``, a ``.zip`` of it).

    Parameters
    ----------
    run_dir : path
        A finished run folder (status ok, failed or interrupted).
    dest : path, optional
        The folder to create; it must not exist. Default: :func:`share_dir_for`.
    zip_it : bool
        Also write ``dest.zip`` (and return its path).

    Returns
    -------
    Path
        The share folder, or the zip file with ``zip_it``.

    Raises
    ------
    SegkitError
        When ``run_dir`` is not a finished run folder, or ``dest`` exists or lies inside the run folder.
    """
    run = RunFolder(run_dir)
    if not run.manifest_path.is_file():
        raise SegkitError(f"{run.path}: not a segkit run folder (no {RunFolder.MANIFEST})")
    manifest = run.read_manifest()
    if manifest.get("status") not in FINISHED_STATUSES:
        raise SegkitError(f"{run.path}: the run is {manifest.get('status')!r}; share a run once it has finished")
    target = Path(dest) if dest is not None else share_dir_for(run.path)
    if target.exists():
        raise SegkitError(f"{target} already exists; remove it or give another folder with --out")
    if target.resolve().is_relative_to(run.path.resolve()):
        raise SegkitError(f"{target} is inside the run folder {run.path}, which must not change; choose another")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for pattern in PAGE_PATTERNS:
            for page in sorted(run.path.glob(pattern)):
                shutil.copyfile(page, staging / page.name)
        if run.exports_dir.is_dir():
            shutil.copytree(run.exports_dir, staging / RunFolder.EXPORTS, copy_function=shutil.copyfile)
        from segkit.pdf import default_pdf_path

        pdf = default_pdf_path(run.path)
        if pdf.is_file():
            shutil.copyfile(pdf, staging / pdf.name)
        (staging / RunFolder.MANIFEST).write_text(json.dumps(public_manifest(manifest), indent=2, ensure_ascii=False),
                                                  encoding="utf-8")
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not zip_it:
        return target
    return Path(shutil.make_archive(str(target), "zip", root_dir=target.parent, base_dir=target.name))


def public_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without what describes the analyst's machine (:data:`PRIVATE_MANIFEST_KEYS`).

    Examples
    --------
    >>> public_manifest({"study": "demo", "host": "laptop-7", "pid": 4242})
    {'study': 'demo'}
    """
    return {k: v for k, v in manifest.items() if k not in PRIVATE_MANIFEST_KEYS}
