"""What the browser tests share. A click on a link or a form's button returns once the
navigation has started, not when the next page has arrived: what follows a click waits for
that page (Playwright's `expect`, `page.wait_for_url`) and never reads the page at once
(`page.url`, `page.content()`, `is_visible()` would read the page being left)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

SIGN_IN = "/dang-nhap/"


def sign_in(page: Page, base: str, username: str, password: str, *, then: str = "") -> None:
    """Signs in through the form, as a person does, and waits until the browser has left it:
    for `then` (a path), the to-do list, or the two-factor code's page."""
    page.goto(base + SIGN_IN + (f"?next={then}" if then else ""))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: SIGN_IN not in url)
