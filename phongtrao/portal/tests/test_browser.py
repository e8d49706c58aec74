"""The article page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def urls(portal):
    """Read before the browser starts (see entry's browser test)."""
    return {"seed": portal["seed"].url, "category": portal["news"].url}


def test_read_rate_and_comment(urls, live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + urls["seed"])
    expect(page.locator(".article-meta time")).to_have_text("Thứ tư - 20/03/2024 11:23")
    expect(page.locator(".article-views")).to_have_text("1")
    page.get_by_text("Click để đánh giá bài viết").wait_for()

    # A star: the text changes without a reload (the page keeps its state).
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Đánh giá 4 sao").click()
    text = page.locator(".rating-text")
    expect(text).to_have_text("Tổng số điểm của bài viết là: 4 trong 1 đánh giá")
    assert page.evaluate("window.notReloaded") is True
    page.get_by_role("button", name="Đánh giá 5 sao").click()
    expect(page.get_by_text("Bạn đã đánh giá bài viết này rồi.")).to_be_visible()
    expect(text).to_have_text("Tổng số điểm của bài viết là: 4 trong 1 đánh giá")

    # A guest's comment: held for moderation, not listed.
    page.get_by_label("Họ và tên").fill("Trần Thị Mai")
    page.get_by_label("Nội dung bình luận").fill("Chúc mừng các chị!")
    page.get_by_role("button", name="Gửi bình luận").click()
    expect(page.get_by_text("đang chờ duyệt")).to_be_visible()
    expect(page.locator(".comment-list")).to_have_count(0)
    page.reload()
    expect(page.locator(".article-views")).to_have_text("1")  # a reload is not a new view
    expect(page.get_by_text("Chúc mừng các chị!")).to_have_count(0)


@pytest.fixture
def editor(db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("bientap", password="mat-khau-dai-123")


def test_wagtails_accessibility_checker_finds_nothing(urls, editor, live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/cms/login/")
    page.fill("input[name=username]", "bientap")
    page.fill("input[name=password]", "mat-khau-dai-123")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/cms/")
    for path in (urls["seed"], "/", urls["category"], "/tim-kiem/?q=khen"):
        page.goto(live_server.url + path)
        page.locator("#wagtail-userbar-trigger").click()
        page.locator("#checker-trigger").click()
        page.locator("#checker-results").wait_for(state="visible")
        page.wait_for_timeout(1000)  # axe runs asynchronously
        issues = page.locator(".w-content-checker__name").all_inner_texts()
        assert issues == [], (path, issues)
