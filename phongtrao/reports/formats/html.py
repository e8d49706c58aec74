"""The report as HTML (the template ``reports/report.html``) and as PDF made from it.

The PDF is laid out by WeasyPrint with the machine's Pango and fonts: "Times New Roman"
when installed, else Liberation Serif (same metrics) or DejaVu Serif, all with the
Vietnamese letters. The page is A4 with the margins of Nghị định 30/2020.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from phongtrao.reports.builder import Report


def render_text(report: Report) -> str:
    return render_to_string("reports/report.html", {"report": report, "header": report.header})


def render(report: Report) -> bytes:
    """A standalone HTML page (UTF-8)."""
    return render_text(report).encode()


def render_pdf(report: Report) -> bytes:
    """A PDF of the HTML page."""
    # Imported here: WeasyPrint loads Pango at import, which only PDF output needs.
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_text(report)).write_pdf()
    return pdf
