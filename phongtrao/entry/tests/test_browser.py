"""The officers' round in a real browser (Debian's Chromium driven by Playwright).

Enter, see the "of which" message in Vietnamese, fix, submit; the district returns it with a
reason; the commune corrects and resubmits; the district approves; the form is locked.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.data.validation import breakdown_message, parse_value
from phongtrao.tests.browser import sign_in

from .conftest import entry_url

PASSWORD = "mat-khau-dai-123"  # the people fixture's
OPENED = re.compile(r"/nhap-lieu/[^/?]+/[^/?]+/[^/?]+/$")  # a form of a unit for a period


@pytest.fixture
def ids(db):
    """Read before the browser starts: a query made while Playwright's loop runs gets a
    connection of its own that outlives the test (PostgreSQL then cannot drop the database)."""
    parent = Indicator.objects.get(code="THOAT_NGHEO")
    child = Indicator.objects.get(code="THOAT_NGHEO_DTTS")
    return {
        "THOAT_NGHEO": parent.pk,
        "THOAT_NGHEO_DTTS": child.pk,
        "message": breakdown_message(child, Decimal(1633), parent, Decimal(1200)),
    }


def _sign_in(page, base, username):
    page.context.clear_cookies()
    sign_in(page, base, username, PASSWORD)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enter_submit_return_resubmit_approve_lock(
    ids, people, commune_form, small_tree, live_server, browser_page
):
    page, base = browser_page, live_server.url
    url = base + entry_url(commune_form, small_tree["c1"])

    _sign_in(page, base, "xa")
    page.get_by_role("navigation", name="Các phần").get_by_role("link", name="Nhập liệu").click()
    page.get_by_role("button", name="Mở biểu mẫu").first.click()  # the latest year
    page.wait_for_url(OPENED)
    page.goto(url)
    parent = page.locator(f"#v_{ids['THOAT_NGHEO']}")
    child = page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}")
    assert child.get_attribute("inputmode") == "decimal"
    parent.fill("1.200")
    child.fill("1.633")
    # Seen as the officer types, before any save, in the server's words.
    inline = page.locator(f"#e_{ids['THOAT_NGHEO_DTTS']}")
    inline.wait_for(state="visible")
    assert inline.inner_text() == ids["message"]
    assert child.get_attribute("aria-invalid") == "true"
    page.get_by_role("button", name="Lưu nháp").click()  # held back: the message stays
    expect(page.get_by_text("không được lớn hơn").first).to_be_visible()
    child.fill("633")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    expect(page.get_by_text("Đã gửi báo cáo lên cấp trên.")).to_be_visible()

    _sign_in(page, base, "huyen")
    page.goto(url)
    page.get_by_label("Lý do trả lại").fill("Số hộ dân tộc thiểu số chưa khớp")
    page.get_by_role("button", name="Trả lại").click()
    expect(page.get_by_text("Đã trả lại báo cáo cho đơn vị.")).to_be_visible()

    _sign_in(page, base, "xa")
    page.goto(url)
    expect(page.get_by_text("Số hộ dân tộc thiểu số chưa khớp")).to_be_visible()
    page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}").fill("640")
    page.get_by_role("button", name="Lưu và gửi duyệt").click()
    expect(page.get_by_text("Đã gửi báo cáo lên cấp trên.")).to_be_visible()

    _sign_in(page, base, "huyen")
    page.goto(url)
    page.get_by_role("button", name="Duyệt", exact=True).click()
    expect(page.get_by_text("Đã duyệt báo cáo.")).to_be_visible()

    _sign_in(page, base, "xa")
    page.goto(url)
    expect(page.get_by_text("số liệu đã khóa")).to_be_visible()
    assert page.get_by_role("button", name="Lưu nháp").count() == 0
    assert page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}").get_attribute("readonly") is not None


# Texts an officer may type, good and bad: the script must answer each as the server does.
TYPED = [
    "1.633",
    "1633",
    "03",
    "4,2",
    "4,0",
    "-5",
    "−5",
    "+7",
    "1 633 000",
    "1.633,25",
    "0,5",
    "4.2",
    "1.63",
    "1,633",
    "4,200",
    "0,500",
    "1633,250",
    "1,2,3",
    "1.633,2.5",
    ",5",
    "4,",
    "abc",
    "12a",
    "5-",
    "45%",
    "%",
    "45%%",
    "1.633 000",
    "1  633",
    "12 34",
    "- 5",
    "-",
    "99999999999999999999",
    "100",
    "100,5",
    "-0",
    "4,2 5",
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_script_reads_every_text_as_the_server_does(
    people, commune_form, small_tree, live_server, browser_page
):
    kinds = {
        ValueType.INTEGER: Indicator(
            code="I", name="Số hội viên", unit_label="hội viên", value_type=ValueType.INTEGER
        ),
        ValueType.MONEY: Indicator(
            code="M", name="Số tiền", unit_label="đồng", value_type=ValueType.MONEY
        ),
        ValueType.DECIMAL: Indicator(
            code="D", name="Diện tích", unit_label="ha", value_type=ValueType.DECIMAL
        ),
        ValueType.PERCENT: Indicator(
            code="P", name="Tỷ lệ", unit_label="%", value_type=ValueType.PERCENT
        ),
    }
    expected: dict[tuple[ValueType, str], str | None] = {}
    for kind, indicator in kinds.items():
        for text in TYPED:
            try:
                parse_value(indicator, text)
            except ValueError as exc:
                expected[(kind, text)] = str(exc)
            else:
                expected[(kind, text)] = None
    page = browser_page
    _sign_in(page, live_server.url, "xa")
    page.goto(live_server.url + entry_url(commune_form, small_tree["c1"]))
    rules = page.evaluate("JSON.parse(document.getElementById('entry-rules').textContent)")
    for (kind, text), server in expected.items():
        rule = {"type": kind.value, "integer": _integer_message(kinds[kind])}
        got = page.evaluate(
            "([r, t, m]) => window.phongtraoEntry.read(r, t, m)", [rule, text, rules]
        )
        if server is not None and "không rõ nghĩa" in server.lower():
            assert got == {"unknown": True}, (kind, text, got)
        elif server is None:
            assert "error" not in got, (kind, text, got)
        else:
            assert got.get("error") == server, (kind, text)


def _integer_message(indicator):
    from phongtrao.data.validation import integer_message

    return integer_message(indicator)
