"""The Excel template of a report, as officers actually work: download, fill in, upload.

Two layouts of one sheet named after the form:

* one unit: a row per indicator (sections grouped, "trong đó" rows indented), the value to
  enter in column D beside last year's value and the target;
* the units below (a district for its communes): a row per unit, a column per indicator.

Only the input cells are unlocked; indicator codes and unit identifiers sit in hidden
columns and rows, and a very hidden sheet keeps what the file was made from: form, unit,
period, and each value with its version at download. The upload is all or nothing through
`data.services.datavalues_save`: only the values the officer changed are written, each
with the version read at download, so a value someone else changed meanwhile is a conflict
and nothing is applied. Errors name the sheet, row and cell, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from phongtrao import periods
from phongtrao.accounts.access import access_unit
from phongtrao.catalog.models import Form, Indicator, ValueType
from phongtrao.catalog.selectors import form_indicators
from phongtrao.data.models import DataValue, Period
from phongtrao.data.selectors import entry_rows
from phongtrao.data.services import ValueConflict, datavalues_save
from phongtrao.data.validation import check_value, parse_value, short_name
from phongtrao.orgs.models import Unit
from phongtrao.spreadsheets import NOT_XLSX as SPREADSHEET_NOT_XLSX
from phongtrao.spreadsheets import SpreadsheetError, XlsxLimits, workbook_safe, xlsx_open
from phongtrao.vn import format_number

META_SHEET = "_meta"
# Layout of the one-unit sheet.
UNIT_HEADER_ROW = 5
VALUE_COLUMN = "D"
CODE_COLUMN = "G"
# Layout of the units-below sheet: codes in a hidden row, unit uids in a hidden column.
UNITS_CODE_ROW = 5
UNITS_FIRST_ROW = 7
UNITS_UID_COLUMN = "B"
UNITS_FIRST_VALUE_COLUMN = 4
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 500
META_ROWS = 500_000  # the hidden sheet: a row per value of the template
UPLOAD_LIMITS = XlsxLimits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)

INPUT_FILL = PatternFill("solid", fgColor="FFF4C2")
HEADER_FILL = PatternFill("solid", fgColor="F3E1E7")
SECTION_FILL = PatternFill("solid", fgColor="EDEDED")
BOLD = Font(bold=True)
NUMBER_FORMATS = {
    ValueType.INTEGER: "#,##0",
    ValueType.MONEY: "#,##0",
    ValueType.DECIMAL: "#,##0.##",
    ValueType.PERCENT: "0.##",
}
NOT_XLSX = "Tệp không phải là tệp Excel (.xlsx) hợp lệ. Hãy tải mẫu từ trang nhập liệu rồi điền."


def units_below(form: Form, unit: Unit, period: Period) -> list[Unit]:
    """The units of the form's level in `unit`'s subtree that existed during the period."""
    return list(
        Unit.objects.filter(
            path__startswith=unit.path, level=form.level, valid_from__lte=period.end
        )
        .exclude(valid_to__lt=period.start)
        .order_by("path")
    )


def _cell_number(value: Decimal | None) -> Decimal | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _protect(sheet: Worksheet) -> None:
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widths may change
    sheet.protection.formatRows = False


def _validation(indicator: Indicator) -> DataValidation:
    if indicator.value_type == ValueType.PERCENT:
        rule = DataValidation(
            type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True
        )
        rule.error = "Tỷ lệ phải từ 0 đến 100."
    elif indicator.value_type in (ValueType.INTEGER, ValueType.MONEY):
        rule = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        rule.error = "Nhập một số nguyên không âm."
    else:
        rule = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
        rule.error = "Nhập một số không âm."
    rule.errorTitle = "Số liệu không hợp lệ"
    rule.showErrorMessage = True
    return rule


def _add_validations(sheet: Worksheet, cells: dict[str, list[str]]) -> None:
    """One data validation per value type, over the input cells of that type."""
    for value_type, refs in cells.items():
        if not refs:
            continue
        rule = _validation(Indicator(value_type=value_type))
        sheet.add_data_validation(rule)
        for ref in refs:
            rule.add(ref)


def _meta(
    book: Workbook,
    *,
    form: Form,
    unit: Unit,
    period: Period,
    layout: str,
    stored: Iterable[DataValue],
    units: dict[int, Unit],
    codes: dict[int, str],
) -> None:
    sheet = book.create_sheet(META_SHEET)
    sheet.sheet_state = "veryHidden"
    for row in (
        ("form", form.code),
        ("unit", unit.uid),
        ("period", period.code),
        ("layout", layout),
        ("unit_uid", "indicator", "value", "version"),
    ):
        sheet.append(row)
    for dv in stored:
        sheet.append((units[dv.unit_id].uid, codes[dv.indicator_id], str(dv.value), dv.version))
    _protect(sheet)


def excel_template(*, form: Form, unit: Unit, period: Period) -> tuple[str, bytes]:
    """The XLSX template of the report (file name, content), pre-filled with what is stored.

    For a unit of the form's level, a row per indicator; for a unit above it, a row per unit
    below. Access is the caller's (the view asks `access_unit`).
    """
    book = Workbook()
    if unit.level == form.level:
        _unit_sheet(book, form, unit, period)
    else:
        _units_sheet(book, form, unit, period)
    book.security = WorkbookProtection(lockStructure=True)
    out = io.BytesIO()
    workbook_safe(book)  # no user text becomes a formula
    book.save(out)
    return form.file_name(unit.union_name, period.code, "xlsx"), out.getvalue()


def _titles(sheet: Worksheet, form: Form, unit: Unit, period: Period, hint: str) -> None:
    sheet["A1"] = form.name
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = f"{unit.union_name} — {periods.label_vi(period.code)}"
    sheet["A3"] = hint
    sheet["A3"].font = Font(italic=True, color="555555")


def _unit_sheet(book: Workbook, form: Form, unit: Unit, period: Period) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = form.code[:31]
    label = periods.label_vi(period.code)
    last_year = periods.label_vi(periods.parse(period.code).same_period_last_year().code)
    _titles(
        sheet, form, unit, period, "Nhập số liệu vào cột D (ô nền vàng); không sửa các cột khác."
    )
    headers = ("STT", "Chỉ tiêu", "Đơn vị tính", f"Số liệu {label}", f"Cùng kỳ {last_year}")
    for column, text in enumerate((*headers, "Chỉ tiêu giao", "Mã chỉ tiêu"), start=1):
        cell = sheet.cell(row=UNIT_HEADER_ROW - 1, column=column, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    row_number = UNIT_HEADER_ROW
    inputs: dict[str, list[str]] = {t: [] for t in ValueType}
    stored: list[DataValue] = []
    blocks = entry_rows(form=form, unit=unit, period=period)
    for block in blocks:
        sheet.cell(row=row_number, column=1, value=block.section.number).font = BOLD
        title = sheet.cell(row=row_number, column=2, value=block.section.name)
        title.font = BOLD
        for column in range(1, 8):
            sheet.cell(row=row_number, column=column).fill = SECTION_FILL
        row_number += 1
        for entry in block.rows:
            indicator = entry.indicator
            name = f"Trong đó: {short_name(indicator)}" if entry.depth else indicator.name
            cell = sheet.cell(row=row_number, column=2, value=name)
            cell.alignment = Alignment(indent=2 * entry.depth, wrap_text=True, vertical="top")
            if entry.depth:
                cell.font = Font(italic=True)
            sheet.cell(row=row_number, column=3, value=indicator.unit_label)
            value = sheet.cell(row=row_number, column=4, value=_cell_number(entry.value))
            value.number_format = NUMBER_FORMATS[ValueType(indicator.value_type)]
            if indicator.is_derived:
                sheet.cell(row=row_number, column=6, value="tính tự động")
            else:
                value.protection = Protection(locked=False)
                value.fill = INPUT_FILL
                inputs[indicator.value_type].append(f"{VALUE_COLUMN}{row_number}")
                if entry.current is not None:
                    stored.append(entry.current)
            last = sheet.cell(row=row_number, column=5, value=_cell_number(entry.last_year))
            last.number_format = value.number_format
            if entry.target is not None:
                target = sheet.cell(row=row_number, column=6, value=_cell_number(entry.target))
                target.number_format = value.number_format
            sheet.cell(row=row_number, column=7, value=indicator.code)
            sheet.row_dimensions[row_number].outline_level = 1
            row_number += 1
    _add_validations(sheet, inputs)
    for letter, width in zip("ABCDEFG", (6, 60, 14, 18, 18, 16, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions[CODE_COLUMN].hidden = True
    sheet.freeze_panes = f"A{UNIT_HEADER_ROW}"
    sheet.sheet_properties.outlinePr.summaryBelow = False
    _protect(sheet)
    codes = {e.indicator.pk: e.indicator.code for b in blocks for e in b.rows}
    _meta(
        book,
        form=form,
        unit=unit,
        period=period,
        layout="unit",
        stored=stored,
        units={unit.pk: unit},
        codes=codes,
    )


def _raw(form: Form) -> list[Indicator]:
    return [i for i in form_indicators(form) if not i.is_derived]


def _units_sheet(book: Workbook, form: Form, unit: Unit, period: Period) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.title = form.code[:31]
    indicators = _raw(form)
    units = units_below(form, unit, period)
    if len(units) > MAX_ROWS:
        raise ValidationError("Quá nhiều đơn vị cho một tệp; hãy chọn một đơn vị nhỏ hơn.")
    _titles(
        sheet,
        form,
        unit,
        period,
        "Mỗi dòng một đơn vị, mỗi cột một chỉ tiêu: nhập vào các ô nền vàng.",
    )
    head = UNITS_CODE_ROW - 1
    for column, text in ((1, "Đơn vị"), (2, "Mã đơn vị"), (3, "Mã số")):
        cell = sheet.cell(row=head, column=column, value=text)
        cell.font, cell.fill = BOLD, HEADER_FILL
    previous_section = None
    inputs: dict[str, list[str]] = {t: [] for t in ValueType}
    for offset, indicator in enumerate(indicators):
        column = UNITS_FIRST_VALUE_COLUMN + offset
        if indicator.section_id != previous_section:
            top = sheet.cell(row=head - 1, column=column, value=indicator.section.name)
            top.font = BOLD
            previous_section = indicator.section_id
        name = f"Trong đó: {short_name(indicator)}" if indicator.parent_id else indicator.name
        cell = sheet.cell(row=head, column=column, value=f"{name} ({indicator.unit_label})")
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(
            wrap_text=True, vertical="top", indent=1 if indicator.parent_id else 0
        )
        sheet.cell(row=UNITS_CODE_ROW, column=column, value=indicator.code)
        sheet.column_dimensions[get_column_letter(column)].width = 16
    sheet.row_dimensions[head].height = 90
    sheet.row_dimensions[UNITS_CODE_ROW].hidden = True
    stored = list(
        DataValue.objects.filter(unit__in=units, period=period, indicator__in=indicators).only(
            "unit_id", "indicator_id", "value", "version"
        )
    )
    by_key = {(dv.unit_id, dv.indicator_id): dv for dv in stored}
    for row_offset, below in enumerate(units):
        row = UNITS_FIRST_ROW + row_offset
        sheet.cell(row=row, column=1, value=below.name)
        sheet.cell(row=row, column=2, value=below.uid)
        sheet.cell(row=row, column=3, value=below.code)
        for offset, indicator in enumerate(indicators):
            column = UNITS_FIRST_VALUE_COLUMN + offset
            dv = by_key.get((below.pk, indicator.pk))
            cell = sheet.cell(row=row, column=column, value=_cell_number(dv.value if dv else None))
            cell.number_format = NUMBER_FORMATS[ValueType(indicator.value_type)]
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
            inputs[indicator.value_type].append(cell.coordinate)
    _add_validations(sheet, inputs)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions[UNITS_UID_COLUMN].hidden = True
    sheet.freeze_panes = sheet.cell(row=UNITS_FIRST_ROW, column=UNITS_FIRST_VALUE_COLUMN)
    _protect(sheet)
    _meta(
        book,
        form=form,
        unit=unit,
        period=period,
        layout="units",
        stored=stored,
        units={u.pk: u for u in units},
        codes={i.pk: i.code for i in indicators},
    )


@dataclass
class ExcelResult:
    """What an upload did: values written, or the errors (and then nothing was written)."""

    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0
    units: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class _Cell:
    unit: Unit
    indicator: Indicator
    where: str  # "Trang 'BC_NAM_XA', dòng 14, ô D14"
    value: Decimal | None


class _Rollback(Exception):
    pass


def _at(values: Sequence[Any], column: int) -> Any:
    """The value in 1-based `column` of a row read with `values_only` (None past its end)."""
    return values[column - 1] if column <= len(values) else None


def _where(sheet: Worksheet, row: int, column: int) -> str:
    return f"Trang '{sheet.title}', dòng {row}, ô {get_column_letter(column)}{row}"


def _read_cell(indicator: Indicator, raw: Any) -> Decimal | None:
    """The value of a cell as typed: a number, a Vietnamese text ("1.633"), or empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.datetime | dt.time):
        raise ValueError("Ô này cần một số.")
    if isinstance(raw, int | float | Decimal):
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        except InvalidOperation as exc:
            raise ValueError("Giá trị không phải là số.") from exc
        message = check_value(indicator, value)
        if message:
            raise ValueError(message)
        return value
    return parse_value(indicator, str(raw))


def _open(stream: IO[bytes]) -> Any:
    """The workbook, inspected before it is opened (sizes, dimensions), read-only."""
    try:
        return xlsx_open(stream, UPLOAD_LIMITS)
    except SpreadsheetError as exc:
        message = str(exc)
        if message.startswith(SPREADSHEET_NOT_XLSX):
            message = NOT_XLSX + message.removeprefix(SPREADSHEET_NOT_XLSX)
        raise ValidationError(message) from exc


def _meta_read(book: Any) -> tuple[dict[str, str], dict[tuple[str, str], tuple[Decimal, int]]]:
    if META_SHEET not in book.sheetnames:
        raise ValidationError(
            "Tệp không phải mẫu Excel của hệ thống (thiếu thông tin biểu mẫu). "
            "Hãy tải mẫu từ trang nhập liệu rồi điền."
        )
    sheet = book[META_SHEET]
    header: dict[str, str] = {}
    originals: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for index, row in enumerate(sheet.iter_rows(values_only=True, max_col=4, max_row=META_ROWS)):
        if index < 4:
            header[str(row[0])] = str(row[1] or "")
        elif index > 4 and row[0]:
            try:
                originals[(str(row[0]), str(row[1]))] = (Decimal(str(row[2])), int(row[3] or 0))
            except (InvalidOperation, ValueError, TypeError) as exc:
                raise ValidationError("Thông tin ẩn của tệp bị hỏng; hãy tải mẫu mới.") from exc
    return header, originals


def excel_upload(
    *, form: Form, unit: Unit, period: Period, user: Any, stream: IO[bytes]
) -> ExcelResult:
    """Apply a filled-in template of this report, all or nothing.

    The file must be the template of this form, unit and period. Only changed values are
    written, through `datavalues_save` (types, "of which", locks and deadlines, versions):
    any error, in any cell or unit, and nothing is written; the result lists every error
    by sheet, row and cell. Access: every unit written must pass `access_unit(change=True)`,
    and `unit` itself is checked before the file is opened. The file is read outside any
    transaction; only the writing of the changed values holds one.
    """
    access_unit(user, unit, change=True)
    result = ExcelResult()
    try:
        book = _open(stream)
    except ValidationError as exc:
        result.errors.extend(exc.messages)
        return result
    try:
        _read(book, form, unit, period, user, result)
    finally:
        book.close()
    return result


def _read(
    book: Any, form: Form, unit: Unit, period: Period, user: Any, result: ExcelResult
) -> None:
    try:
        header, originals = _meta_read(book)
    except ValidationError as exc:
        result.errors.extend(exc.messages)
        return
    if header.get("form") != form.code:
        result.errors.append(
            f"Tệp là mẫu của biểu “{header.get('form', '')}”, không phải biểu “{form.code}”."
        )
    if header.get("unit") != unit.uid or header.get("period") != period.code:
        result.errors.append(
            "Tệp là mẫu của đơn vị hoặc kỳ báo cáo khác; hãy tải mẫu của "
            f"{unit.name}, {periods.label_vi(period.code)}."
        )
    layout = header.get("layout")
    expected_layout = "unit" if unit.level == form.level else "units"
    if layout != expected_layout:
        result.errors.append("Tệp không đúng mẫu của trang này; hãy tải mẫu mới.")
    if result.errors:
        return
    sheet_name = form.code[:31]
    if sheet_name not in book.sheetnames:
        result.errors.append(f"Tệp không có trang '{sheet_name}'.")
        return
    sheet = book[sheet_name]
    indicators = {i.code: i for i in _raw(form)}
    if layout == "unit":
        cells = _unit_cells(sheet, unit, indicators, result)
    else:
        cells = _units_cells(sheet, form, unit, period, user, indicators, result)
    if result.errors:
        return
    _apply(cells, originals, period, user, result)


def _unit_cells(
    sheet: Worksheet, unit: Unit, indicators: dict[str, Indicator], result: ExcelResult
) -> list[_Cell]:
    cells: list[_Cell] = []
    seen: set[str] = set()
    value_col = 4
    code_col = 7
    # Derived indicators are shown in the sheet, never read.
    derived = set(Indicator.objects.exclude(formula="").values_list("code", flat=True))
    rows = sheet.iter_rows(
        min_row=UNIT_HEADER_ROW, max_row=MAX_ROWS, max_col=code_col, values_only=True
    )
    for row, values in enumerate(rows, start=UNIT_HEADER_ROW):
        code = _at(values, code_col)
        if code is None or str(code).strip() == "":
            continue
        code = str(code).strip()
        where = _where(sheet, row, value_col)
        indicator = indicators.get(code)
        if indicator is None:
            if code not in derived:
                result.errors.append(f"{where}: mã chỉ tiêu “{code}” không thuộc biểu mẫu này.")
            continue
        if code in seen:
            result.errors.append(f"{where}: chỉ tiêu “{code}” bị lặp lại.")
            continue
        seen.add(code)
        try:
            value = _read_cell(indicator, _at(values, value_col))
        except ValueError as exc:
            result.errors.append(f"{where}: {exc}")
            continue
        cells.append(_Cell(unit, indicator, where, value))
    return cells


def _units_cells(
    sheet: Worksheet,
    form: Form,
    unit: Unit,
    period: Period,
    user: Any,
    indicators: dict[str, Indicator],
    result: ExcelResult,
) -> list[_Cell]:
    columns: dict[int, Indicator] = {}
    code_rows = sheet.iter_rows(
        min_row=UNITS_CODE_ROW, max_row=UNITS_CODE_ROW, max_col=MAX_COLUMNS, values_only=True
    )
    code_row = next(iter(code_rows), ())
    for column in range(UNITS_FIRST_VALUE_COLUMN, len(code_row) + 1):
        code = _at(code_row, column)
        if code is None:
            continue
        indicator = indicators.get(str(code).strip())
        if indicator is None:
            result.errors.append(
                f"{_where(sheet, UNITS_CODE_ROW, column)}: mã chỉ tiêu “{code}” không thuộc "
                "biểu mẫu này."
            )
            continue
        columns[column] = indicator
    allowed = {u.uid: u for u in units_below(form, unit, period)}
    seen: set[str] = set()
    cells: list[_Cell] = []
    uid_col = 2
    last_column = max(columns, default=uid_col)
    rows = sheet.iter_rows(
        min_row=UNITS_FIRST_ROW, max_row=MAX_ROWS, max_col=last_column, values_only=True
    )
    for row, values in enumerate(rows, start=UNITS_FIRST_ROW):
        uid = _at(values, uid_col)
        if uid is None or str(uid).strip() == "":
            continue
        uid = str(uid).strip()
        below = allowed.get(uid)
        where_row = _where(sheet, row, uid_col)
        if below is None:
            result.errors.append(f"{where_row}: đơn vị không thuộc {unit.name} trong kỳ này.")
            continue
        if uid in seen:
            result.errors.append(f"{where_row}: đơn vị “{below.name}” bị lặp lại.")
            continue
        seen.add(uid)
        try:
            access_unit(user, below, change=True)
        except (Http404, PermissionDenied):
            result.errors.append(f"{where_row}: bạn không có quyền nhập số liệu của {below.name}.")
            continue
        for column, indicator in columns.items():
            where = _where(sheet, row, column)
            try:
                value = _read_cell(indicator, _at(values, column))
            except ValueError as exc:
                result.errors.append(f"{where}: {exc}")
                continue
            cells.append(_Cell(below, indicator, where, value))
    return cells


def _apply(
    cells: Sequence[_Cell],
    originals: dict[tuple[str, str], tuple[Decimal, int]],
    period: Period,
    user: Any,
    result: ExcelResult,
) -> None:
    """Write the changed cells unit by unit; any error rolls back every unit."""
    by_unit: dict[int, list[_Cell]] = {}
    units: dict[int, Unit] = {}
    places: dict[int, dict[str, str]] = {}
    for c in cells:
        places.setdefault(c.unit.pk, {})[c.indicator.code] = c.where
    for cell in cells:
        before = originals.get((cell.unit.uid, cell.indicator.code))
        if cell.value == (before[0] if before else None):
            continue
        by_unit.setdefault(cell.unit.pk, []).append(cell)
        units[cell.unit.pk] = cell.unit
    try:
        with transaction.atomic():
            for unit_id, changed in by_unit.items():
                unit = units[unit_id]
                versions = {
                    c.indicator.pk: (originals.get((unit.uid, c.indicator.code)) or (0, 0))[1]
                    for c in changed
                }
                where = places[unit_id]
                try:
                    with transaction.atomic():
                        saved = datavalues_save(
                            unit=unit,
                            period=period,
                            values={c.indicator: c.value for c in changed},
                            actor=user,
                            expected_versions=versions,
                            source="excel",
                        )
                except ValueConflict as exc:
                    for conflict in exc.conflicts:
                        result.errors.append(
                            f"{where[conflict.indicator.code]}: {_conflict_text(conflict)}"
                        )
                    continue
                except ValidationError as exc:
                    result.errors.extend(_validation_texts(exc, where, unit))
                    continue
                result.created += saved.created
                result.updated += saved.updated
                result.deleted += saved.deleted
                result.units += 1
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.created = result.updated = result.deleted = result.units = 0


def _conflict_text(conflict: Any) -> str:
    current = conflict.current
    if current is None:
        return "số liệu đã bị người khác xóa sau khi bạn tải mẫu."
    who = current.updated_by.get_username() if current.updated_by else "người khác"
    return (
        f"{who} đã lưu giá trị {format_number(current.value)} sau khi bạn tải mẫu. "
        "Hãy tải mẫu mới và nhập lại."
    )


def _validation_texts(exc: ValidationError, where: dict[str, str], unit: Unit) -> list[str]:
    texts: list[str] = []
    if hasattr(exc, "error_dict"):
        for code, messages in exc.message_dict.items():
            place = where.get(code, f"Đơn vị {unit.name}")
            texts.extend(f"{place}: {m}" for m in messages)
    else:
        texts.extend(f"Đơn vị {unit.name}: {m}" for m in exc.messages)
    return texts


__all__ = ["ExcelResult", "excel_template", "excel_upload", "units_below"]
