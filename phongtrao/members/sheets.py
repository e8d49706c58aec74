"""Member lists: reading the lists officers keep (Excel .xlsx or CSV), writing lists back.

Reading is bounded before parsing (file size, the zip's entries and uncompressed size, rows,
columns) and all or nothing: every row is checked and every problem reported with its row
number in Vietnamese; nothing is written unless the whole list is right. Columns are found
by their headers, written with or without diacritics (STT, Họ và tên, Ngày sinh, Dân tộc,
Tôn giáo, Nghề nghiệp, Địa chỉ, Ngày vào Hội, Chi hội, Số điện thoại, Số CCCD, Số thẻ).
Writing never produces a formula: text that a spreadsheet would run is written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook

from phongtrao.members.choices import ETHNICITY_CHOICES, Education, Occupation, Religion
from phongtrao.members.models import Member
from phongtrao.members.names import name_clean, name_key
from phongtrao.members.services import MemberData, member_data_check
from phongtrao.orgs.models import Level, Unit
from phongtrao.spreadsheets import SpreadsheetError, XlsxLimits, cell_safe, xlsx_open
from phongtrao.vn import format_date_short

MAX_ROWS = 20_000
MAX_COLUMNS = 40
MAX_CSV_BYTES = 8 * 1024 * 1024  # 20,000 rows of a dozen columns take about 3 MB
MAX_FIELD = 1_000
PROGRESS_EVERY = 500
TOO_LONG = f"Danh sách quá dài (tối đa {MAX_ROWS:,} dòng).".replace(",", ".")
# The file is refused before opening when its sheets declare more (title rows allowed for).
LIMITS = XlsxLimits(max_rows=MAX_ROWS + 100)
HEADERS = {
    "stt": "number",
    "ho va ten": "full_name",
    "ho ten": "full_name",
    "ngay sinh": "birth_date",
    "dan toc": "ethnicity",
    "ton giao": "religion",
    "nghe nghiep": "occupation",
    "trinh do": "education",
    "trinh do hoc van": "education",
    "dia chi": "address",
    "noi o": "address",
    "ngay vao hoi": "join_date",
    "chi hoi": "branch",
    "chi hoi, to hoi": "branch",
    "so dien thoai": "phone",
    "dien thoai": "phone",
    "so cccd": "citizen_id",
    "cccd": "citizen_id",
    "so the": "card_number",
    "so the hoi vien": "card_number",
}
REQUIRED = ("full_name", "birth_date", "join_date")
ETHNICITY_BY_KEY = {name_key(label): code for code, label in ETHNICITY_CHOICES}
ETHNICITY_BY_KEY.update({"hmong": "08", "h'mong": "08", "khome": "05", "kho me": "05"})
RELIGION_BY_KEY = {name_key(label): value for value, label in Religion.choices}
RELIGION_BY_KEY.update(
    {"": "none", "khong co": "none", "phat": "buddhism", "thien chua": "catholic"}
)
EDUCATION_BY_KEY = {name_key(label): value for value, label in Education.choices}
OCCUPATION_WORDS = (
    (("cong nhan",), Occupation.WORKER),
    (("can bo", "cong chuc", "vien chuc", "giao vien"), Occupation.OFFICIAL),
    (("buon ban", "kinh doanh", "tieu thuong"), Occupation.BUSINESS),
    (("hoc sinh", "sinh vien"), Occupation.STUDENT),
    (("huu",), Occupation.RETIRED),
    (("noi tro",), Occupation.HOMEMAKER),
    (("nong", "lam ray", "trong trot", "chan nuoi"), Occupation.FARMER),
)


class SheetError(ValueError):
    """The file cannot be read as a member list (message in Vietnamese)."""


@dataclass
class ImportPlan:
    """The checked rows of a list, or the problems with their row numbers."""

    rows: list[MemberData]
    problems: list[tuple[int, str]]
    numbers: list[int]  # the Excel row number of each row


def _open(handle: IO[bytes]) -> Any:
    try:
        return xlsx_open(handle, LIMITS)
    except SpreadsheetError as error:
        raise SheetError(str(error)) from None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _occupation(text: str) -> str:
    key = name_key(text)
    for words, value in OCCUPATION_WORDS:
        if any(word in key for word in words):
            return value
    return Occupation.OTHER


RowSink = Callable[[int], None]


def branches_of(unit: Unit) -> list[Unit]:
    """The chi hội and tổ hội under `unit`, which a list's "Chi hội" column may name."""
    return list(
        Unit.objects.filter(path__startswith=unit.path, level__gte=Level.BRANCH)
        .exclude(pk=unit.pk)
        .order_by("path")
    )


def list_read(
    handle: IO[bytes], *, unit: Unit, branches: Sequence[Unit], on_row: RowSink | None = None
) -> ImportPlan:
    """Read and check an Excel (.xlsx) member list for `unit` (its chi hội among `branches`).

    Raises SheetError for a file that is not a readable list; returns the rows or the
    problems (row number as Excel shows it, message) without writing anything. `on_row`
    hears how many rows were read, now and then (the import's progress).
    """
    book = _open(handle)
    sheet = book.worksheets[0]
    if (sheet.max_row or 0) > MAX_ROWS + 10 or (sheet.max_column or 0) > MAX_COLUMNS:
        raise SheetError(TOO_LONG)
    lines = enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1)
    return rows_check(lines, unit=unit, branches=branches, on_row=on_row)


def csv_read(
    handle: IO[bytes], *, unit: Unit, branches: Sequence[Unit], on_row: RowSink | None = None
) -> ImportPlan:
    """Read and check a CSV member list (UTF-8, as Excel saves "CSV UTF-8"; comma or
    semicolon), with the same columns and checks as the Excel list.

    Bounded before parsing: the size is checked before reading, the text is decoded whole
    (at most `MAX_CSV_BYTES`), each field is limited, and reading stops past `MAX_ROWS`.
    """
    raw = handle.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise SheetError(f"Tệp CSV quá lớn (tối đa {MAX_CSV_BYTES // 1024 // 1024} MB).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(
            "Tệp CSV không ở bảng mã UTF-8: trong Excel, hãy lưu dạng “CSV UTF-8”."
        ) from None
    if "\x00" in text:
        raise SheetError("Tệp không phải tệp CSV văn bản.")
    head = text[:4096]
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def lines() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            for number, values in enumerate(reader, 1):
                if len(values) > MAX_COLUMNS or any(len(v) > MAX_FIELD for v in values):
                    raise SheetError(f"Dòng {number}: quá nhiều cột hoặc ô quá dài.")
                yield number, values
        except csv.Error as error:
            raise SheetError(f"Tệp CSV không đọc được: {error}.") from None

    return rows_check(lines(), unit=unit, branches=branches, on_row=on_row)


def rows_check(
    lines: Iterable[tuple[int, Sequence[Any]]],
    *,
    unit: Unit,
    branches: Sequence[Unit],
    on_row: RowSink | None = None,
) -> ImportPlan:
    """Find the header row, then check every row below it (numbered as the file shows)."""
    branch_by_key = {name_key(b.name): b for b in branches}
    branch_by_key.update({name_key(b.name).removeprefix("chi hoi "): b for b in branches})
    columns: dict[str, int] = {}
    rows: list[MemberData] = []
    numbers: list[int] = []
    problems: list[tuple[int, str]] = []
    for number, values in lines:
        if number > MAX_ROWS + 10:
            raise SheetError(TOO_LONG)
        if on_row is not None and number % PROGRESS_EVERY == 0:
            on_row(PROGRESS_EVERY)
        if not columns:
            found = {
                HEADERS[name_key(_text(v))]: i
                for i, v in enumerate(values)
                if name_key(_text(v)) in HEADERS
            }
            if "full_name" in found:
                columns = found
                missing = [c for c in REQUIRED if c not in columns]
                if missing:
                    raise SheetError(
                        "Thiếu cột: "
                        + ", ".join(
                            {"birth_date": "Ngày sinh", "join_date": "Ngày vào Hội"}[c]
                            for c in missing
                        )
                        + "."
                    )
            elif number >= 10:
                raise SheetError(
                    "Không tìm thấy dòng tiêu đề có cột “Họ và tên” trong 10 dòng đầu."
                )
            continue
        cell = {field: values[i] if i < len(values) else None for field, i in columns.items()}
        if not any(_text(v) for f, v in cell.items() if f != "number"):
            continue
        checked = _row_check(cell, unit=unit, branch_by_key=branch_by_key)
        if isinstance(checked, str):
            problems.append((number, checked))
        else:
            rows.append(checked)
            numbers.append(number)
    if not columns:
        raise SheetError("Không tìm thấy dòng tiêu đề có cột “Họ và tên”.")
    if not rows and not problems:
        raise SheetError("Danh sách không có hội viên nào.")
    return ImportPlan(rows=rows, problems=problems, numbers=numbers)


def _row_check(
    cell: dict[str, Any], *, unit: Unit, branch_by_key: dict[str, Unit]
) -> MemberData | str:
    """One row as a member to write, or what is wrong with it (in Vietnamese)."""
    row_problems: list[str] = []
    birth, joined = _date(cell.get("birth_date")), _date(cell.get("join_date"))
    if birth is None:
        row_problems.append("Ngày sinh không hợp lệ (dạng ngày/tháng/năm, ví dụ 17/05/1985)")
    if joined is None:
        row_problems.append("Ngày vào Hội không hợp lệ (dạng ngày/tháng/năm)")
    ethnicity_text = _text(cell.get("ethnicity")) or "Kinh"
    ethnicity = ETHNICITY_BY_KEY.get(name_key(ethnicity_text))
    if ethnicity is None:
        row_problems.append(f"Dân tộc “{ethnicity_text}” không có trong danh mục 54 dân tộc")
    religion_text = _text(cell.get("religion"))
    religion = RELIGION_BY_KEY.get(name_key(religion_text))
    if religion is None:
        row_problems.append(f"Tôn giáo “{religion_text}” không có trong danh mục")
    education_text = _text(cell.get("education"))
    education = EDUCATION_BY_KEY.get(name_key(education_text), "") if education_text else ""
    branch = unit
    branch_text = _text(cell.get("branch"))
    if branch_text:
        found_branch = branch_by_key.get(name_key(branch_text)) or branch_by_key.get(
            name_key(branch_text).removeprefix("chi hoi ")
        )
        if found_branch is None:
            row_problems.append(f"Không có chi hội “{branch_text}” trong {unit.name}")
        else:
            branch = found_branch
    elif unit.level < Level.COMMUNE:
        row_problems.append("Thiếu chi hội")
    phone = re.sub(r"[\s.]", "", _text(cell.get("phone")))
    if phone and not phone.startswith("0") and len(phone) == 9:
        phone = "0" + phone  # Excel drops the leading zero of numbers
    citizen_id = _text(cell.get("citizen_id"))
    data = MemberData(
        full_name=_text(cell.get("full_name")),
        birth_date=birth or dt.date(1900, 1, 1),
        join_date=joined or dt.date(1900, 1, 1),
        ethnicity=ethnicity or "01",
        religion=religion or "none",
        occupation=_occupation(_text(cell.get("occupation"))),
        education=education,
        address=_text(cell.get("address")),
        phone=phone,
        citizen_id=citizen_id.zfill(12) if citizen_id.isdigit() else citizen_id,
        card_number=_text(cell.get("card_number")),
    )
    if birth and joined:
        row_problems += list(member_data_check(data).values())
    if row_problems:
        return "; ".join(row_problems) + "."
    return data._replace(
        full_name=name_clean(data.full_name), unit_id=branch.pk, unit_path=branch.path
    )


EXPORT_COLUMNS: dict[str, tuple[str, Any]] = {
    "full_name": ("Họ và tên", lambda m: m.full_name),
    "birth_date": ("Ngày sinh", lambda m: format_date_short(m.birth_date)),
    "ethnicity": ("Dân tộc", lambda m: m.get_ethnicity_display()),
    "religion": ("Tôn giáo", lambda m: m.get_religion_display()),
    "occupation": ("Nghề nghiệp", lambda m: m.get_occupation_display()),
    "address": ("Địa chỉ", lambda m: m.address),
    "join_date": ("Ngày vào Hội", lambda m: format_date_short(m.join_date)),
    "unit": ("Chi hội", lambda m: m.unit.name),
    "card_number": ("Số thẻ", lambda m: m.card_number),
    "status": ("Tình trạng", lambda m: m.get_status_display()),
}
DEFAULT_EXPORT = (
    "full_name",
    "birth_date",
    "ethnicity",
    "religion",
    "occupation",
    "address",
    "join_date",
    "unit",
)


def list_xlsx(members: Sequence[Member], *, title: str, columns: Sequence[str]) -> bytes:
    """The list as XLSX with only the columns asked for (never phone or citizen ID)."""
    wanted = [c for c in columns if c in EXPORT_COLUMNS] or list(DEFAULT_EXPORT)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách hội viên")
    sheet.append([cell_safe(title)])
    sheet.append(["STT", *(EXPORT_COLUMNS[c][0] for c in wanted)])
    for number, member in enumerate(members, 1):
        sheet.append([number, *(cell_safe(EXPORT_COLUMNS[c][1](member)) for c in wanted)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = [
    "DEFAULT_EXPORT",
    "EXPORT_COLUMNS",
    "ImportPlan",
    "SheetError",
    "branches_of",
    "csv_read",
    "list_read",
    "rows_check",
    "list_xlsx",
]
