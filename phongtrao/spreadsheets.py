"""Spreadsheet files, safely both ways: cells that cannot become formulas, workbooks opened
only once their zip directory says they are small.

One rule, OWASP's for CSV and formula injection, decides which text is dangerous
(`formula_like`): text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return, unless it
is a plain number ("-5", "+84 912"). Every CSV writer passes its cells through `cell_safe`, which
puts an apostrophe before such text; every XLSX writer calls `workbook_safe` before saving,
which stores such cells as text with Excel's quote prefix (what Excel does when one types an
apostrophe: shown unchanged, never run). Numbers, dates and booleans stay what they are.

`xlsx_open` inspects a workbook before openpyxl touches it (entries, uncompressed sizes from
the zip directory, each sheet's declared dimension) and opens it in read-only mode, where rows
are read one at a time. Python's zipfile never inflates an entry past the size its directory
declares, so the declared sizes are the real bound.

Pure Python, no Django: every layer may import it.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d ,.]*(?:[eE][+-]?\d+)?")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet could run `value` as a formula (OWASP's list of first characters)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and _PLAIN_NUMBER.fullmatch(value) is None
    )


def cell_safe(value: Any) -> Any:
    """`value` as a CSV cell may hold it: formula-like text gets a leading apostrophe."""
    return "'" + value if formula_like(value) else value


def workbook_safe(book: Workbook) -> Workbook:
    """Make every formula-like cell of `book` plain text (quote prefix); call before saving.

    The writers here put no formulas in their workbooks: any cell openpyxl took for one came
    from someone's text.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return book


class SpreadsheetError(ValueError):
    """The workbook is refused before it is opened (message in Vietnamese)."""


@dataclass(frozen=True, slots=True)
class XlsxLimits:
    """What an uploaded workbook may hold. A filled-in template of a province's 111 communes
    by 73 indicators unpacks to about 1 MB: the defaults leave ample room."""

    max_bytes: int = 5 * 1024 * 1024  # the file as uploaded
    max_entries: int = 200  # files inside the zip
    max_entry_bytes: int = 20 * 1024 * 1024  # one file inside, uncompressed
    max_total_bytes: int = 50 * 1024 * 1024  # all files inside, uncompressed
    max_rows: int = 20_000
    max_columns: int = 500


NOT_XLSX = "Tệp không phải là tệp Excel (.xlsx) hợp lệ."
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def xlsx_inspect(data: bytes, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook whose zip directory or sheet dimensions exceed `limits`."""
    limits = limits or XlsxLimits()
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(f"Tệp quá lớn (tối đa {_mb(limits.max_bytes)}).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SpreadsheetError(NOT_XLSX) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise SpreadsheetError(f"{NOT_XLSX} (quá {limits.max_entries} tệp bên trong).")
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > limits.max_entry_bytes or total > limits.max_total_bytes:
                raise SpreadsheetError(
                    "Tệp Excel khi giải nén quá lớn (tối đa "
                    f"{_mb(limits.max_total_bytes)}): có thể là tệp độc hại, tệp bị từ chối."
                )
        for entry in entries:
            if entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml"):
                _check_dimension(archive, entry, limits)


def _check_dimension(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    try:
        with archive.open(entry) as member:
            head = member.read(4096)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise SpreadsheetError(NOT_XLSX) from exc
    found = _DIMENSION.search(head)
    if found is None:
        return  # openpyxl's read-only rows are capped while read
    try:
        _, _, last_column, last_row = range_boundaries(found.group(1).decode())
    except ValueError as exc:
        raise SpreadsheetError(NOT_XLSX) from exc
    if (last_row or 0) > limits.max_rows or (last_column or 0) > limits.max_columns:
        raise SpreadsheetError(
            f"Trang tính quá lớn (tối đa {limits.max_rows:,} dòng và ".replace(",", ".")
            + f"{limits.max_columns} cột)."
        )


def xlsx_open(stream: IO[bytes], limits: XlsxLimits | None = None) -> Workbook:
    """A workbook from an upload, inspected first, opened read-only with cached values.

    Read its rows with `iter_rows(max_row=..., max_col=..., values_only=True)`; close it after.
    """
    limits = limits or XlsxLimits()
    data = stream.read(limits.max_bytes + 1)
    xlsx_inspect(data, limits)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpreadsheetError(NOT_XLSX) from exc


__all__ = [
    "FORMULA_STARTS",
    "SpreadsheetError",
    "XlsxLimits",
    "cell_safe",
    "formula_like",
    "workbook_safe",
    "xlsx_inspect",
    "xlsx_open",
]
