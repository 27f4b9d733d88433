"""Print a run folder's reports to one PDF through headless Chromium.

The pages are taken in the order the run's ``index.html`` links them (the index first), so a
page the index adds (an executive summary, say) is printed without a change here. Each page
is printed by Chromium with the print rules of ``report.css`` (no figure or table cut across
pages, table headers repeated, page numbers in the margin); the pages are then joined into one
PDF with a bookmark per report (pypdf, the ``pdf`` extra). A finished run folder is never
modified, so the PDF is written beside it: ``reports/DATE/<run>.pdf``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from segkit.errors import SegkitError

__all__ = ["CHROMIUM_NAMES", "PdfError", "check_pdf_tools", "default_pdf_path", "find_chromium", "print_run",
           "report_pages"]

#: Executables tried, in order, for headless printing (the Debian package is ``chromium``).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: Seconds one page may take to print; a report of a large study embeds many figures.
PAGE_TIMEOUT = 120

#: What to install, quoted by every message about a missing tool.
INSTALL_CHROMIUM = ("install headless Chromium: the Debian/Ubuntu package 'chromium' (apt-get install chromium), "
                    "or Google Chrome")
INSTALL_PYPDF = "install the pdf extra: pip install 'segkit[pdf]' (it adds pypdf)"


class PdfError(SegkitError):
    """The PDF cannot be made: a tool is missing, or Chromium failed on a page."""


class _Links(HTMLParser):
    """The ``href`` of every link, in document order, and the text of the page's first ``h1``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.title = ""
        self._in_h1 = False
        self._seen_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
        elif tag == "h1" and not self._seen_h1:
            # a page may name its bookmark (the summary's heading is the study's title, as the index's is)
            bookmark = dict(attrs).get("data-bookmark")
            if bookmark:
                self.title, self._seen_h1 = bookmark, True
            else:
                self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._in_h1:
            self._in_h1, self._seen_h1 = False, True

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.title += data


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def report_pages(run_dir: Path | str) -> list[tuple[Path, str]]:
    """The run's HTML pages to print, with each page's heading: the index, then in link order the pages
    the index links that are not step reports (such as an executive summary), then the step reports
    in step order.

    Only pages inside the run folder count (links elsewhere, anchors and files that do not
    exist, such as the report of a step that was not run, are skipped), each once.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "index.html").write_text('<h1>Study</h1><a href="03_method.html">c</a><a href="01_goals.html#x">a'
    ...     '</a><a href="summary.html">s</a><a href="https://example.com/">e</a><a href="03_method.html">c</a>')
    >>> for name in ("01_goals", "03_method", "summary"):
    ...     _ = (d / f"{name}.html").write_text(f"<h1>Page {name}</h1>")
    >>> [p.name for p, _ in report_pages(d)]
    ['index.html', 'summary.html', '01_goals.html', '03_method.html']
    >>> report_pages(d)[1][1]
    'Page summary'
    """
    run = Path(run_dir)
    index = run / "index.html"
    if not index.is_file():
        raise PdfError(f"{run} has no index.html: give a segkit run folder (reports/DATE/<study>-HHMMSS)")
    from segkit.study.steps import STEPS

    root = run.resolve()
    linked: list[Path] = []
    for href in _parse(index).hrefs:
        target = href.split("#", 1)[0].split("?", 1)[0]
        if not target.endswith(".html") or "://" in target or target.startswith("/"):
            continue
        path = (run / target).resolve()
        if path.parent == root and path.is_file() and path not in linked and path != index.resolve():
            linked.append(path)
    # the index may cite a step before the steps table lists them; the steps print in their own order
    order = {(root / s.html): s.number for s in STEPS}
    others = [p for p in linked if p not in order]
    steps = sorted((p for p in linked if p in order), key=order.__getitem__)
    return [(p, " ".join(_parse(p).title.split()) or p.stem) for p in [index.resolve(), *others, *steps]]


def find_chromium() -> str:
    """The path of a headless-capable Chromium or Chrome on ``PATH``.

    Raises
    ------
    PdfError
        Naming what to install, when none of :data:`CHROMIUM_NAMES` is found.
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError(f"printing to PDF needs headless Chromium, and none of {', '.join(CHROMIUM_NAMES)} is on the "
                   f"PATH: {INSTALL_CHROMIUM}")


def print_page(browser: str, page: Path, out: Path, *, profile: Path, timeout: int = PAGE_TIMEOUT) -> None:
    """Print one HTML page to ``out`` with headless Chromium.

    Chromium's own header and footer are off (they would print the file's absolute path); the
    page numbers come from the ``@page`` rules of ``report.css``.
    """
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-pdf-header-footer",
           "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
           f"--print-to-pdf={out}", page.resolve().as_uri()]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PdfError(f"Chromium did not print {page.name} within {timeout} s") from None
    if res.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        tail = "\n".join((res.stderr or "").strip().splitlines()[-5:])
        raise PdfError(f"Chromium could not print {page.name} (exit {res.returncode}): {tail or 'no message'}")


def check_pdf_tools() -> str:
    """Chromium's path, after checking that pypdf is installed too (``segkit run --pdf`` checks before running).

    Raises
    ------
    PdfError
        Naming what to install.
    """
    browser = find_chromium()
    try:
        import pypdf  # noqa: F401
    except ImportError:
        raise PdfError(f"joining the pages into one PDF needs pypdf: {INSTALL_PYPDF}") from None
    return browser


def default_pdf_path(run_dir: Path | str) -> Path:
    """Where the PDF of a run goes: beside the (never modified) run folder, named after it.

    Examples
    --------
    >>> default_pdf_path("reports/2026-12-05/demo-070152").as_posix()
    'reports/2026-12-05/demo-070152.pdf'
    """
    run = Path(run_dir)
    return run.with_name(f"{run.name}.pdf")


def print_run(run_dir: Path | str, out: Path | str | None = None, *,
              progress: Callable[[str], None] | None = None) -> Path:
    """Print the index and every report of a run folder into one PDF with a bookmark per page.

    Parameters
    ----------
    run_dir : path
        A run folder (it has ``index.html``).
    out : path, optional
        The PDF to write; defaults to :func:`default_pdf_path`. It may not lie inside the run folder.
    progress : callable, optional
        Receives one line per printed page.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    PdfError
        When Chromium or pypdf is missing (naming what to install), or Chromium fails on a page.
    """
    run = Path(run_dir)
    pages = report_pages(run)
    target = Path(out) if out is not None else default_pdf_path(run)
    if target.resolve().is_relative_to(run.resolve()):
        raise PdfError(f"the PDF cannot go inside the run folder {run} (a run folder is never modified): "
                       f"choose a path outside it, e.g. {default_pdf_path(run)}")
    browser = check_pdf_tools()
    from pypdf import PdfWriter

    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="segkit-pdf-") as tmp:
        for i, (page, title) in enumerate(pages):
            part = Path(tmp) / f"{i:02d}.pdf"
            print_page(browser, page, part, profile=Path(tmp) / "profile")
            writer.append(str(part), outline_item=title)
            if progress is not None:
                progress(f"printed {page.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = target.with_name(f".{target.name}.part")
        with open(tmp_out, "wb") as fh:
            writer.write(fh)
        tmp_out.replace(target)
    return target
