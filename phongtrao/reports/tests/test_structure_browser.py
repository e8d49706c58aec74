"""Choosing the structure on the report page, in a real browser (Debian's Chromium)."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

from phongtrao.tests.browser import sign_in

from .test_structure_choice import two_structures  # noqa: F401  (a fixture)

PASSWORD = "mat-khau-dai-123"


@pytest.fixture
def web_admin(db):
    """Made before the browser starts: a query made while Playwright's loop runs gets a
    connection of its own that outlives the test (PostgreSQL then cannot drop the database)."""
    return get_user_model().objects.create_superuser("quantri_web", password=PASSWORD)


# The page's size for the shared `browser_page` fixture (conftest.py).
BROWSER_VIEWPORT = {"width": 1000, "height": 700}


# On PostgreSQL, after the portal's transactional tests have flushed the database, restoring
# the serialized content types collides with the ones post_migrate recreated (their ids differ):
# this test runs on SQLite until the transactional tests share one way to restore the catalog.
@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_officer_switches_the_report_to_the_2025_structure(
    two_structures,  # noqa: F811
    web_admin,
    live_server,
    browser_page,
):
    old, new = two_structures["province"].uid, two_structures["new_province"].uid
    page, base = browser_page, live_server.url
    sign_in(page, base, "quantri_web", PASSWORD)
    page.goto(f"{base}/bao-cao/{old}/2023/")
    page.get_by_label("Cơ cấu tổ chức").select_option("2025")
    page.get_by_role("button", name="Xem theo cơ cấu này").click()
    page.wait_for_url(f"{base}/bao-cao/{new}/2023/")
    assert page.get_by_label("Cơ cấu tổ chức").input_value() == "2025"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "report-edition.png"))
