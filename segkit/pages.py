"""Pages of a run folder: one shared stylesheet, linked relatively, instead of one embedded copy per page.

nbconvert embeds JupyterLab's stylesheet (about 250 KB) in every exported page. A run folder
keeps it once, as :attr:`RunFolder.STYLESHEET` next to the pages, and each page links it by
its relative name, so a zipped and sent folder still renders standalone.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from segkit.study.folder import RunFolder

__all__ = ["head_styles", "link_stylesheet", "stylesheet_text", "write_page"]

_TEMPLATES = Path(__file__).parent / "templates"
_HEAD_STYLE = re.compile(r"<style[^>]*>(.*?)</style>\s*", re.S | re.I)


def head_styles(html: str) -> tuple[str, list[str]]:
    """``html`` without the ``<style>`` blocks of its ``<head>``, and their contents in order.

    Styles inside the body (a table's own styling in a cell output) stay where they are.

    Examples
    --------
    >>> page, css = head_styles("<html><head><style>a{}</style></head><body><style>b{}</style></body></html>")
    >>> page, css
    ('<html><head></head><body><style>b{}</style></body></html>', ['a{}'])
    """
    head, sep, body = html.partition("</head>")
    if not sep:
        return html, []
    found = [m.group(1) for m in _HEAD_STYLE.finditer(head)]
    return _HEAD_STYLE.sub("", head) + sep + body, found


@functools.lru_cache(maxsize=1)
def stylesheet_text() -> str:
    """The one stylesheet of a run folder: JupyterLab's styles as nbconvert embeds them, then segkit's own.

    Taken from an empty notebook exported with the report template, so it is exactly what a step
    page would embed.
    """
    import nbformat

    from segkit.report import export_html

    html = export_html(nbformat.v4.new_notebook(), resources={})
    _, styles = head_styles(html)
    return "\n".join(s.strip() for s in styles) + "\n"


def link_stylesheet(html: str, stylesheet: str = RunFolder.STYLESHEET) -> str:
    """``html`` with the head styles that the run's stylesheet holds replaced by one relative ``<link>``.

    A head style the stylesheet does not hold stays inline, so a page never loses a rule.
    """
    page, styles = head_styles(html)
    shared = stylesheet_text()
    own = [s for s in styles if s.strip() not in shared]
    tags = f'<link rel="stylesheet" href="{stylesheet}">\n' + "".join(f"<style>{s}</style>\n" for s in own)
    head, sep, body = page.partition("</head>")
    return head + tags + sep + body if sep else tags + page


def write_page(run: RunFolder, path: Path, html: str) -> Path:
    """Write a page of ``run`` linking the run's stylesheet (written once, with the first page)."""
    if not run.stylesheet_path.is_file():
        run.stylesheet_path.write_text(stylesheet_text(), encoding="utf-8")
    path.write_text(link_stylesheet(html), encoding="utf-8")
    return path
