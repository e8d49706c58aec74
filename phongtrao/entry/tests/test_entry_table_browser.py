"""The entry form as officers work on a desktop (Chromium): a table of indicator | this
period | same period last year | target, the header and the section's heading staying in
view, Tab and Enter moving down the column; on a phone, one field under another."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from phongtrao.catalog.models import Indicator
from phongtrao.members.models import RegistryUnit
from phongtrao.tests.browser import sign_in

from .conftest import entry_url

PASSWORD = "mat-khau-dai-123"  # the people fixture's
BROWSER_VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def form_page(people, commune_form, small_tree):
    """Read before the browser starts (see test_browser.ids): Xã A keeps a member book."""
    RegistryUnit.objects.create(unit=small_tree["c1"], since=dt.date(2020, 1, 1))
    codes = ["HV_TONG", "THOAT_NGHEO", "THOAT_NGHEO_DTTS", "TH_KP"]
    ids = dict(Indicator.objects.filter(code__in=codes).values_list("code", "pk"))
    return {"url": entry_url(commune_form, small_tree["c1"]), **ids}


def _open(page, base, url):
    sign_in(page, base, "xa", PASSWORD)
    page.goto(base + url)


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_desktop_form_is_a_table_that_keeps_its_header_and_moves_down_by_keyboard(
    form_page, live_server, browser_page
):
    page, base = browser_page, live_server.url
    _open(page, base, form_page["url"])
    headers = page.locator("table.entry-table thead th").all_inner_texts()
    assert headers == ["Chỉ tiêu", "Năm 2023", "Cùng kỳ năm 2022", "Chỉ tiêu giao"]
    # One row: the input and last year's figure side by side, not one under the other.
    row = page.locator("tr.row", has=page.locator(f"#v_{form_page['THOAT_NGHEO']}"))
    field = row.locator("input[type=text]").bounding_box()
    last = row.locator("td.c-last").bounding_box()
    assert last["x"] > field["x"] + field["width"] - 1
    assert abs(last["y"] - row.bounding_box()["y"]) < 2
    # Tab and Enter go down the column, to the next figure.
    first = page.locator(f"#v_{form_page['THOAT_NGHEO']}")
    first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"v_{form_page['THOAT_NGHEO_DTTS']}"
    page.keyboard.type("12")
    page.keyboard.press("Enter")  # moves on, does not send the form
    after = page.evaluate("document.activeElement.id")
    assert after not in {"", f"v_{form_page['THOAT_NGHEO_DTTS']}"} and after.startswith("v_")
    assert page.url.endswith(form_page["url"])
    page.keyboard.press("Shift+Enter")
    assert page.evaluate("document.activeElement.id") == f"v_{form_page['THOAT_NGHEO_DTTS']}"
    # Scrolled far down: the header stays at the top, the current section's heading under it.
    page.locator(f"#v_{form_page['TH_KP']}").scroll_into_view_if_needed()
    page.mouse.wheel(0, 2500)
    page.wait_for_timeout(100)
    head = _box(page, "table.entry-table thead th")
    assert abs(head["y"]) < 1
    stuck = [
        b
        for b in (h.bounding_box() for h in page.locator("tr.section-row th").all())
        if b and abs(b["y"] - head["height"]) < 2
    ]
    assert stuck, "the section heading under the header"
    # Figures the member book counts: shown, with the note and the way to the list.
    registry = page.locator(f"#v_{form_page['HV_TONG']}")
    assert registry.evaluate("e => e.tagName") == "OUTPUT"
    cell = page.locator("td.c-value", has=registry)
    assert "theo sổ hội viên" in cell.inner_text()
    assert (
        cell.get_by_role("link", name="danh sách hội viên")
        .get_attribute("href")
        .startswith("/hoi-vien/")
    )
    # The count follows the typing after a pause (400 ms): wait for it as a reader would.
    expect(page.locator("#da-nhap")).to_contain_text("Đã có số liệu: 1/")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_form_keeps_one_field_under_another(form_page, live_server, browser_page):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, base, form_page["url"])
    assert page.locator("table.entry-table thead").bounding_box()["height"] <= 1  # read aloud only
    row = page.locator("tr.row", has=page.locator(f"#v_{form_page['THOAT_NGHEO']}"))
    label = row.locator("label").bounding_box()
    field = row.locator("input[type=text]").bounding_box()
    last = row.locator("td.c-last").bounding_box()
    assert field["y"] >= label["y"] + label["height"] - 1  # under its name
    assert last["y"] >= field["y"] + field["height"] - 1  # last year under the field
    assert field["width"] > 300  # the whole width of the phone
    assert "Cùng kỳ năm 2022" in row.locator("td.c-last").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
