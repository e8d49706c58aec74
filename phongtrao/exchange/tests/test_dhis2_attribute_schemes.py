"""DHIS2's `ATTRIBUTE:<uid>` identifier schemes and `orgUnitIdScheme=NAME` on import.

Attribute values live on units, indicators and forms as DHIS2 keeps them
(`attributeValues`); a unique attribute names objects on import and export, a non-unique one
names nothing (DHIS2's `getByUniqueAttributeValue`), an unknown one is refused by name."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditAction, AuditLog
from phongtrao.catalog.attributes import attribute_value_set
from phongtrao.catalog.models import Attribute, Form, Indicator
from phongtrao.data.models import DataValue
from phongtrao.exchange.services import datavalueset_import
from phongtrao.exchange.tests.test_api import URL, auth, person
from phongtrao.exchange.tests.test_dhis2_import_behaviour import _send, _values
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.services import unit_create

pytestmark = pytest.mark.django_db

UNIT_A, UNIT_B = "DiszpKrYNg8", "BdfsJfj87js"
ELEMENT_A = "f7n9E0hX8qk"
MOH = "MinHealth01"  # a unique attribute: the ministry's code
NOTE = "FreeNote001"  # not unique


@pytest.fixture
def attributes(dhis2_metadata) -> dict[str, Any]:
    person("tinh", "ROOT")
    flags = {
        "organisation_unit_attribute": True,
        "data_element_attribute": True,
        "data_set_attribute": True,
    }
    moh = Attribute.objects.create(uid=MOH, code="MOH", name="Mã Bộ Y tế", unique=True, **flags)
    note = Attribute.objects.create(uid=NOTE, name="Ghi chú", unique=False, **flags)
    form = Form.objects.create(
        uid="DataSet0001", code="DS_A", name="Biểu A", period_type="Monthly", level=Level.COMMUNE
    )
    form.indicators.add(Indicator.objects.get(uid=ELEMENT_A))
    for target, value in (
        (Unit.objects.get(uid=UNIT_A), "moh-ou-a"),
        (Unit.objects.get(uid=UNIT_B), "moh-ou-b"),
        (Indicator.objects.get(uid=ELEMENT_A), "moh-de-a"),
        (form, "moh-ds-a"),
    ):
        attribute_value_set(actor=SYSTEM, attribute=moh, target=target, value=value)
    attribute_value_set(
        actor=SYSTEM, attribute=note, target=Unit.objects.get(uid=UNIT_A), value="same"
    )
    return {"moh": moh, "note": note, "form": form}


def _export(client, query: str) -> Any:
    response = client.get(URL + ".json?" + query, **auth("tinh"))
    assert response.status_code == 200, response
    return json.loads(b"".join(response.streaming_content))


def test_values_are_kept_as_dhis2_keeps_them_and_audited(attributes):
    unit = Unit.objects.get(uid=UNIT_A)

    assert unit.attribute_values[MOH] == {"value": "moh-ou-a", "attribute": {"id": MOH}}
    assert AuditLog.objects.filter(action=AuditAction.ATTRIBUTE_SET).count() == 5


def test_a_unique_value_cannot_be_given_twice(attributes):
    with pytest.raises(ValidationError):
        attribute_value_set(
            actor=SYSTEM,
            attribute=attributes["moh"],
            target=Unit.objects.get(uid=UNIT_B),
            value="moh-ou-a",
        )

    assert Unit.objects.get(uid=UNIT_B).attribute_values[MOH]["value"] == "moh-ou-b"


def test_the_command_gives_and_removes_a_value(attributes):
    call_command("attribute_value_set", MOH, "unit", UNIT_B, "")

    assert MOH not in Unit.objects.get(uid=UNIT_B).attribute_values


def test_import_by_attribute_for_units_and_data_elements(client, attributes):
    body = {"dataValues": _values(("moh-de-a", "201201", "moh-ou-a", "7"))}

    response = _send(
        client, body, f"?orgUnitIdScheme=ATTRIBUTE:{MOH}&dataElementIdScheme=attribute:{MOH}"
    )

    assert response.status_code == 200, response.json()
    value = DataValue.objects.get()
    assert (value.unit.uid, value.indicator.uid, value.value) == (UNIT_A, ELEMENT_A, 7)


def test_the_set_wise_path_reads_attributes_the_same_way(attributes):
    body = json.dumps(
        {
            "orgUnitIdScheme": f"ATTRIBUTE:{MOH}",
            "dataValues": _values(
                (ELEMENT_A, "201201", "moh-ou-a", "7"), (ELEMENT_A, "201201", "nobody", "8")
            ),
        }
    ).encode()
    summary = datavalueset_import(
        stream=io.BytesIO(body), format="dhis2-json", actor=SYSTEM, atomic=False, setwise=True
    )

    assert summary.imported == 1
    assert [c.code for c in summary.conflicts] == ["E7612"]
    assert DataValue.objects.get().unit.uid == UNIT_A


def test_a_non_unique_attribute_names_nothing(client, attributes):
    body = {"dataValues": _values((ELEMENT_A, "201201", "same", "7"))}

    response = _send(client, body, f"?orgUnitIdScheme=ATTRIBUTE:{NOTE}")

    conflicts = response.json()["response"]["conflicts"]
    assert [c["errorCode"] for c in conflicts] == ["E7612"]
    assert not DataValue.objects.exists()


def test_an_unknown_attribute_is_refused_by_name(client, attributes):
    body = {"dataValues": _values((ELEMENT_A, "201201", UNIT_A, "7"))}

    response = _send(
        client, body, "?orgUnitIdScheme=ATTRIBUTE:NoSuchAttr1", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 409
    assert response.json()["message"] == "Attribute does not exist: NoSuchAttr1"
    assert not DataValue.objects.exists()


def test_export_writes_attribute_values_and_reads_them_in_the_request(client, attributes):
    assert (
        _send(client, {"dataValues": _values((ELEMENT_A, "201201", UNIT_A, "7"))}).status_code
        == 200
    )

    body = _export(
        client,
        f"dataSet=moh-ds-a&period=201201&orgUnit=moh-ou-a&idScheme=ATTRIBUTE:{MOH}"
        f"&inputIdScheme=ATTRIBUTE:{MOH}",
    )

    assert (body["dataSet"], body["orgUnit"]) == ("moh-ds-a", "moh-ou-a")
    [value] = body["dataValues"]
    assert (value["dataElement"], value["orgUnit"], value["value"]) == ("moh-de-a", "moh-ou-a", "7")


def test_metadata_shows_attribute_values_and_lists_attributes(client, attributes):
    unit = client.get(
        f"/api/organisationUnits/{UNIT_A}?fields=id,attributeValues", **auth("tinh")
    ).json()
    listed = client.get("/api/attributes?fields=id,unique&paging=false", **auth("tinh")).json()

    assert {"attribute": {"id": MOH}, "value": "moh-ou-a"} in unit["attributeValues"]
    assert {"id": MOH, "unique": True} in listed["attributes"]


# --- orgUnitIdScheme=NAME on import ----------------------------------------------------------


def test_units_are_read_by_name(client, attributes):
    name = Unit.objects.get(uid=UNIT_A).name
    body = {"dataValues": _values((ELEMENT_A, "201201", name, "7"))}

    response = _send(client, body, "?orgUnitIdScheme=NAME")

    assert response.status_code == 200, response.json()
    assert DataValue.objects.get().unit.uid == UNIT_A


def test_a_name_two_units_share_is_a_conflict_unless_the_user_may_change_only_one(
    client, attributes
):
    unit_a = Unit.objects.get(uid=UNIT_A)
    unit_create(
        edition=unit_a.edition,
        code="TWIN",
        name=unit_a.name,
        level=Level.COMMUNE,
        parent=unit_a.parent,
    )
    person("xa_a", "OU_A")
    body = {"dataValues": _values((ELEMENT_A, "201201", unit_a.name, "7"))}

    both = _send(client, body, "?orgUnitIdScheme=NAME")
    one = client.post(
        URL + "?orgUnitIdScheme=NAME",
        json.dumps(body),
        content_type="application/json",
        **auth("xa_a"),
    )

    # The province officer may change both: which one is meant cannot be told.
    assert [c["errorCode"] for c in both.json()["response"]["conflicts"]] == ["E7612"]
    # The commune officer may change only OU_A: the name is read as that unit.
    assert one.status_code == 200, one.json()
    assert DataValue.objects.get().unit.uid == UNIT_A
