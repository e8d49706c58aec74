"""The unit pickers forgive missing diacritics: "loc thai" finds "Xã Lộc Thái" (Chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create
from phongtrao.tests.browser import sign_in

PASSWORD = "mat-khau-dai-123"  # the people fixture's
BROWSER_VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def loc_thai(small_tree):
    """Read before the browser starts (see test_browser.ids)."""
    unit = unit_create(
        edition=small_tree["d1"].edition,
        code="T-70103",
        name="Xã Lộc Thái",
        level=Level.COMMUNE,
        parent=small_tree["d1"],
    )
    return {"uid": unit.uid, "other": small_tree["c1"].uid}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unit_picker_finds_a_unit_typed_without_diacritics(
    loc_thai, people, live_server, browser_page
):
    page, base = browser_page, live_server.url
    sign_in(page, base, "tinh", PASSWORD)
    page.goto(base + "/nhap-lieu/")
    select = page.locator("select#u_BC_NAM_XA")
    box = page.locator("#u_BC_NAM_XA_tim")

    box.fill("LOC thai")

    assert select.input_value() == loc_thai["uid"]
    visible = select.locator("option:not([hidden])")
    assert visible.all_inner_texts() == ["Xã Lộc Thái"]
    assert "Tìm thấy 1 đơn vị" in page.locator("#u_BC_NAM_XA_ket_qua").inner_text()
    box.fill("xyz")
    assert "Không có đơn vị nào khớp" in page.locator("#u_BC_NAM_XA_ket_qua").inner_text()
    box.fill("xa a")
    assert select.locator("option:not([hidden])").all_inner_texts() == ["Xã A"]
    assert select.input_value() == loc_thai["other"]
    box.fill("loc")
    page.locator("form.choose").filter(has=select).get_by_role("button", name="Mở biểu mẫu").click()
    expect(page).to_have_url(re.compile(f"/{loc_thai['uid']}/"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unit_picker_searches_the_server_when_the_list_is_cut(
    loc_thai, people, live_server, browser_page, monkeypatch
):
    """More units than the page lists: the words go to /nhap-lieu/don-vi/, a page at a time."""
    from phongtrao.entry import pick_views, views

    monkeypatch.setattr(views, "UNIT_LIST_LIMIT", 1)
    monkeypatch.setattr(pick_views, "PAGE_SIZE", 2)
    page, base = browser_page, live_server.url
    sign_in(page, base, "tinh", PASSWORD)
    page.goto(base + "/nhap-lieu/")
    select = page.locator("select#u_BC_NAM_XA")
    status = page.locator("#u_BC_NAM_XA_ket_qua")
    expect(select.locator("option")).to_have_count(1)  # the list is cut

    page.locator("#u_BC_NAM_XA_tim").fill("LOC thai")
    expect(status).to_have_text("Tìm thấy 1 đơn vị.")
    assert select.locator("option").all_inner_texts() == [
        "Xã Lộc Thái (Huyện Một · đến 30/06/2025)"
    ]
    assert select.input_value() == loc_thai["uid"]

    page.locator("#u_BC_NAM_XA_tim").fill("xa")
    expect(status).to_have_text("Tìm thấy 4 đơn vị, đang hiện 2.")
    page.get_by_role("button", name="Xem thêm").click()
    expect(select.locator("option")).to_have_count(4)
    expect(status).to_have_text("Tìm thấy 4 đơn vị.")
    expect(page.get_by_role("button", name="Xem thêm")).to_be_hidden()

    page.locator("#u_BC_NAM_XA_tim").fill("loc thai")
    expect(select.locator("option")).to_have_count(1)
    page.locator("form.choose").filter(has=select).get_by_role("button", name="Mở biểu mẫu").click()
    expect(page).to_have_url(re.compile(f"/{loc_thai['uid']}/"))
