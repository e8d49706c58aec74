"""Two-factor sign-in in Chromium, as an officer does it on a laptop: turn it on from the
account page by typing the key into the app (here, computing its code), sign in again and give
the code. With SCREENSHOTS=<folder> the pages are saved there (docs/screenshots/)."""

from __future__ import annotations

import os
import re
from base64 import b32decode
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp  # type: ignore[import-untyped]
from playwright.sync_api import expect

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.tests.browser import sign_in

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

    sign_in(page, base, "canbo_huyen", PASSWORD)
    page.goto(base + "/tai-khoan/cua-toi/")
    _shot(page, "tai-khoan-hai-buoc.png")
    page.get_by_role("link", name="Xác thực hai bước").click()
    expect(page.locator(".qr svg")).to_be_visible()
    key = page.locator("#khoa").inner_text()
    _shot(page, "xac-thuc-hai-buoc-cai-dat.png")
    page.get_by_label("Mã xác thực").fill(_code(key))
    page.get_by_role("button", name="Xác nhận và bật").click()
    expect(page.get_by_text("Đã bật xác thực hai bước")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, base, "canbo_huyen", PASSWORD)
    expect(page).to_have_url(re.compile("/tai-khoan/ma-xac-thuc/"))
    _shot(page, "xac-thuc-hai-buoc-nhap-ma.png")
    page.get_by_label("Mã xác thực").fill(_code(key, drift=1))
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_url(lambda url: "/tai-khoan/ma-xac-thuc/" not in url)
    page.goto(base + "/tai-khoan/cua-toi/")
    expect(page.locator("main")).to_contain_text("đang bật")
