"""The appendix table as an Excel workbook: numbers stay numbers.

Number formats are Excel's locale-neutral codes: ``#,##0`` means "group thousands" and
Excel or LibreOffice draws the separators of the reader's locale, so a Vietnamese (vi-VN)
installation shows 1.633 and 4,2 while an English one shows 1,633 and 4.2. (``#.##0`` is not
a valid code; forcing dots whatever the locale would mean storing text.) Achievement is
stored as a fraction with the format ``0%``. The sheet says so in a note under the table.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from phongtrao.catalog.models import ValueType
from phongtrao.reports.builder import AppendixRow, Report
from phongtrao.reports.formats.markdown import APPENDIX_COLUMNS
from phongtrao.spreadsheets import workbook_safe

FONT = "Times New Roman"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
PERCENT_FORMAT = "0%"
NUMBER_FORMATS: dict[str, str] = {
    ValueType.INTEGER: INTEGER_FORMAT,
    ValueType.MONEY: INTEGER_FORMAT,
    ValueType.PERCENT: "0.0%",  # a rate indicator, stored as a fraction like achievements
}
WIDTHS = (60, 12, 18, 18, 18, 16, 10, 11, 18)
#: The last column: the indicator's code, for programs reading the workbook.
CODE_COLUMN = "Mã chỉ tiêu"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _number(value: Decimal | None) -> int | float | None:
    """A cell value: whole numbers as int, others as float (Excel has no decimals)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _cells(row: AppendixRow) -> list[object]:
    """One indicator's cells; every percentage is a fraction shown with a % format (a rate
    indicator's 93,69% is 0.9369, as an achievement of 104% is 1.04)."""
    data = row.data
    reported = data.count > 0
    pct = data.achievement_pct / 100 if data.achievement_pct is not None else None
    scale = Decimal(100) if row.indicator.value_type == ValueType.PERCENT else Decimal(1)

    def amount(value: Decimal | None) -> int | float | None:
        return _number(value / scale if value is not None else None)

    return [
        row.name,
        row.indicator.unit_label,  # amounts in đồng here, not in millions as in the text
        amount(data.value) if reported else None,
        amount(data.last_year),
        amount(data.change) if reported else None,
        amount(data.target),
        _number(pct),
        data.count,
        row.indicator.code,
    ]


def render(report: Report) -> bytes:
    """An .xlsx file with one sheet, "Phụ lục"."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Phụ lục"
    bold = Font(name=FONT, bold=True, size=12)
    plain = Font(name=FONT, size=11)
    sheet.append([report.unit.union_name.upper()])
    sheet.append([f"PHỤ LỤC: {report.appendix_title.upper()}"])
    sheet.append(
        [f"Tình hình báo cáo: {report.completeness_text}." if report.completeness_text else ""]
    )
    for cell in (sheet["A1"], sheet["A2"]):
        cell.font = bold
    sheet["A3"].font = plain
    sheet.append([*APPENDIX_COLUMNS, CODE_COLUMN])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
    section = ""
    for row in report.appendix:
        if row.section != section:
            section = row.section
            sheet.append([section])
            current = sheet.max_row
            sheet.merge_cells(
                start_row=current, end_row=current, start_column=1, end_column=len(WIDTHS)
            )
            sheet.cell(current, 1).font = Font(name=FONT, bold=True, size=11)
        sheet.append(_cells(row))
        current = sheet.max_row
        number_format = NUMBER_FORMATS.get(row.indicator.value_type, DECIMAL_FORMAT)
        for column, cell in enumerate(sheet[current], start=1):
            cell.font = plain
            cell.border = BOX
            if column == 1:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif 3 <= column <= 6:
                # An estimate stays a number, shown with the "*" of the note under the table.
                marked = (column in (3, 5) and row.data.estimated) or (
                    column in (4, 5) and row.data.last_year_estimated
                )
                cell.number_format = f'{number_format}"*"' if marked else number_format
            elif column == 7:
                cell.number_format = PERCENT_FORMAT
            elif column == 8:
                cell.number_format = INTEGER_FORMAT
    last_row = sheet.max_row
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(WIDTHS))}{last_row}"
    sheet.append([])
    for note in (*report.notes, *report.footnotes):
        sheet.append([note])
        sheet.cell(sheet.max_row, 1).font = Font(name=FONT, italic=True, size=10)
    sheet.append(
        [
            "Ghi chú: số liệu lưu dạng số; dấu phân cách hàng nghìn và thập phân hiển thị theo "
            "ngôn ngữ của máy (tiếng Việt: 1.633 và 4,2)."
        ]
    )
    sheet.cell(sheet.max_row, 1).font = Font(name=FONT, italic=True, size=10)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"C{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    out = io.BytesIO()
    workbook_safe(book)  # no user text becomes a formula
    book.save(out)
    return out.getvalue()
