"""The blocks and the session notice in a real browser (Debian's Chromium, Playwright)."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from phongtrao.tests.browser import sign_in

PASSWORD = "mat-khau-dai-123"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("phongtrao.portal.traffic.tests.urls"),
]


@pytest.fixture
def member(db):
    """Created before the browser starts: tests ask for their database fixtures before
    `browser_page` (a query made while Playwright's loop runs gets a connection of its own
    that outlives the test)."""
    return get_user_model().objects.create_user("thanh_vien", password=PASSWORD)


@pytest.fixture
def article_path(portal):
    """The portal's real article page (its fixtures), read before the browser starts."""
    return portal["seed"].get_url()


def test_the_statistics_block_shows_on_the_article(
    article_path, live_server, settings, browser_page
):
    settings.TRAFFIC_STATS_CACHE_SECONDS = 0  # see this very visit at once
    page = browser_page
    page.goto(live_server.url + article_path)
    expect(page.get_by_text("Thứ tư - 20/03/2024 11:23")).to_be_visible()  # the date line
    block = page.get_by_role("region", name="Thống kê truy cập")
    expect(block).to_be_visible()
    page.reload()
    rows = block.get_by_role("listitem")
    assert rows.filter(has_text="Đang truy cập").inner_text().split()[-1] == "1"
    assert rows.filter(has_text="Khách viếng thăm").inner_text().split()[-1] == "1"
    assert rows.filter(has_text="Hôm nay").inner_text().split()[-1] == "1"
    assert rows.filter(has_text="Tổng lượt truy cập").inner_text().split()[-1] == "1"


def test_clicking_the_bar_keeps_the_session_alive(member, live_server, settings, browser_page):
    settings.SESSION_COOKIE_AGE = 10
    settings.SESSION_WARNING_SECONDS = 6
    page, base = browser_page, live_server.url
    sign_in(page, base, "thanh_vien", PASSWORD)
    loaded = time.monotonic()  # the session now ends 10 s after this page's request
    bar = page.get_by_role("alert")
    keep = bar.get_by_role("button", name="Bấm vào đây để duy trì trạng thái đăng nhập")
    keep.wait_for(state="visible", timeout=8000)
    assert "Thời gian chờ:" in keep.inner_text()
    first = int(page.locator(".session-notice-seconds").inner_text())
    assert 1 <= first <= 6
    page.wait_for_timeout(1200)
    assert int(page.locator(".session-notice-seconds").inner_text()) < first  # counts down
    keep.focus()
    with page.expect_response("**/phien/gia-han/") as extended:
        page.keyboard.press("Enter")  # the keyboard works as well as a click
    assert extended.value.json()["expires_in"] == 10
    assert bar.is_hidden()
    # Past the original expiry the user is still signed in.
    time.sleep(max(0.0, loaded + 11.5 - time.monotonic()))
    page.goto(base + "/trang-thu/")
    expect(page.locator("#who")).to_have_text("thanh_vien")


def test_at_zero_the_user_is_signed_out(member, live_server, settings, browser_page):
    settings.SESSION_COOKIE_AGE = 5
    settings.SESSION_WARNING_SECONDS = 3
    page, base = browser_page, live_server.url
    sign_in(page, base, "thanh_vien", PASSWORD)
    with page.expect_response("**/phien/ket-thuc/", timeout=10000) as ended:
        pass
    assert ended.value.json()["signed_in"] is False
    again = page.get_by_role("link", name="Đăng nhập lại")
    again.wait_for(state="visible")
    assert "dang-nhap" in again.get_attribute("href")
    page.goto(base + "/trang-thu/")
    expect(page.locator("#who")).to_have_text("Khách")
