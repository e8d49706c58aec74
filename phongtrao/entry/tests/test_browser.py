"""The officers' round in a real browser (Debian's Chromium driven by Playwright).

Enter, see the "of which" message in Vietnamese, fix, submit; the district returns it with a
reason; the commune corrects and resubmits; the district approves; the form is locked.
"""

from __future__ import annotations

import shutil

import pytest

from phongtrao.catalog.models import Indicator

from .conftest import entry_url

CHROMIUM = shutil.which("chromium")
PASSWORD = "mat-khau-dai-123"  # the people fixture's


@pytest.fixture
def ids(db):
    """Read before the browser starts: a query made while Playwright's loop runs gets a
    connection of its own that outlives the test (PostgreSQL then cannot drop the database)."""
    return {
        code: Indicator.objects.get(code=code).pk for code in ("THOAT_NGHEO", "THOAT_NGHEO_DTTS")
    }


@pytest.fixture
def browser_page(monkeypatch):
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium: make system-packages")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the fixtures' ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        # A phone's screen: one column, large inputs.
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        yield context.new_page()
        browser.close()


def _sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(base + "/nhap-lieu/")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enter_submit_return_resubmit_approve_lock(
    ids, people, commune_form, small_tree, live_server, browser_page
):
    page, base = browser_page, live_server.url
    url = base + entry_url(commune_form, small_tree["c1"])

    _sign_in(page, base, "xa")
    page.get_by_role("button", name="Mở biểu mẫu").first.click()  # the latest year
    page.goto(url)
    parent = page.locator(f"#v_{ids['THOAT_NGHEO']}")
    child = page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}")
    assert child.get_attribute("inputmode") == "decimal"
    parent.fill("1.200")
    child.fill("1.633")
    page.get_by_role("button", name="Lưu nháp").click()
    assert page.get_by_text("không được lớn hơn").first.is_visible()
    child.fill("633")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    assert page.get_by_text("Đã gửi báo cáo lên cấp trên.").is_visible()

    _sign_in(page, base, "huyen")
    page.goto(url)
    page.get_by_label("Lý do trả lại").fill("Số hộ dân tộc thiểu số chưa khớp")
    page.get_by_role("button", name="Trả lại").click()
    assert page.get_by_text("Đã trả lại báo cáo cho đơn vị.").is_visible()

    _sign_in(page, base, "xa")
    page.goto(url)
    assert page.get_by_text("Số hộ dân tộc thiểu số chưa khớp").is_visible()
    page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}").fill("640")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    assert page.get_by_text("Đã gửi báo cáo lên cấp trên.").is_visible()

    _sign_in(page, base, "huyen")
    page.goto(url)
    page.get_by_role("button", name="Duyệt", exact=True).click()
    assert page.get_by_text("Đã duyệt báo cáo.").is_visible()

    _sign_in(page, base, "xa")
    page.goto(url)
    assert page.get_by_text("số liệu đã khóa").is_visible()
    assert page.get_by_role("button", name="Lưu nháp").count() == 0
    assert page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}").get_attribute("readonly") is not None
