"""Shared pytest fixtures: the people and units most tests need."""

from __future__ import annotations

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run under scripts/with_postgres.py")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


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
