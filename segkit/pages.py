"""Pages of a run folder: one shared stylesheet, linked relatively, instead of one embedded copy per page.

nbconvert embeds JupyterLab's stylesheet (about 250 KB) in every exported page. A run folder
keeps it once, as :attr:`RunFolder.STYLESHEET` next to the pages, and each page links it by
its relative name, so a zipped and sent folder still renders standalone. The figures, most of
a page's bytes, are stored with a palette of :data:`FIGURE_COLOURS` colours
(:func:`compact_notebook_images`), in the executed notebook and so in its page.
"""

from __future__ import annotations

import base64
import functools
import io
import re
from pathlib import Path
from typing import Any

from segkit.study.folder import RunFolder

__all__ = ["compact_notebook_images", "compact_png", "head_styles", "link_stylesheet", "stylesheet_text", "write_page"]

#: Colours a figure keeps when it is stored: charts draw with far fewer, and 256 keep the anti-aliased edges
#: smooth, at about a third of the bytes of matplotlib's full-colour PNG.
FIGURE_COLOURS = 256

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


def compact_png(data: str) -> str:
    """A base64 PNG re-encoded with a palette of :data:`FIGURE_COLOURS` colours, when that is smaller.

    A figure with transparent pixels is kept as it is (its background is the page's); so is one
    that does not shrink. The result is the same for the same figure (no dithering).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.scatter(range(200), [i % 17 for i in range(200)], alpha=0.4)
    >>> buf = io.BytesIO(); fig.savefig(buf, format="png"); plt.close(fig)
    >>> full = base64.b64encode(buf.getvalue()).decode()
    >>> len(compact_png(full)) < 0.6 * len(full)
    True
    """
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(base64.b64decode(data)))
        im.load()
    except (OSError, ValueError):
        return data
    if im.mode in ("RGBA", "LA"):
        lowest = im.getchannel("A").getextrema()[0]
        if not isinstance(lowest, (int, float)) or lowest < 255:
            return data
    if im.mode == "P":
        return data
    q = im.convert("RGB").quantize(colors=FIGURE_COLOURS, method=Image.Quantize.MEDIANCUT,
                                   dither=Image.Dither.NONE)
    out = io.BytesIO()
    q.save(out, format="PNG", optimize=True)
    small = base64.b64encode(out.getvalue()).decode("ascii")
    return small if len(small) < len(data) else data


def compact_notebook_images(nb: Any) -> Any:
    """Every PNG output of an executed notebook re-encoded by :func:`compact_png` (in place; returns ``nb``)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            png = data.get("image/png")
            if isinstance(png, str):
                data["image/png"] = compact_png(png.replace("\n", ""))
    return nb
