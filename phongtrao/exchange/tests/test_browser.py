"""The upload page in a real browser: upload, watch the progress, read the summary."""

from __future__ import annotations

import json
import os
import signal

import pytest

from phongtrao.exchange.tests.conftest import API_PASSWORD
from phongtrao.exchange.tests.test_jobs_worker import worker
from phongtrao.tests.browser import sign_in

# The catalog's forms close 15 days after the period; these tests write 2023 as officers.
pytestmark = pytest.mark.usefixtures("no_deadlines")


# On SQLite no session can be saved while an import writes (one writer at a time), and the
# page's polls save the session: the browser round runs on PostgreSQL, the production base,
# with a real worker process of the task queue running the import.
@pytest.mark.postgres
@pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "progress"]
)
def test_upload_shows_progress_then_summary(
    live_server, api_people, small_tree, indicators, browser_page, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    page, base = browser_page, live_server.url
    values = [
        {"dataElement": indicators["TH_HD"].uid, "orgUnit": small_tree[u].uid, "value": v}
        for u, v in (("c1", "5"), ("c2", "7"))
    ]
    upload = tmp_path / "so-lieu.json"
    upload.write_text(json.dumps({"period": "2023", "dataValues": values}))

    sign_in(page, base, "huyen", API_PASSWORD, then="/api/nhap-tep/")
    page.get_by_label("Tệp số liệu").set_input_files(str(upload))
    page.get_by_role("button", name="Tải lên và nhập").click()

    process = worker(media=tmp_path)
    try:
        page.locator("#job-summary").wait_for(state="visible", timeout=60_000)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert page.locator("#job-status").inner_text() == "Xong"
    assert page.locator("#count-imported").inner_text() == "2"
    assert "SUCCESS" in page.locator("#summary-status").inner_text()
    assert page.locator("#job-bar").get_attribute("value") == "100"
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.environ["SCREENSHOTS"] + "/import-job.png", full_page=True)
        page.goto(base + "/api/ma-truy-cap/")
        page.get_by_label("Tên gợi nhớ").fill("Đồng bộ DHIS2 của tỉnh")
        page.get_by_role("button", name="Tạo mã").click()
        page.screenshot(path=os.environ["SCREENSHOTS"] + "/tokens.png", full_page=True)
