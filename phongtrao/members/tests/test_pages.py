"""/hoi-vien/: lists, quick add, records, import all or nothing, exports."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from phongtrao.members.models import Member, MemberRead
from phongtrao.members.services import member_admit

from .conftest import person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2023, 3, 8)}


def login(client, username):
    client.login(username=username, password="x")
    return client


def test_list_searches_without_diacritics_and_masks(client, registry):
    member_admit(
        actor=registry["officer_a"],
        unit=registry["branch"],
        data=person("Lê Thị Ánh Tuyết", phone="0912345678"),
        **CONSENT,
    )
    member_admit(actor=registry["officer_a"], unit=registry["c1"], data=person(), **CONSENT)
    page = login(client, "canbo_xa_a").get(f"/hoi-vien/{registry['c1'].uid}/?q=anh+tuyet")
    text = page.content.decode()
    assert page.status_code == 200 and "Lê Thị Ánh Tuyết" in text and "Nguyễn Thị Hoa" not in text
    assert "0912345678" not in text and "•••••••678" in text
    assert "số liệu theo sổ hội viên" in text


def test_quick_add_admits_and_refuses_without_consent(client, registry):
    login(client, "canbo_xa_a")
    url = f"/hoi-vien/{registry['c1'].uid}/"
    form = {
        "full_name": "Trần Thị Lan",
        "birth_date": "1990-04-02",
        "join_date": "2024-03-08",
        "ethnicity": "01",
        "religion": "none",
        "occupation": "farmer",
        "branch": registry["branch"].uid,
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and not Member.objects.exists()
    done = client.post(url, {**form, "consent": "on"})
    assert done.status_code == 302, done.context["form"].errors
    assert Member.objects.get().unit == registry["branch"]


def test_levels_above_see_counts_outsiders_nothing(client, registry):
    member_admit(actor=registry["officer_a"], unit=registry["c1"], data=person(), **CONSENT)
    page = login(client, "canbo_huyen_1").get(f"/hoi-vien/{registry['d1'].uid}/")
    text = page.content.decode()
    assert page.status_code == 200 and "Xã A" in text and "Nguyễn Thị Hoa" not in text
    client.logout()
    outsider = login(client, "canbo_xa_c")
    assert outsider.get(f"/hoi-vien/{registry['c1'].uid}/").status_code == 404
    assert outsider.get(f"/hoi-vien/{registry['c1'].uid}/danh-sach.xlsx").status_code == 404
    assert outsider.get(f"/hoi-vien/{registry['c1'].uid}/nhap-excel/").status_code == 404


def test_record_page_logs_the_read(client, registry):
    member = member_admit(
        actor=registry["officer_a"], unit=registry["c1"], data=person(), **CONSENT
    )
    page = login(client, "canbo_xa_a").get(f"/hoi-vien/ho-so/{member.uid}/")
    assert page.status_code == 200 and "Kết nạp" in page.content.decode()
    assert MemberRead.objects.get().username == "canbo_xa_a"


def sheet(rows):
    book = Workbook()
    ws = book.active
    ws.append(["DANH SÁCH HỘI VIÊN CHI HỘI ẤP 1"])
    ws.append(
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Dân tộc",
            "Tôn giáo",
            "Nghề nghiệp",
            "Địa chỉ",
            "Ngày vào Hội",
            "Chi hội",
        ]
    )
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "ds.xlsx"
    return out


def test_exports_are_formula_safe_and_carry_only_asked_columns(client, registry):
    member_admit(
        actor=registry["officer_a"],
        unit=registry["c1"],
        data=person(address='=HYPERLINK("http://x")', phone="0912345678"),
        **CONSENT,
    )
    login(client, "canbo_xa_a")
    xlsx = client.get(f"/hoi-vien/{registry['c1'].uid}/danh-sach.xlsx?cot=full_name&cot=address")
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1] == ("STT", "Họ và tên", "Địa chỉ")
    assert rows[2][2].startswith("'=")
    pdf = client.get(f"/hoi-vien/{registry['c1'].uid}/danh-sach.pdf")
    cards = client.get(f"/hoi-vien/{registry['c1'].uid}/the-hoi-vien.pdf")
    assert pdf.content.startswith(b"%PDF") and cards.content.startswith(b"%PDF")
