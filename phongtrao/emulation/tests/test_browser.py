"""One unit's emulation round in a real browser (Debian's Chromium driven by Playwright):
the commune scores itself, the district checks and adjusts, the province's council confirms
and publishes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from phongtrao.tests.browser import sign_in

from .conftest import PASSWORD, hand_set, scored


@pytest.fixture
def round_setup(small_tree, people):
    """Read before the browser starts (a query made while Playwright's loop runs gets a
    connection of its own that outlives the test)."""
    criteria_set = hand_set(small_tree["province"])
    scored(criteria_set, small_tree["c2"], [(30, 0), (15, 0), (25, 0)])  # Xã B: checked
    criteria = list(criteria_set.groups.order_by("number"))
    ids = [c.pk for g in criteria for c in g.criteria.order_by("number")]
    return {
        "set": criteria_set,
        "ids": ids,
        "c1": small_tree["c1"],
        "province": small_tree["province"],
    }


# The page's size for the shared `browser_page` fixture (conftest.py).
BROWSER_VIEWPORT = {"width": 1100, "height": 900}


def _sign_in(page, base, username):
    page.context.clear_cookies()
    sign_in(page, base, username, PASSWORD)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_self_assessment_check_council_publication(round_setup, live_server, browser_page):
    page, base = browser_page, live_server.url
    ids, c1, province = round_setup["ids"], round_setup["c1"], round_setup["province"]
    url = f"{base}/thi-dua/danh-gia/{c1.uid}/2023/"

    _sign_in(page, base, "xa")
    page.goto(base + "/thi-dua/")
    page.get_by_role("link", name="Chấm điểm thi đua năm 2023 — Hội LHPN xã A").click()
    page.wait_for_url(url)
    page.get_by_role("button", name="Bắt đầu tự chấm").click()
    page.locator(f"#p_{ids[0]}").fill("45")
    page.locator(f"#p_{ids[1]}").fill("19,5")
    page.locator(f"#p_{ids[2]}").fill("36")
    page.get_by_role("button", name="Lưu và gửi cấp trên").click()
    expect(page.get_by_text("Tiêu chí 1.1: điểm phải từ 0 đến 40.")).to_be_visible()
    page.locator(f"#p_{ids[0]}").fill("40")
    page.locator(f"#p_{ids[1]}").fill("19,5")
    page.locator(f"#p_{ids[2]}").fill("36")
    page.locator(f"textarea[name=n_{ids[0]}]").fill("Kết nạp 130 hội viên, vượt chỉ tiêu")
    page.get_by_role("button", name="Lưu và gửi cấp trên").click()
    expect(page.get_by_text("Đã gửi bản tự chấm lên cấp trên.")).to_be_visible()
    expect(page.locator("#total")).to_have_text("95,50")

    _sign_in(page, base, "huyen")
    page.goto(base + "/thi-dua/")
    page.get_by_role("link", name="Hội LHPN xã A — năm 2023").click()
    page.wait_for_url(url)
    page.get_by_label("Cấp trên chấm 2.1").fill("34")
    page.get_by_label("Ý kiến cấp trên 2.1").fill("Thiếu minh chứng mô hình")
    page.get_by_role("button", name="Xác nhận kết quả kiểm tra").click()
    expect(page.get_by_text("Đã kiểm tra bản tự chấm.")).to_be_visible()
    expect(page.locator("#total")).to_have_text("93,50")

    _sign_in(page, base, "tinh")
    page.goto(f"{base}/thi-dua/ket-qua/{province.uid}/2023/3/")
    page.get_by_role("button", name="Hội đồng xét kết quả").click()
    expect(page.get_by_role("status").get_by_text("Hội đồng thi đua đã xét")).to_be_visible()
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.get_by_text("Đã công bố kết quả thi đua.")).to_be_visible()
    expect(page.get_by_text("Hoàn thành tốt nhiệm vụ trở lên: 2/2 (100,0%)")).to_be_visible()
    page.get_by_role("link", name="Xã A").click()
    expect(page.get_by_text("Hoàn thành xuất sắc nhiệm vụ").first).to_be_visible()

    # Checked in the page, not the database: a query made while Playwright's loop runs gets a
    # connection of its own that outlives the test.
    expect(page.get_by_text("Đã công bố", exact=True)).to_be_visible()
    expect(page.get_by_text("Xếp loại: Hoàn thành xuất sắc nhiệm vụ")).to_be_visible()
