"""The Excel round trip on real files made by the download (openpyxl): fill in, upload."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from phongtrao.accounts.models import Role
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue, DataValueAudit
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.data.workflow import submission_submit
from phongtrao.exchange.excel import NOT_XLSX

from .conftest import _officer

pytestmark = pytest.mark.django_db


def _url(unit, form="BC_NAM_XA", period="2023"):
    return f"/nhap-lieu/excel/{form}/{unit.uid}/{period}/"


def _download(client, unit, **kwargs):
    response = client.get(_url(unit, **kwargs))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def _upload(client, unit, book, **kwargs):
    out = io.BytesIO()
    book.save(out)
    return _post(client, unit, out.getvalue(), **kwargs)


def _post(client, unit, content, **kwargs):
    upload = SimpleUploadedFile("bao-cao.xlsx", content)
    return client.post(_url(unit, **kwargs), {"tep": upload})


def _rows(sheet):
    """Indicator code → row number of the one-unit sheet (codes in hidden column G)."""
    return {
        sheet.cell(row=r, column=7).value: r
        for r in range(1, sheet.max_row + 1)
        if sheet.cell(row=r, column=7).value
    }


def _value(code, unit):
    dv = DataValue.objects.filter(indicator__code=code, unit=unit).first()
    return None if dv is None else dv.value


def test_the_template_is_prefilled_protected_and_vietnamese(client, people, small_tree):
    c1 = small_tree["c1"]
    hd = Indicator.objects.get(code="TH_HD")
    datavalue_save(
        actor=SYSTEM, indicator=hd, unit=c1, period=period_get("2023"), value=Decimal(1633)
    )
    client.force_login(people["xa"])
    book = _download(client, c1)
    sheet = book["BC_NAM_XA"]
    rows = _rows(sheet)
    assert sheet.cell(row=rows["TH_HD"], column=4).value == 1633
    assert sheet["D4"].value == "Số liệu năm 2023" and sheet["B4"].value == "Chỉ tiêu"
    assert sheet.protection.sheet
    assert not sheet.cell(row=rows["TH_HD"], column=4).protection.locked
    assert sheet.cell(row=rows["TH_HD"], column=2).protection.locked
    assert sheet.column_dimensions["G"].hidden
    child = sheet.cell(row=rows["THOAT_NGHEO_DTTS"], column=2)
    assert child.value.startswith("Trong đó: ") and child.alignment.indent == 2
    assert sheet.row_dimensions[rows["TH_HD"]].outline_level == 1
    assert any("D" in str(v.sqref) for v in sheet.data_validations.dataValidation)
    assert book["_meta"].sheet_state == "veryHidden"


def test_round_trip_applies_the_changed_values(client, people, small_tree):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    sheet = book["BC_NAM_XA"]
    rows = _rows(sheet)
    sheet.cell(row=rows["THOAT_NGHEO"], column=4).value = 1200
    sheet.cell(row=rows["THOAT_NGHEO_DTTS"], column=4).value = "633"  # typed as text
    sheet.cell(row=rows["TH_KP"], column=4).value = "4.200.000"  # the Vietnamese way
    response = _upload(client, c1, book)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/nhap-lieu/BC_NAM_XA/{c1.uid}/2023/")
    assert _value("THOAT_NGHEO", c1) == 1200 and _value("THOAT_NGHEO_DTTS", c1) == 633
    assert _value("TH_KP", c1) == 4_200_000
    assert set(DataValueAudit.objects.values_list("source", flat=True)) == {"excel"}
    # The same file again changes nothing: its values are what is stored.
    again = _download(client, c1)
    assert _upload(client, c1, again).status_code == 302
    assert DataValueAudit.objects.count() == 3


def test_a_file_with_errors_names_each_cell_and_changes_nothing(client, people, small_tree):
    c1 = small_tree["c1"]
    hd = Indicator.objects.get(code="TH_HD")
    datavalue_save(actor=SYSTEM, indicator=hd, unit=c1, period=period_get("2023"), value=Decimal(5))
    client.force_login(people["xa"])
    book = _download(client, c1)
    sheet = book["BC_NAM_XA"]
    rows = _rows(sheet)
    sheet.cell(row=rows["TH_HD"], column=4).value = 9
    sheet.cell(row=rows["TT_LUOT"], column=4).value = "4.2"
    sheet.cell(row=rows["HV_KETNAP"], column=4).value = -5
    response = _upload(client, c1, book)
    html = response.content.decode()
    assert response.status_code == 400
    r = rows["TT_LUOT"]
    assert f"Trang &#x27;BC_NAM_XA&#x27;, dòng {r}, ô D{r}: Không đọc được số “4.2”" in html
    r = rows["HV_KETNAP"]
    assert f"dòng {r}, ô D{r}: Giá trị không được âm." in html
    assert "Chưa ghi số liệu nào" in html
    assert _value("TH_HD", c1) == 5


def test_of_which_above_its_parent_is_refused_by_cell(client, people, small_tree):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    sheet = book["BC_NAM_XA"]
    rows = _rows(sheet)
    sheet.cell(row=rows["THOAT_NGHEO"], column=4).value = 1200
    sheet.cell(row=rows["THOAT_NGHEO_DTTS"], column=4).value = 1633
    response = _upload(client, c1, book)
    r = rows["THOAT_NGHEO_DTTS"]
    assert response.status_code == 400
    assert f"ô D{r}: “" in response.content.decode()
    assert "(1.633) không được lớn hơn" in response.content.decode()
    assert not DataValue.objects.exists()


def test_not_an_xlsx_or_no_file_is_refused(client, people, small_tree):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    response = _post(client, c1, b"TH_HD,5\n")
    assert response.status_code == 400 and NOT_XLSX in response.content.decode()
    response = client.post(_url(c1))
    assert response.status_code == 400 and "Chưa chọn tệp" in response.content.decode()
    assert not DataValue.objects.exists()


def test_a_template_of_another_form_or_unit_is_refused(client, people, small_tree):
    c1, c2 = small_tree["c1"], small_tree["c2"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    book["_meta"]["B1"] = "BC_NAM_TINH"
    response = _upload(client, c1, book)
    assert response.status_code == 400
    assert "mẫu của biểu “BC_NAM_TINH”" in response.content.decode()

    mine = _download(client, c1)
    rows = _rows(mine["BC_NAM_XA"])
    mine["BC_NAM_XA"].cell(row=rows["TH_HD"], column=4).value = 7
    client.force_login(people["xa_b"])
    response = _upload(client, c2, mine)
    assert (
        response.status_code == 400 and "đơn vị hoặc kỳ báo cáo khác" in response.content.decode()
    )
    assert not DataValue.objects.exists()


def test_another_districts_officer_can_neither_download_nor_upload(client, people, small_tree):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    client.force_login(people["xa2"])
    assert client.get(_url(c1)).status_code == 404
    assert _upload(client, c1, book).status_code == 404
    client.force_login(people["huyen"])  # sees the commune, does not enter for it
    assert client.get(_url(c1)).status_code == 200
    assert _upload(client, c1, book).status_code == 403


def test_values_changed_since_the_download_are_conflicts(client, people, small_tree):
    c1 = small_tree["c1"]
    hd = Indicator.objects.get(code="TH_HD")
    datavalue_save(actor=SYSTEM, indicator=hd, unit=c1, period=period_get("2023"), value=Decimal(5))
    client.force_login(people["xa"])
    book = _download(client, c1)
    datavalue_save(
        indicator=hd, unit=c1, period=period_get("2023"), value=Decimal(6), actor=people["xa_b"]
    )
    rows = _rows(book["BC_NAM_XA"])
    book["BC_NAM_XA"].cell(row=rows["TH_HD"], column=4).value = 9
    book["BC_NAM_XA"].cell(row=rows["TT_LUOT"], column=4).value = 40
    response = _upload(client, c1, book)
    r = rows["TH_HD"]
    assert response.status_code == 400
    assert f"ô D{r}: xa_b đã lưu giá trị 6 sau khi bạn tải mẫu." in response.content.decode()
    assert _value("TH_HD", c1) == 6 and _value("TT_LUOT", c1) is None


def test_the_upload_respects_locks(client, people, small_tree, commune_form):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    submission_submit(form=commune_form, unit=c1, period=period_get("2023"), user=people["xa"])
    rows = _rows(book["BC_NAM_XA"])
    book["BC_NAM_XA"].cell(row=rows["TH_HD"], column=4).value = 9
    response = _upload(client, c1, book)
    assert response.status_code == 400 and "đang chờ duyệt" in response.content.decode()
    assert not DataValue.objects.exists()


def test_the_upload_respects_the_deadline(client, people, small_tree, deadlines):
    c1 = small_tree["c1"]
    client.force_login(people["xa"])
    book = _download(client, c1)
    rows = _rows(book["BC_NAM_XA"])
    book["BC_NAM_XA"].cell(row=rows["TH_HD"], column=4).value = 9
    response = _upload(client, c1, book)
    assert (
        response.status_code == 400 and "Đã quá hạn nộp (15/01/2024)" in response.content.decode()
    )
    assert not DataValue.objects.exists()


@pytest.fixture
def district_enterer(small_tree):
    return _officer("huyen_nl", small_tree["d1"], {Role.VIEW, Role.ENTER})


def _unit_rows(sheet):
    return {
        sheet.cell(row=r, column=2).value: r
        for r in range(7, sheet.max_row + 1)
        if sheet.cell(row=r, column=2).value
    }


def _columns(sheet):
    return {
        sheet.cell(row=5, column=c).value: c
        for c in range(4, sheet.max_column + 1)
        if sheet.cell(row=5, column=c).value
    }


def test_a_district_fills_one_sheet_with_a_row_per_commune(client, district_enterer, small_tree):
    c1, c2, c3 = small_tree["c1"], small_tree["c2"], small_tree["c3"]
    hd = Indicator.objects.get(code="TH_HD")
    datavalue_save(actor=SYSTEM, indicator=hd, unit=c2, period=period_get("2023"), value=Decimal(3))
    client.force_login(district_enterer)
    book = _download(client, small_tree["d1"])
    sheet = book["BC_NAM_XA"]
    units, columns = _unit_rows(sheet), _columns(sheet)
    assert set(units) == {c1.uid, c2.uid}  # the district's communes only
    assert sheet.cell(row=units[c2.uid], column=columns["TH_HD"]).value == 3
    assert sheet.row_dimensions[5].hidden and sheet.column_dimensions["B"].hidden
    sheet.cell(row=units[c1.uid], column=columns["TH_HD"]).value = 11
    sheet.cell(row=units[c2.uid], column=columns["TH_HD"]).value = 12
    sheet.cell(row=units[c2.uid], column=columns["TT_LUOT"]).value = "1.633"
    response = _upload(client, small_tree["d1"], book)
    assert response.status_code == 302
    assert response["Location"].startswith("/nhap-lieu/tinh-hinh/BC_NAM_XA/")
    assert _value("TH_HD", c1) == 11 and _value("TH_HD", c2) == 12
    assert _value("TT_LUOT", c2) == 1633

    # A row of another district's commune, and a bad number: nothing at all is written.
    book = _download(client, small_tree["d1"])
    sheet = book["BC_NAM_XA"]
    units = _unit_rows(sheet)
    sheet.cell(row=units[c1.uid], column=columns["TH_HD"]).value = 21
    sheet.cell(row=units[c2.uid], column=2).value = c3.uid
    bad = sheet.cell(row=units[c1.uid], column=columns["TT_LUOT"])
    bad.value = "abc"
    response = _upload(client, small_tree["d1"], book)
    html = response.content.decode()
    assert response.status_code == 400
    assert f"dòng {units[c2.uid]}, ô B{units[c2.uid]}: đơn vị không thuộc Huyện Một" in html
    assert f"ô {bad.coordinate}: Không đọc được số “abc”" in html
    assert _value("TH_HD", c1) == 11 and _value("TH_HD", c3) is None
