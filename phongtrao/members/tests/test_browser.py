"""The member book on a phone, in Debian's Chromium: search without diacritics, quick add.

With MEMBERS_SCREENSHOTS=<dir> the pages are also saved there (docs/members/ holds them).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from phongtrao.members.services import member_admit
from phongtrao.tests.browser import sign_in

from .conftest import person


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_finds_and_adds_members_on_a_phone(registry, live_server, browser_page):
    c1_uid = registry["c1"].uid
    for name, birth in (
        ("Lê Thị Ánh Tuyết", 1985),
        ("Nguyễn Thị Hoa", 1979),
        ("Điểu Thị Bé", 1992),
    ):
        member_admit(
            actor=registry["officer_a"],
            unit=registry["branch"],
            data=person(name, birth_date=dt.date(birth, 5, 17), phone="0912345678"),
            purpose="Quản lý hội viên",
            consent_on=dt.date(2023, 3, 8),
        )
    page, base = browser_page, live_server.url
    shots = os.environ.get("MEMBERS_SCREENSHOTS")
    sign_in(page, base, "canbo_xa_a", "x")
    page.goto(f"{base}/hoi-vien/{c1_uid}/")
    expect(page.get_by_text("Sổ hội viên Xã A")).to_be_visible()
    if shots:
        page.screenshot(path=str(Path(shots) / "members-list-phone.png"), full_page=True)
    page.get_by_label("Tìm theo tên (gõ không dấu được)").fill("anh tuyet")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url(lambda url: "anh+tuyet" in url)
    expect(page.get_by_role("link", name="Lê Thị Ánh Tuyết")).to_be_visible()
    expect(page.get_by_role("link", name="Nguyễn Thị Hoa")).to_have_count(0)
    page.goto(f"{base}/hoi-vien/{c1_uid}/")
    page.get_by_text("+ Thêm hội viên").click()
    page.get_by_label("Họ và tên", exact=True).fill("Trần Thị Lan")
    page.get_by_label("Ngày sinh", exact=True).fill("1990-04-02")
    page.get_by_label("Ngày vào Hội", exact=True).fill("2024-03-08")
    if shots:
        page.screenshot(path=str(Path(shots) / "members-quick-add-phone.png"), full_page=True)
    page.get_by_label("Hội viên đã đồng ý", exact=False).check()
    page.get_by_role("button", name="Kết nạp").click()
    expect(page.get_by_text("Đã kết nạp Trần Thị Lan")).to_be_visible()


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "progress"]
)
def test_list_import_page_follows_the_worker_then_shows_row_errors(
    registry, live_server, browser_page, tmp_path, settings
):
    from phongtrao.accounts.models import Role
    from phongtrao.jobs.worker import tasks_run_pending

    from .conftest import officer

    settings.MEDIA_ROOT = tmp_path
    officer("quantri_huyen", registry["d1"], Role.ADMINISTER)
    page, base = browser_page, live_server.url
    shots = os.environ.get("MEMBERS_SCREENSHOTS")
    page.set_viewport_size({"width": 1100, "height": 800})
    sign_in(page, base, "canbo_xa_a", "x")
    page.goto(f"{base}/hoi-vien/{registry['c1'].uid}/nhap-excel/")
    listing = tmp_path / "danh-sach.csv"
    listing.write_text(
        "STT;Họ và tên;Ngày sinh;Dân tộc;Tôn giáo;Nghề nghiệp;Địa chỉ;Ngày vào Hội;Chi hội\n"
        "1;Nguyễn Thị Hoa;17/05/1985;Kinh;Không;Làm nông;Ấp 1;08/03/2023;Ấp 1\n"
        "2;Điểu Thị Bé;31/02/1990;Xờ Tiêng;;Công nhân;Ấp 2;08/03/2023;Ấp 9\n",
        encoding="utf-8-sig",
    )
    page.get_by_label("Tệp danh sách hội viên").set_input_files(str(listing))
    page.get_by_label("Các hội viên trong danh sách đã đồng ý", exact=False).check()
    page.get_by_role("button", name="Nhập danh sách").click()
    expect(page.get_by_text("Đang chờ tiến trình xử lý nền")).to_be_visible()
    assert tasks_run_pending() == 1
    # The page asks for its progress and reloads itself with the result.
    expect(page.get_by_text("Chưa nhập: 1 dòng có lỗi")).to_be_visible()
    expect(page.get_by_text("Dân tộc “Xờ Tiêng” không có trong danh mục")).to_be_visible()
    if shots:
        page.screenshot(path=str(Path(shots) / "members-import-errors.png"), full_page=True)
    page.context.clear_cookies()
    sign_in(page, base, "quantri_huyen", "x")
    page.goto(f"{base}/hoi-vien/quyen-xem-ho-so/")
    page.get_by_label("Tên đăng nhập của cán bộ").fill("canbo_huyen_1")
    page.get_by_label("Mục đích được xem hồ sơ hội viên").fill("Kiểm tra hồ sơ đề nghị khen thưởng")
    page.get_by_role("button", name="Cấp quyền xem hồ sơ").click()
    expect(page.get_by_text("Đã cấp quyền xem hồ sơ hội viên cho canbo_huyen_1")).to_be_visible()
    if shots:
        page.screenshot(path=str(Path(shots) / "members-grants.png"), full_page=True)
