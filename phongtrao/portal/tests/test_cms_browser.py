"""The CMS in a real browser: an editor signs in, sees the dashboard and edits an article,
in Vietnamese. `SCREENSHOT_DIR=docs` keeps the screenshots."""

from __future__ import annotations

import os

import pytest

from phongtrao.portal.models import Comment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
BROWSER_VIEWPORT = {"width": 1366, "height": 900}
# What Wagtail says in English when a message is not translated.
ENGLISH = ["Sign in", "Save draft", "Your most recent edits", "Dashboard", "Preview", "Publish"]


@pytest.fixture
def editor(portal, cms_editor):
    """The editor, their password, the seed article's id and a comment waiting."""
    cms_editor.set_password("mat-khau-bien-tap")
    cms_editor.save()
    Comment.objects.create(article=portal["seed"], name="Trần Thị Mai", body="Chúc mừng các chị!")
    return {"username": cms_editor.username, "seed": portal["seed"].pk}


def _shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], name))


def test_an_editor_works_in_vietnamese(editor, live_server, browser_page):
    page = browser_page
    page.goto(live_server.url + "/cms/")
    page.get_by_role("heading", name="Đăng nhập trang quản trị nội dung").wait_for()
    field = page.get_by_placeholder("Nhập tên đăng nhập của bạn")
    field.fill(editor["username"])
    page.get_by_placeholder("Nhập mật khẩu").fill("mat-khau-bien-tap")
    page.get_by_role("button", name="Đăng nhập").click()

    page.get_by_role("heading", name="Bình luận chờ duyệt").wait_for()
    panel = page.locator("#comments-waiting-section")
    assert "1 bình luận của bạn đọc đang chờ duyệt" in panel.inner_text()
    body = page.locator("main").inner_text()
    assert not [word for word in ENGLISH if word in body]
    _shot(page, "cms-dashboard.png")

    page.goto(f"{live_server.url}/cms/pages/{editor['seed']}/edit/")
    page.get_by_role("button", name="Lưu bản nháp").wait_for()
    assert page.get_by_role("tab", name="Nội dung").is_visible()
    text = page.locator("body").inner_text()
    assert not [word for word in ENGLISH if word in text]
    _shot(page, "cms-page-editor.png")

    page.get_by_role("link", name="Bình luận", exact=True).first.click()
    page.locator("form.portal-moderate").get_by_role("button", name="Duyệt", exact=True).click()
    page.get_by_text("Đã duyệt bình luận của Trần Thị Mai.").wait_for()
    _shot(page, "cms-comments.png")
