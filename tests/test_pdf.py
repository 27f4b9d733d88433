"""segkit pdf: pages in the index's order, one PDF with a bookmark per page, print rules, clear messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segkit.cli import main
from segkit.pdf import CHROMIUM_NAMES, PdfError, find_chromium, print_run, report_pages

CSS = (Path(__file__).resolve().parents[1] / "segkit" / "templates" / "report.css").read_text(encoding="utf-8")
#: rows enough for a table to run over a page
LONG_TABLE_ROWS = 100


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{CSS}</style></head>'
            f'<body class="segkit-report"><header class="sk-banner"><h1 class="sk-title">{title}</h1>'
            f'<nav class="sk-nav"><a href="index.html">Overview</a></nav></header><main>{body}</main></body></html>')


@pytest.fixture
def run_folder(tmp_path) -> Path:
    """A run folder as the PDF sees it: an index linking two reports (one with a long table) and a missing one."""
    run = tmp_path / "2026-12-05" / "demo-070000"
    run.mkdir(parents=True)
    links = ('<a href="01_goals.html">Goals</a> <a href="manifest.json">manifest</a> '
             '<a href="02_resources.html#Data">Resources</a> <a href="03_method.html">not run</a> '
             '<a href="https://example.com/x.html">elsewhere</a> <a href="01_goals.html">again</a>')
    (run / "index.html").write_text(_page("Overview 概览", links), encoding="utf-8")
    (run / "01_goals.html").write_text(_page("Step 1 of 8 · Goals", "<p>目标 goal</p>"), encoding="utf-8")
    rows = "".join(f'<tr><td>customer {i}</td><td class="num">{i:,}</td></tr>' for i in range(LONG_TABLE_ROWS))
    table = (f'<table class="sk-table"><thead><tr><th>who</th><th>amount ¥</th></tr></thead><tbody>{rows}</tbody>'
             '</table>')
    (run / "02_resources.html").write_text(_page("Step 2 of 8 · Resources", table), encoding="utf-8")
    return run


def test_pages_follow_the_index_once_each_and_only_inside_the_run(run_folder):
    pages = report_pages(run_folder)
    assert [p.name for p, _ in pages] == ["index.html", "01_goals.html", "02_resources.html"]
    assert [t for _, t in pages] == ["Overview 概览", "Step 1 of 8 · Goals", "Step 2 of 8 · Resources"]


def test_a_folder_without_index_is_named(tmp_path):
    with pytest.raises(PdfError, match="has no index.html"):
        report_pages(tmp_path)


def test_missing_chromium_names_the_package_to_install(run_folder, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(run_folder))  # a PATH with no browser on it
    with pytest.raises(PdfError, match=r"apt-get install chromium"):
        find_chromium()
    assert main(["pdf", str(run_folder)]) == 2
    err = capsys.readouterr().err
    assert "none of " + ", ".join(CHROMIUM_NAMES) in err and "'chromium'" in err
    assert not (run_folder.parent / "demo-070000.pdf").exists()


def test_the_pdf_cannot_go_inside_the_run_folder(run_folder):
    with pytest.raises(PdfError, match="never modified"):
        print_run(run_folder, run_folder / "x.pdf")


def test_pdf_prints_every_page_with_bookmarks_numbers_and_repeated_headers(run_folder, capsys):
    if not any(shutil.which(n) for n in CHROMIUM_NAMES):
        pytest.skip(f"none of {', '.join(CHROMIUM_NAMES)} is installed (Debian package 'chromium'): cannot print")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'segkit[pdf]'")
    assert main(["pdf", str(run_folder)]) == 0
    out = run_folder.parent / "demo-070000.pdf"
    assert f"PDF: {out}" in capsys.readouterr().out
    reader = pypdf.PdfReader(out)
    texts = [p.extract_text() for p in reader.pages]
    # index 1 page, goals 1 page, the long table at least 2 pages
    assert len(reader.pages) >= 4
    assert [o.title for o in reader.outline] == ["Overview 概览", "Step 1 of 8 · Goals", "Step 2 of 8 · Resources"]
    starts = [reader.get_destination_page_number(o) for o in reader.outline]
    assert starts[:2] == [0, 1] and starts[2] == 2
    table_pages = texts[starts[2]:]
    assert len(table_pages) >= 2
    # the table's header is repeated on every page it runs over, and each page has its number in the margin
    assert all("who" in t and "amount ¥" in t for t in table_pages)
    assert all(f"{i + 1} / {len(table_pages)}" in t for i, t in enumerate(table_pages))
    assert f"customer {LONG_TABLE_ROWS - 1}" in table_pages[-1]
    # the navigation is for the screen; Chinese text is printed, not boxes (目 extracts as a radical)
    assert "Overview" not in texts[1] and "标" in texts[1]
    # Chromium's own header/footer would print the file's absolute path
    assert not any(str(run_folder) in t for t in texts)


def test_a_zh_index_of_a_real_run_prints_with_chinese_text_and_page_numbers(demo_run_steps, tmp_path):
    if not any(shutil.which(n) for n in CHROMIUM_NAMES):
        pytest.skip(f"none of {', '.join(CHROMIUM_NAMES)} is installed (Debian package 'chromium'): cannot print")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed: pip install 'segkit[pdf]'")
    from segkit.index_page import write_index
    from segkit.study import STEPS
    from tests.conftest import copy_run

    run = copy_run(demo_run_steps[0], tmp_path / "reports" / "run-070000")
    steps = [{"step": s.name, "title": s.title, "status": "ok", "seconds": 1.0, "html": s.html} for s in STEPS]
    write_index(run, {"title": "Frozen food", "run_id": run.name, "started": "2026-12-05T07:00:00", "status": "ok",
                      "segkit_version": "0", "config": {"language": "zh"}, "steps": steps,
                      "study_file": "study.yaml", "seed": 1})
    reader = pypdf.PdfReader(print_run(run))
    text = "\n".join(p.extract_text() for p in reader.pages)
    # the step reports do not exist here: the index alone is printed
    assert len(reader.outline) == 1 and len(reader.pages) >= 1
    # (a few characters extract as their Kangxi radical forms, such as 一 as ⼀: test words without them)
    assert "细分" in text and "步骤" in text and "The segments at a glance" not in text
    assert f"1 / {len(reader.pages)}" in text


def test_run_with_pdf_stops_before_running_when_chromium_is_missing(small_demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "reports"
    assert main(["run", str(small_demo / "study.yaml"), "--out", str(out), "--pdf"]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert not out.exists()  # nothing was run or written
