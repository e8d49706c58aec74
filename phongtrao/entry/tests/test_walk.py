"""A walk per role in Chromium: from Việc cần làm every part is reached by clicking the
menu, never by typing an address; the screenshots go to docs/ when SCREENSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.data.services import period_get
from phongtrao.data.workflow import submission_submit

BROWSER_VIEWPORT = {"width": 1366, "height": 900}
PASSWORD = "mat-khau-dai-123"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

# Menu label → a piece of the address it leads to.
PARTS = {
    "Nhập liệu": "/nhap-lieu/",
    "Tổng quan": "/nhap-lieu/tong-quan/",
    "Báo cáo": "/bao-cao/",
    "Thi đua": "/thi-dua/",
    "Tổ chức": "/to-chuc/",
    "Tài khoản": "/tai-khoan/",
    "Việc cần làm": "/viec-can-lam/",
}


def _shot(page, name):
    if os.environ.get("SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def _sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(base + "/")
    page.get_by_role("link", name="Đăng nhập").click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(base + "/viec-can-lam/")


@pytest.fixture
def roles(people, small_tree, commune_form):
    """Read and written before the browser starts (see test_browser's `ids`)."""
    from wagtail.models import Page, Site

    from phongtrao.portal.models import HomePage
    from phongtrao.portal.views import site_cache_clear

    home = HomePage(title="Hội LHPN tỉnh Thử", slug="trang-chu-thu")
    Page.get_first_root_node().add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home}
    )
    site_cache_clear()
    editor = people["tinh"]
    membership_set(
        actor=SYSTEM,
        user=editor,
        unit=small_tree["province"],
        roles={Role.VIEW, Role.APPROVE, Role.ADMINISTER, Role.EDITOR, Role.ENTER},
    )
    submission_submit(
        form=commune_form, unit=small_tree["c1"], period=period_get("2023"), user=people["xa"]
    )
    return {
        "xa": ["Nhập liệu", "Tổng quan", "Báo cáo", "Thi đua", "Tổ chức", "Tài khoản"],
        "huyen": ["Nhập liệu", "Tổng quan", "Báo cáo", "Thi đua", "Tài khoản"],
        "tinh": ["Nhập liệu", "Tổng quan", "Báo cáo", "Thi đua", "Tổ chức", "Tài khoản"],
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_role_reaches_every_part_from_the_home_page(roles, live_server, browser_page):
    page, base = browser_page, live_server.url
    for username, labels in roles.items():
        _sign_in(page, base, username)
        _shot(page, f"viec-can-lam-{username}")
        menu = page.get_by_role("navigation", name="Các phần")
        for label in labels:
            menu.get_by_role("link", name=label, exact=True).click()
            page.wait_for_url(f"**{PARTS[label]}**")
            page.wait_for_load_state()
            assert "Không tìm thấy" not in page.content(), (username, label)
            if username == "huyen":
                _shot(page, f"{PARTS[label].strip('/').replace('/', '-')}-{username}")
        if username == "tinh":
            assert menu.get_by_role("link", name="Quản trị nội dung").count() == 1
        else:
            assert menu.get_by_role("link", name="Quản trị nội dung").count() == 0
        # Reports waiting for approval lead to the report from the home page.
        if username == "huyen":
            menu.get_by_role("link", name="Việc cần làm").click()
            page.locator("#cho-duyet a").first.click()
            page.wait_for_url("**/nhap-lieu/BC_NAM_XA/**")
            page.wait_for_load_state()
            _shot(page, "bieu-mau-huyen")
        # The portal: the officer's name and "Trang làm việc" lead back.
        menu = page.get_by_role("navigation", name="Các phần")
        menu.get_by_role("link", name="Cổng thông tin").click()
        page.get_by_role("link", name="Trang làm việc").click()
        page.wait_for_url(base + "/viec-can-lam/")
        # The bell lists notifications.
        page.locator("a.bell").click()
        page.wait_for_url(base + "/thong-bao/")
        page.wait_for_load_state()
        if username == "huyen":
            expect(page.locator("main")).to_contain_text("chờ duyệt")
            _shot(page, "thong-bao-huyen")
