"""Shared pytest fixtures: the people and units most tests need."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run under scripts/with_postgres.py")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def portal_state_checked_on_every_request(settings: object) -> None:
    """Tests see a published page change at once; production trusts what it read of the
    page tree for PORTAL_STATE_SECONDS (1 s) to save two queries per portal page."""
    settings.PORTAL_STATE_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture
def indicators(db: None) -> dict[str, object]:
    """The default catalog, by code (loaded by the catalog's data migration)."""
    from phongtrao.catalog.models import Indicator

    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def small_tree(db: None) -> dict[str, object]:
    """A province with two districts and three communes, in the pre-2025 edition."""
    from phongtrao.orgs.models import Level
    from phongtrao.orgs.services import editions_ensure, unit_create

    old, _ = editions_ensure()
    vn = unit_create(edition=old, code="T-VN", name="Việt Nam", level=Level.CENTRAL)
    province = unit_create(
        edition=old, code="T-70", name="Tỉnh Thử", level=Level.PROVINCE, parent=vn
    )
    d1 = unit_create(
        edition=old, code="T-701", name="Huyện Một", level=Level.DISTRICT, parent=province
    )
    d2 = unit_create(
        edition=old, code="T-702", name="Huyện Hai", level=Level.DISTRICT, parent=province
    )
    c1 = unit_create(edition=old, code="T-70101", name="Xã A", level=Level.COMMUNE, parent=d1)
    c2 = unit_create(edition=old, code="T-70102", name="Xã B", level=Level.COMMUNE, parent=d1)
    c3 = unit_create(edition=old, code="T-70201", name="Xã C", level=Level.COMMUNE, parent=d2)
    return {"vn": vn, "province": province, "d1": d1, "d2": d2, "c1": c1, "c2": c2, "c3": c3}


@pytest.fixture
def small_tree_2025(small_tree: dict[str, Any]) -> dict[str, Any]:
    """`small_tree` (2008) and its 2025 successor, with the mapping between them: Tỉnh Thử
    whole; Xã A, Xã B and 70% of Xã C into Xã Bắc, 30% of Xã C into Xã Nam. Adds `new_vn`,
    `new_province`, `north`, `south`; no values."""
    from decimal import Decimal

    from phongtrao.orgs.mapping import mapping_rebuild
    from phongtrao.orgs.models import Level, Succession, SuccessionKind
    from phongtrao.orgs.services import editions_ensure, unit_create

    _, new = editions_ensure()
    vn = unit_create(edition=new, code="T-VN", name="Việt Nam", level=Level.CENTRAL)
    province = unit_create(
        edition=new, code="T-70", name="Tỉnh Thử", level=Level.PROVINCE, parent=vn
    )
    north = unit_create(
        edition=new, code="T-N", name="Xã Bắc", level=Level.COMMUNE, parent=province
    )
    south = unit_create(
        edition=new, code="T-S", name="Xã Nam", level=Level.COMMUNE, parent=province
    )
    for old, successor, weight in (
        ("vn", vn, "1"),
        ("province", province, "1"),
        ("c1", north, "1"),
        ("c2", north, "1"),
        ("c3", north, "0.7"),
        ("c3", south, "0.3"),
    ):
        Succession.objects.create(
            predecessor=small_tree[old],
            successor=successor,
            kind=SuccessionKind.SPLIT if weight != "1" else SuccessionKind.MERGE,
            weight=Decimal(weight),
            effective=new.valid_from,
        )
    mapping_rebuild()
    return {**small_tree, "new_vn": vn, "new_province": province, "north": north, "south": south}


@pytest.fixture
def province_officer(db: None) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("canbo_tinh_test", password="x")


@pytest.fixture
def commune_officer(db: None) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("canbo_xa_test", password="x")


@pytest.fixture
def no_deadlines(db: None) -> None:
    """Forms without deadlines, for tests that write 2023 figures as officers: the catalog's
    forms close 15 days after the period, so 2023 is long locked for them."""
    from phongtrao.catalog.models import Form

    Form.objects.update(deadline_days=0)


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> object:
    """A page of Debian's Chromium, headless, Vietnamese; a phone's screen unless the test
    module sets BROWSER_VIEWPORT."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("needs Debian's chromium: make system-packages")
    from playwright.sync_api import sync_playwright

    # Playwright runs an event loop in this thread; the fixtures' ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    viewport = getattr(request.module, "BROWSER_VIEWPORT", {"width": 390, "height": 844})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        yield context.new_page()
        browser.close()
