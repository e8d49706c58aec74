"""Documents of emulation: the score sheet (XLSX), the proposal list and the decision (DOCX).

The DOCX files follow the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I): the issuing body
and the national motto side by side, the number and symbol, place and date, the title, the
body, then the recipients and the signature block.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from phongtrao.emulation.models import Classification, CriteriaSet, Decision, Proposal, Score
from phongtrao.emulation.selectors import set_results
from phongtrao.orgs.models import Level, Unit
from phongtrao.spreadsheets import workbook_safe
from phongtrao.vn import format_number, format_place_date

FONT = "Times New Roman"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RULE = "――――――"
NAME_PREFIXES = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")


def place_of(unit: Unit) -> str:
    """The place name a document is dated from: "Bình Phước" for the province."""
    if unit.level == Level.CENTRAL:
        return "Hà Nội"
    for prefix in NAME_PREFIXES:
        if unit.name.startswith(prefix + " "):
            return unit.name[len(prefix) + 1 :]
    return unit.name


BODY_IN_TEXT = {
    "BAN THƯỜNG VỤ": "Ban Thường vụ",
    "BAN CHẤP HÀNH": "Ban Chấp hành",
    "ĐOÀN CHỦ TỊCH": "Đoàn Chủ tịch",
}


def issuing_body(unit: Unit) -> tuple[str, str]:
    """(the union, the body that signs) as the heading prints them."""
    if unit.level == Level.CENTRAL:
        return "HỘI LIÊN HIỆP PHỤ NỮ VIỆT NAM", "ĐOÀN CHỦ TỊCH"
    body = "BAN CHẤP HÀNH" if unit.level >= Level.COMMUNE else "BAN THƯỜNG VỤ"
    return unit.union_name.upper(), body


# -- XLSX -------------------------------------------------------------------------------------


def score_sheet_xlsx(criteria_set: CriteriaSet) -> bytes:
    """One row per unit: points per group, bonus, total, classification, cluster and rank."""
    groups = list(criteria_set.groups.order_by("number"))
    rows = set_results(criteria_set)
    # One query for every score of the set: {assessment: {group: points + bonus}}.
    sums: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for score in Score.objects.filter(assessment__criteria_set=criteria_set).select_related(
        "criterion"
    ):
        sums[score.assessment_id][score.criterion.group_id] += score.points + score.bonus
    totals = {a.pk: {g.pk: min(sums[a.pk][g.pk], g.max_points) for g in groups} for a in rows}
    book = Workbook()
    sheet = book.active
    sheet.title = "Bảng điểm"
    title = f"BẢNG TỔNG HỢP ĐIỂM THI ĐUA NĂM {criteria_set.year}"
    sheet.append([title])
    sheet.append([f"{criteria_set.grader.union_name} chấm {Level(criteria_set.level).label}"])
    sheet.append([])
    header = ["STT", "Đơn vị"]
    header += [f"Nhóm {g.number} ({format_number(g.max_points.normalize())} điểm)" for g in groups]
    header += [
        "Điểm thưởng",
        "Tổng điểm",
        "Xếp loại",
        "Cụm thi đua",
        "Hạng trong cụm",
        "Trạng thái",
    ]
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    sheet["A1"].font = Font(bold=True, size=13)
    for number, a in enumerate(rows, start=1):
        sheet.append(
            [number, a.unit.union_name]
            + [totals[a.pk][g.pk] for g in groups]
            + [
                a.bonus_points,
                a.total,
                Classification(a.classification).label if a.classification else "",
                a.cluster.name if a.cluster else "",
                a.cluster_rank,
                a.get_status_display(),
            ]
        )
        for column in range(3, 3 + len(groups) + 2):
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.00"
    widths = [6, 34] + [14] * len(groups) + [12, 11, 30, 34, 10, 22]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C5"
    out = io.BytesIO()
    workbook_safe(book)  # no user text becomes a formula
    book.save(out)
    return out.getvalue()


# -- DOCX -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    union: str
    body: str
    number: str
    place_date: str
    title: str
    subtitle: str
    signer_role: str
    signer_title: str
    signer: str


def _line(
    container: DocumentObject | _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 14,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Paragraph:
    paragraph = (
        container.paragraphs[0]
        if first and isinstance(container, _Cell)
        else container.add_paragraph()
    )
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = Pt(size)
    return paragraph


def _document() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    return doc


def _heading(doc: DocumentObject, h: Heading) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.7), Cm(9.8)
    _line(left, h.union, size=13, first=True)
    _line(left, h.body, bold=True, size=13)
    _line(left, RULE, size=8)
    _line(left, h.number, size=13)
    _line(right, NATION, bold=True, size=12, first=True)
    _line(right, MOTTO, bold=True)
    _line(right, RULE * 2, size=8)
    _line(right, h.place_date, italic=True, size=13)
    doc.add_paragraph()
    _line(doc, h.title, bold=True)
    _line(doc, h.subtitle, bold=True).paragraph_format.space_after = Pt(12)


def _body(doc: DocumentObject, text: str) -> None:
    paragraph = doc.add_paragraph(text)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.space_after = Pt(6)


def _signature(doc: DocumentObject, h: Heading, receivers: Sequence[str]) -> None:
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _line(
        left,
        "Nơi nhận:",
        bold=True,
        italic=True,
        size=12,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        first=True,
    )
    for text in receivers:
        _line(left, text, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _line(right, h.signer_role, bold=True, first=True)
    _line(right, h.signer_title, bold=True)
    for _ in range(3):
        _line(right, "")
    _line(right, h.signer, bold=True)


def _save(doc: DocumentObject) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def proposals_docx(proposer: Unit, year: int, proposals: Sequence[Proposal]) -> bytes:
    """The proposal list (tờ trình) with, for each unit, the rule that made it eligible."""
    union, body = issuing_body(proposer)
    symbol = "TTr-BTV" if proposer.level < Level.COMMUNE else "TTr-BCH"
    h = Heading(
        union=union,
        body=body,
        number=f"Số:        /{symbol}",
        place_date=format_place_date(place_of(proposer), timezone.localdate()),
        title="TỜ TRÌNH",
        subtitle=f"Về việc đề nghị khen thưởng thành tích năm {year}",
        signer_role=f"TM. {body}",
        signer_title="CHỦ TỊCH",
        signer="",
    )
    doc = _document()
    _heading(doc, h)
    _body(
        doc,
        f"Căn cứ kết quả chấm điểm, xếp loại thi đua năm {year} đã được Hội đồng thi đua, "
        f"khen thưởng xét và công bố, {BODY_IN_TEXT[body]} {proposer.union_name} đề nghị khen "
        f"thưởng {len(proposals)} lượt tập thể có thành tích xuất sắc như sau:",
    )
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ("STT", "Tập thể", "Hình thức khen thưởng", "Căn cứ đề nghị"),
        strict=True,
    ):
        _line(cell, text, bold=True, size=12, first=True)
    for number, proposal in enumerate(proposals, start=1):
        cells = table.add_row().cells
        _line(cells[0], str(number), size=12, first=True)
        _line(
            cells[1], proposal.unit.union_name, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True
        )
        _line(
            cells[2], proposal.award_type.name, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True
        )
        _line(cells[3], proposal.reason, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(1.2), Cm(5), Cm(5), Cm(5.3)), strict=True):
            cell.width = width
    _body(doc, "Kính trình xem xét, quyết định./.")
    _signature(doc, h, ("- Như trên;", "- Lưu: VT."))
    return _save(doc)


def decision_docx(decision: Decision) -> bytes:
    """The decision awarding the units (Quyết định), with its articles."""
    issuer = decision.issuer
    union, body = issuing_body(issuer)
    awards = list(decision.awards.select_related("unit").order_by("unit__code"))
    h = Heading(
        union=union,
        body=body,
        number=f"Số: {decision.number}",
        place_date=format_place_date(place_of(issuer), decision.date),
        title="QUYẾT ĐỊNH",
        subtitle=f"Về việc tặng {_lower_first(decision.award_type.name)}",
        signer_role=f"TM. {body}",
        signer_title=decision.signer_title.upper(),
        signer=decision.signer,
    )
    doc = _document()
    _heading(doc, h)
    _line(doc, f"{body} {union}", bold=True).paragraph_format.space_after = Pt(6)
    _body(doc, "Căn cứ Điều lệ Hội Liên hiệp Phụ nữ Việt Nam;")
    _body(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;")
    _body(
        doc,
        f"Căn cứ kết quả chấm điểm, xếp loại thi đua năm {decision.year} đã công bố và đề nghị "
        "của Hội đồng thi đua, khen thưởng,",
    )
    _line(doc, "QUYẾT ĐỊNH:", bold=True).paragraph_format.space_after = Pt(6)
    names = "; ".join(a.unit.union_name for a in awards)
    _body(
        doc,
        f"Điều 1. Tặng {decision.award_type.name} cho {len(awards)} tập thể đã có thành tích "
        f"xuất sắc trong thực hiện nhiệm vụ năm {decision.year}: {names}.",
    )
    _body(
        doc,
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký. Các đơn vị có tên tại Điều 1 và các "
        "bộ phận liên quan chịu trách nhiệm thi hành Quyết định này./.",
    )
    _signature(doc, h, ("- Như Điều 2;", "- Lưu: VT, TĐKT."))
    return _save(doc)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
