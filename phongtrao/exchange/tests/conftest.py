"""DHIS2's test metadata, recreated: the indicators and units the carried sample files name."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator, Section, TimeAggregation, ValueType
from phongtrao.orgs.models import Edition, Level
from phongtrao.orgs.services import unit_create

# DHIS2's own sample files, carried with the tests (see fixtures/dhis2/README.md).
FIXTURES = Path(__file__).parent / "fixtures" / "dhis2"


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings: Any, tmp_path: Path) -> Path:
    """Import uploads (the private storage) in the test's own folder."""
    private = {**settings.STORAGES["private"]}
    private["OPTIONS"] = {**private.get("OPTIONS", {}), "location": tmp_path}
    settings.STORAGES = {**settings.STORAGES, "private": private}
    return tmp_path


# DHIS2's DataValueSetServiceTest metadata: (uid, code). jH26dja2f28, a data element with an
# option set in DHIS2, is deliberately absent: dataValueSetInvalid.xml must meet one conflict.
DATA_ELEMENTS = [
    ("f7n9E0hX8qk", "DE_A"),
    ("Ix2HsbDMLea", "DE_B"),
    ("eY5ehpbEsB7", "DE_C"),
    # ADX samples: importB names them by uid, importA by code.
    ("MalNummmmmm", "Malaria numeric"),
    ("MalTexttttt", "Malaria text"),
]
ORG_UNITS = [
    ("DiszpKrYNg8", "OU_A"),
    ("BdfsJfj87js", "OU_B"),
    ("P1233333333", "123"),
    ("D4566666666", "456"),
]


def fixture_path(relative: str) -> Path:
    return FIXTURES / relative


def _bulk_identifiers() -> tuple[set[str], set[str]]:
    """The data elements and units dataValues_bulk.json names, read from the file."""
    path = FIXTURES / "dataValues_bulk.json"
    values = json.loads(path.read_text(encoding="utf-8"))["dataValues"]
    return {v["dataElement"] for v in values}, {v["orgUnit"] for v in values}


@pytest.fixture
def dhis2_metadata(db: None) -> dict[str, object]:
    """Indicators and units with the identifiers of DHIS2's test metadata, in a test edition."""
    section = Section.objects.create(number=99, name="Thử nghiệm DHIS2")
    bulk_elements, bulk_units = _bulk_identifiers()
    elements = DATA_ELEMENTS + [(uid, uid) for uid in sorted(bulk_elements)]
    indicators = Indicator.objects.bulk_create(
        Indicator(
            uid=uid,
            code=code,
            section=section,
            name=f"Chỉ tiêu thử {code}",
            unit_label="lượt",
            value_type=ValueType.INTEGER,
            time_aggregation=TimeAggregation.SUM,
        )
        for uid, code in elements
    )
    edition = Edition.objects.create(
        code="DHIS2-TEST", name="Cơ cấu thử nghiệm DHIS2", valid_from=dt.date(2000, 1, 1)
    )
    root = unit_create(
        edition=edition, code="ROOT", name="Gốc thử", level=Level.PROVINCE, uid="RootUnit001"
    )
    units = [
        unit_create(
            edition=edition,
            code=code,
            name=f"Đơn vị {code}",
            level=Level.COMMUNE,
            parent=root,
            uid=uid,
        )
        for uid, code in ORG_UNITS + [(uid, uid) for uid in sorted(bulk_units)]
    ]
    return {"root": root, "units": units, "indicators": indicators}


def stored_count() -> int:
    from phongtrao.data.models import DataValue

    return DataValue.objects.count()


API_PASSWORD = "mat-khau-dai-123"


@pytest.fixture
def api_people(small_tree: dict[str, object]) -> dict[str, object]:
    """On the small tree: a province officer, a district officer (d1), a commune officer
    of another district (c3, the outsider), each entering and viewing their subtree."""
    from django.contrib.auth import get_user_model

    from phongtrao.accounts.models import Role
    from phongtrao.accounts.services import membership_set

    people: dict[str, object] = {}
    for name, unit in (("tinh", "province"), ("huyen", "d1"), ("xa_ngoai", "c3")):
        user = get_user_model().objects.create_user(name, password=API_PASSWORD)
        membership_set(
            actor=SYSTEM, user=user, unit=small_tree[unit], roles=(Role.VIEW, Role.ENTER)
        )
        people[name] = user
    return people


def basic(username: str, password: str = API_PASSWORD) -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def read_stream(response: Any) -> Any:
    """The response with `.json()` and `.body` working for streamed answers too (read once)."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        response.body = body
        response.json = lambda: json.loads(body)
    else:
        response.body = response.content
    return response
