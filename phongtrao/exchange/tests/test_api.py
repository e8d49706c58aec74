"""`/api/dataValueSets`: import and export over HTTP, each user within their own subtree."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.conftest import fixture_path
from phongtrao.orgs.models import Unit

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-dai-123"
URL = "/api/dataValueSets"


def person(name: str, unit_code: str, roles=(Role.VIEW, Role.ENTER)):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    membership_set(actor=SYSTEM, user=user, unit=Unit.objects.get(code=unit_code), roles=roles)
    return user


def auth(username: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def people(dhis2_metadata):
    """A province officer (ROOT), a commune officer (OU_A), an outsider (OU_B)."""
    return {
        "province": person("tinh", "ROOT"),
        "commune": person("xa_a", "OU_A"),
        "outsider": person("xa_b", "OU_B"),
        "viewer": person("xem_a", "OU_A", roles=(Role.VIEW,)),
    }


def post(client: Client, relative: str, content_type: str, user: str, query: str = ""):
    body = fixture_path(relative).read_bytes()
    return client.post(f"{URL}{query}", body, content_type=content_type, **auth(user))


@pytest.mark.parametrize(
    ("relative", "content_type", "imported"),
    [
        ("dxf2/datavalueset/dataValueSetB.xml", "application/xml", 12),
        ("dxf2/datavalueset/dataValueSetB.csv", "text/csv", 12),
        ("datavalueset/dataValueSetJ.json", "application/json", 1),
    ],
)
def test_post_each_content_type(client, people, relative, content_type, imported):
    response = post(client, relative, content_type, "tinh")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["response"]["status"] == "SUCCESS"
    assert body["response"]["importCount"]["imported"] == imported
    assert DataValue.objects.count() == imported


def test_post_adx(client, people):
    response = post(
        client,
        "adx/importB.adx.xml",
        "application/adx+xml",
        "tinh",
        "?atomicMode=NONE&idScheme=UID",  # importB names things by uid; ADX reads codes
    )

    # DHIS2: values saved, the others reported: 409 with status WARNING.
    assert response.status_code == 409
    assert response.json()["status"] == "WARNING"
    assert response.json()["response"]["importCount"]["imported"] == 1


def test_post_needs_basic_auth(client, people):
    body = fixture_path("datavalueset/dataValueSetJ.json").read_bytes()
    assert client.post(URL, body, content_type="application/json").status_code == 401
    wrong = client.post(URL, body, content_type="application/json", **auth("tinh", "sai"))
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Basic")
    assert DataValue.objects.count() == 0


def test_post_outside_own_subtree_is_refused_and_writes_nothing(client, people):
    """The commune officer of OU_A sends values for OU_A and OU_B."""
    response = post(
        client, "dxf2/datavalueset/dataValueSetB.xml", "application/xml", "xa_a", "?atomicMode=ALL"
    )

    assert response.status_code == 409
    conflicts = response.json()["response"]["conflicts"]
    assert {c["object"] for c in conflicts} == {"BdfsJfj87js"}
    assert {c["errorCode"] for c in conflicts} == {"E7617"}
    assert DataValue.objects.count() == 0


def test_post_outside_own_subtree_saves_the_rest_by_default(client, people):
    """DHIS2's atomicMode NONE: OU_A's values saved, OU_B's are E7617 conflicts."""
    response = post(client, "dxf2/datavalueset/dataValueSetB.xml", "application/xml", "xa_a")

    assert response.status_code == 409
    body = response.json()
    assert (body["httpStatus"], body["status"]) == ("Conflict", "WARNING")
    summary = body["response"]
    assert summary["status"] == "WARNING"
    assert summary["importOptions"]["atomicMode"] == "NONE"
    [conflict] = summary["conflicts"]
    assert (conflict["errorCode"], conflict["property"]) == ("E7617", "orgUnit")
    assert conflict["indexes"] and summary["rejectedIndexes"] == conflict["indexes"]
    assert DataValue.objects.count() == summary["importCount"]["imported"] > 0


def test_post_without_entry_role_is_refused(client, people):
    response = post(client, "datavalueset/dataValueSetJ.json", "application/json", "xem_a")

    assert response.status_code == 409
    assert DataValue.objects.count() == 0


def test_post_dry_run_and_strategy(client, people):
    response = post(
        client, "dxf2/datavalueset/dataValueSetB.csv", "text/csv", "tinh", "?dryRun=true"
    )
    assert response.json()["response"]["importCount"]["imported"] == 12
    assert DataValue.objects.count() == 0

    post(client, "dxf2/datavalueset/dataValueSetB.csv", "text/csv", "tinh")
    response = post(
        client,
        "dxf2/datavalueset/dataValueSetB.csv",
        "text/csv",
        "tinh",
        "?importStrategy=DELETE",
    )
    assert response.json()["response"]["importCount"]["deleted"] == 12


def test_post_bad_content(client, people):
    assert client.post(URL, b"x", content_type="text/plain", **auth("tinh")).status_code == 415
    bad = client.post(URL, b"{", content_type="application/json", **auth("tinh"))
    assert bad.status_code == 400
    assert bad.json()["httpStatus"] == "Bad Request"
    strategy = post(
        client, "datavalueset/dataValueSetJ.json", "application/json", "tinh", "?importStrategy=X"
    )
    assert strategy.status_code == 409


@pytest.fixture
def stored(client, people):
    post(client, "dxf2/datavalueset/dataValueSetB.xml", "application/xml", "tinh")
    assert DataValue.objects.count() == 12


def test_get_subtree_as_json(client, stored):
    response = client.get(
        URL,
        {"orgUnit": "RootUnit001", "period": ["201201", "201202"], "children": "true"},
        **auth("tinh"),
    )

    assert response.status_code == 200
    values = json.loads(b"".join(response.streaming_content))["dataValues"]
    assert len(values) == 12


@pytest.mark.parametrize(
    ("extension", "media", "marker"),
    [
        ("xml", "application/xml", b"<dataValueSet"),
        ("csv", "text/csv", b"dataelement,period"),
        ("adx", "application/adx+xml", b"<adx"),
        ("json", "application/json", b'"dataValues"'),
    ],
)
def test_get_each_format(client, stored, extension, media, marker):
    response = client.get(
        f"{URL}.{extension}", {"orgUnit": "DiszpKrYNg8", "period": "201201"}, **auth("xa_a")
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith(media)
    content = b"".join(response.streaming_content)
    assert marker in content
    # ADX names things by code unless told otherwise, as DHIS2.
    assert content.count(b"DE_A" if extension == "adx" else b"f7n9E0hX8qk") == 1


def test_get_by_code_scheme(client, stored):
    response = client.get(
        URL,
        {"orgUnit": "OU_A", "period": "201201", "idScheme": "code", "inputOrgUnitIdScheme": "code"},
        **auth("xa_a"),
    )

    values = json.loads(b"".join(response.streaming_content))["dataValues"]
    assert {v["dataElement"] for v in values} == {"DE_A", "DE_B", "DE_C"}
    assert {v["orgUnit"] for v in values} == {"OU_A"}


def test_get_other_subtree_is_not_found(client, stored):
    for key, scheme in (("DiszpKrYNg8", "uid"), ("OU_A", "code")):
        response = client.get(
            URL, {"orgUnit": key, "period": "201201", "orgUnitIdScheme": scheme}, **auth("xa_b")
        )
        assert response.status_code == 404
    missing = client.get(URL, {"orgUnit": "Nowhere0001", "period": "201201"}, **auth("tinh"))
    assert missing.status_code == 404


def test_get_needs_period_and_unit_and_login(client, stored):
    assert client.get(URL, {"orgUnit": "DiszpKrYNg8"}, **auth("tinh")).status_code == 409
    assert client.get(URL, {"orgUnit": "x", "period": "2012M13"}, **auth("tinh")).status_code == 409
    assert client.get(URL, {"orgUnit": "DiszpKrYNg8", "period": "201201"}).status_code == 401


def test_get_with_a_session(client, stored, people):
    client.force_login(people["commune"])

    response = client.get(URL, {"orgUnit": "DiszpKrYNg8", "period": "201201"})

    assert response.status_code == 200


def test_get_unknown_data_set(client, stored):
    response = client.get(
        URL,
        {"orgUnit": "DiszpKrYNg8", "period": "201201", "dataSet": "NoSuchForm1"},
        **auth("tinh"),
    )
    assert response.status_code == 409
