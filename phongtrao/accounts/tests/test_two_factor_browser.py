"""Two-factor sign-in in Chromium, as an officer does it on a laptop: turn it on from the
account page by typing the key into the app (here, computing its code), sign in again and give
the code. With SCREENSHOTS=<folder> the pages are saved there (docs/screenshots/)."""

from __future__ import annotations

import os
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp  # type: ignore[import-untyped]

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM

BROWSER_VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "mat-khau-dai-123"


def _shot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _code(key_text, drift=0):
    key = b32decode(key_text.replace(" ", ""))
    return f"{totp(key, 30, 0, 6, drift):06d}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_turn_on_then_sign_in_with_the_code(live_server, small_tree, browser_page):
    user = get_user_model().objects.create_user("canbo_huyen", password=PASSWORD)
    membership_set(actor=SYSTEM, user=user, unit=small_tree["d1"], roles={Role.VIEW, Role.APPROVE})
    page, base = browser_page, live_server.url

    def sign_in():
        page.goto(base + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("canbo_huyen")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

    sign_in()
    page.goto(base + "/tai-khoan/cua-toi/")
    _shot(page, "tai-khoan-hai-buoc.png")
    page.get_by_role("link", name="Xác thực hai bước").click()
    assert page.locator(".qr svg").is_visible()
    key = page.locator("#khoa").inner_text()
    _shot(page, "xac-thuc-hai-buoc-cai-dat.png")
    page.get_by_label("Mã xác thực").fill(_code(key))
    page.get_by_role("button", name="Xác nhận và bật").click()
    assert "Đã bật xác thực hai bước" in page.content()

    page.context.clear_cookies()
    sign_in()
    assert "/tai-khoan/ma-xac-thuc/" in page.url
    _shot(page, "xac-thuc-hai-buoc-nhap-ma.png")
    page.get_by_label("Mã xác thực").fill(_code(key, drift=1))
    page.get_by_role("button", name="Tiếp tục").click()
    assert "/tai-khoan/ma-xac-thuc/" not in page.url
    page.goto(base + "/tai-khoan/cua-toi/")
    assert "đang bật" in page.content()
