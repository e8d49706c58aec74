"""The report as a Word document laid out per Nghị định 30/2020/NĐ-CP (Phụ lục I).

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 pt for the
text (13 pt in the heading block, 10 pt in the appendix table). The document only names the
font: Word or LibreOffice uses Times New Roman where installed and a metric-compatible font
(Liberation Serif) elsewhere.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from phongtrao.reports.builder import Report
from phongtrao.reports.charts import chart_png
from phongtrao.reports.formats.markdown import APPENDIX_COLUMNS

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
HEADING_SIZE = Pt(13)
TABLE_SIZE = Pt(10)
RULE = "――――――"
APPENDIX_WIDTHS_CM = (5.6, 1.5, 2.0, 2.0, 1.8, 1.3, 1.1, 1.2)  # 16,5 cm: the text width


def _line(
    container: DocumentObject | _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: Pt | None = None,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Paragraph:
    """A one-run paragraph (the first of a cell reuses the cell's empty paragraph)."""
    paragraph: Paragraph
    if first and isinstance(container, _Cell):
        paragraph = container.paragraphs[0]
    else:
        paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.first_line_indent = Cm(0)
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    if size is not None:
        run.font.size = size
    return paragraph


def _widths(table: Table, widths: list[Length]) -> None:
    """Fixed column widths (Word reads the cells' widths, LibreOffice the grid's)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _setup(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = BODY_SIZE
    # Word reads the East Asian and complex-script fonts separately.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    # Page numbers at the top centre from page two on (Nghị định 30/2020, Phụ lục I).
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field: Word and LibreOffice print the page's number there."""
    run = paragraph.add_run()
    for tag, attributes in (
        ("w:fldChar", {"w:fldCharType": "begin"}),
        ("w:instrText", {"xml:space": "preserve"}),
        ("w:fldChar", {"w:fldCharType": "end"}),
    ):
        element = OxmlElement(tag)
        for name, value in attributes.items():
            element.set(qn(name), value)
        if tag == "w:instrText":
            element.text = "PAGE"
        run._r.append(element)


def _row_flag(row: Any, flag: str) -> None:
    """Set a row property: ``w:tblHeader`` (repeat on each page), ``w:cantSplit``."""
    properties = row.get_or_add_trPr()
    element = OxmlElement(flag)
    element.set(qn("w:val"), "true")
    properties.append(element)


def _properties(doc: DocumentObject, report: Report) -> None:
    """The file's properties in Vietnamese, the unit as author (not "python-docx")."""
    core = doc.core_properties
    core.author = report.unit.union_name
    core.last_modified_by = report.unit.union_name
    core.title = f"{report.header.title} {report.header.subtitle}"
    core.subject = f"Báo cáo {report.unit.union_name} {report.period.label_vi()}"
    core.keywords = "báo cáo; công tác Hội; phong trào phụ nữ"
    core.comments = "Lập từ số liệu tổng hợp của hệ thống báo cáo phong trào."
    core.language = "vi-VN"
    core.category = "Báo cáo"


def render(report: Report) -> bytes:
    """A .docx file."""
    doc = Document()
    _setup(doc)
    h = report.header

    heading = doc.add_table(rows=1, cols=2)
    heading.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = heading.rows[0].cells
    _widths(heading, [Cm(6.7), Cm(9.8)])
    _line(left, h.parent_name, size=HEADING_SIZE, first=True)
    _line(left, h.issuer, bold=True, size=HEADING_SIZE)
    _line(left, RULE, size=Pt(8))
    _line(left, h.number, size=HEADING_SIZE)
    _line(right, h.nation, bold=True, size=Pt(12), first=True)
    _line(right, h.motto, bold=True, size=BODY_SIZE)
    _line(right, RULE * 2, size=Pt(8))
    _line(right, h.place_date, italic=True, size=HEADING_SIZE)

    doc.add_paragraph()
    _line(doc, h.title, bold=True)
    _line(doc, h.subtitle, bold=True)
    # The rule under the title (Nghị định 30/2020, Phụ lục I, ô 5b).
    _line(doc, RULE, size=Pt(8)).paragraph_format.space_after = Pt(12)

    last: list[Paragraph] = []

    def body(text: str) -> None:
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1)
        paragraph.paragraph_format.space_after = Pt(6)
        last[:] = [paragraph]

    def heading_line(text: str, level: int) -> None:
        line = _line(doc, text, bold=True, italic=level > 2, align=WD_ALIGN_PARAGRAPH.LEFT)
        line.paragraph_format.space_before = Pt(6)
        line.paragraph_format.space_after = Pt(6)
        line.paragraph_format.keep_with_next = True

    for text in report.intro:
        body(text)
    for note in report.notes:
        _line(doc, note, italic=True, size=Pt(12), align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    heading_line(report.results_heading, 1)
    for section in (*report.sections, *report.closing):
        heading_line(section.heading, section.level)
        for text in section.paragraphs:
            body(text)
    # The signature is never left alone on a page: the last paragraph goes with it.
    for paragraph in last:
        paragraph.paragraph_format.keep_with_next = True

    signature = doc.add_table(rows=1, cols=2)
    _widths(signature, [Cm(8), Cm(8.5)])
    receivers, signer = signature.rows[0].cells
    first = _line(receivers, "Nơi nhận:", bold=True, italic=True, size=Pt(12), first=True)
    first.alignment = WD_ALIGN_PARAGRAPH.LEFT
    for text in h.recipients:
        _line(receivers, f"- {text}", size=Pt(11), align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(signer, h.signer_role, bold=True, first=True)
    _line(signer, h.signer_title, bold=True)
    for _ in range(3):  # room for the signature and the seal
        _line(signer, "")
    _line(signer, h.signer_name, bold=True)
    for row in signature.rows:
        _row_flag(row._tr, "w:cantSplit")
    for cell in (receivers, signer):
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    _properties(doc, report)

    _appendix(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _appendix(doc: DocumentObject, report: Report) -> None:
    page_break = doc.add_paragraph()
    page_break.add_run().add_break(WD_BREAK.PAGE)
    _line(doc, "PHỤ LỤC", bold=True)
    _line(doc, report.appendix_title, bold=True).paragraph_format.space_after = Pt(6)
    if report.completeness_text:
        _line(
            doc,
            f"Tình hình báo cáo: {report.completeness_text}.",
            size=Pt(12),
            align=WD_ALIGN_PARAGRAPH.LEFT,
        )
    for number, chart in enumerate(report.charts, start=1):
        picture = doc.add_paragraph()
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(chart_png(chart)), width=Cm(16))
        _line(
            doc,
            f"Biểu đồ {number}. {chart.caption}",
            italic=True,
            size=Pt(10),
            align=WD_ALIGN_PARAGRAPH.LEFT,
        )
    table = doc.add_table(rows=1, cols=len(APPENDIX_COLUMNS))
    table.style = "Table Grid"
    _row_flag(table.rows[0]._tr, "w:tblHeader")  # repeated at the top of every page
    for cell, title in zip(table.rows[0].cells, APPENDIX_COLUMNS, strict=True):
        _line(cell, title, bold=True, size=TABLE_SIZE, first=True)
    section = ""
    for row in report.appendix:
        if row.section != section:
            section = row.section
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            _line(
                merged,
                section,
                bold=True,
                size=TABLE_SIZE,
                align=WD_ALIGN_PARAGRAPH.LEFT,
                first=True,
            )
        values = (
            row.name,
            row.unit_label,
            row.value,
            row.last_year,
            row.change,
            row.target,
            row.pct,
            str(row.count),
        )
        for i, (cell, text) in enumerate(zip(table.add_row().cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if i < 2 else WD_ALIGN_PARAGRAPH.RIGHT
            _line(cell, text, size=TABLE_SIZE, align=align, first=True)
    _widths(table, [Cm(c) for c in APPENDIX_WIDTHS_CM])
    for note in report.footnotes:
        _line(doc, note, italic=True, size=Pt(10), align=WD_ALIGN_PARAGRAPH.LEFT)
