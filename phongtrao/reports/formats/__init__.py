"""Output formats of a built `Report`: md, html, pdf, docx, xlsx.

`report_render(report, fmt)` returns the document's bytes; each format lives in its own
module and lays out the same `Report` (nothing is computed or worded here).
"""

from __future__ import annotations

from collections.abc import Callable

from phongtrao.reports.builder import Report
from phongtrao.reports.formats import docx, html, markdown, xlsx

RENDERERS: dict[str, Callable[[Report], bytes]] = {
    "md": markdown.render,
    "html": html.render,
    "pdf": html.render_pdf,
    "docx": docx.render,
    "xlsx": xlsx.render,
}
FORMATS = tuple(RENDERERS)


def report_render(report: Report, fmt: str) -> bytes:
    """The report as a document in format `fmt` (one of `FORMATS`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"Định dạng “{fmt}” không được hỗ trợ; chọn một trong: {', '.join(FORMATS)}."
        ) from None
    return renderer(report)
