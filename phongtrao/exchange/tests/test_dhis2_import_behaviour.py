"""`POST /api/dataValueSets` as DHIS2 2.40 answers it: atomicMode NONE by default, conflicts
with DHIS2's error codes, the payload's own options, 400 for bodies that cannot be read,
messages in English when the client asks for them."""

from __future__ import annotations

import json

import pytest

from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.test_api import URL, auth, person

pytestmark = pytest.mark.django_db

UNIT_A, UNIT_B = "DiszpKrYNg8", "BdfsJfj87js"
ELEMENT = "f7n9E0hX8qk"


@pytest.fixture
def people(dhis2_metadata):
    """The province officer `tinh` (the test metadata's ROOT)."""
    return {"province": person("tinh", "ROOT")}


def _send(client, body: dict[str, object], query: str = "", **headers: str):
    return client.post(
        URL + query, json.dumps(body), content_type="application/json", **auth("tinh"), **headers
    )


def _values(*rows: tuple[str, str, str, str]) -> list[dict[str, str]]:
    return [
        {"dataElement": de, "period": pe, "orgUnit": ou, "value": value}
        for de, pe, ou, value in rows
    ]


def test_valid_values_are_saved_and_the_others_are_conflicts_by_default(client, people):
    body = {
        "dataValues": _values(
            (ELEMENT, "201201", UNIT_A, "5"),
            ("NoSuchElem1", "201201", UNIT_A, "5"),
            (ELEMENT, "2012M13", UNIT_A, "5"),
            (ELEMENT, "201201", "NoSuchUnit1", "5"),
            (ELEMENT, "201202", UNIT_A, "abc"),
            (ELEMENT, "201203", UNIT_A, "-3"),
            (ELEMENT, "201204", UNIT_A, "7"),
        )
    }

    response = _send(client, body)

    assert response.status_code == 409
    envelope = response.json()
    assert (envelope["httpStatus"], envelope["httpStatusCode"], envelope["status"]) == (
        "Conflict",
        409,
        "WARNING",
    )
    summary = envelope["response"]
    assert summary["status"] == "WARNING"
    assert summary["importCount"] == {"imported": 2, "updated": 0, "ignored": 5, "deleted": 0}
    found = {(c["errorCode"], c["property"], tuple(c["indexes"])) for c in summary["conflicts"]}
    assert found == {
        ("E7610", "dataElement", (1,)),
        ("E7611", "period", (2,)),
        ("E7612", "orgUnit", (3,)),
        ("E7619", "value", (4,)),
        ("E7619", "value", (5,)),
    }
    assert summary["rejectedIndexes"] == [1, 2, 3, 4, 5]
    assert DataValue.objects.count() == 2


def test_atomic_mode_all_keeps_all_or_nothing(client, people):
    body = {
        "dataValues": _values(
            (ELEMENT, "201201", UNIT_A, "5"), ("Nope1234567", "201201", UNIT_A, "5")
        )
    }

    response = _send(client, body, "?atomicMode=ALL")

    assert response.status_code == 409
    assert response.json()["status"] == "ERROR"
    assert response.json()["response"]["status"] == "ERROR"
    assert response.json()["response"]["importOptions"]["atomicMode"] == "ALL"
    assert not DataValue.objects.exists()


def test_a_clean_import_is_200_ok(client, people):
    response = _send(client, {"dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))})

    assert response.status_code == 200
    assert (response.json()["httpStatus"], response.json()["status"]) == ("OK", "OK")
    assert response.json()["response"]["status"] == "SUCCESS"


def test_a_missing_value_is_e7618(client, people):
    body = {"dataValues": [{"dataElement": ELEMENT, "period": "201201", "orgUnit": UNIT_A}]}

    [conflict] = _send(client, body).json()["response"]["conflicts"]

    assert (conflict["errorCode"], conflict["property"]) == ("E7618", "value")


def test_a_category_option_combo_that_is_not_default_is_e7613(client, people):
    body = {"dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))}
    body["dataValues"][0]["categoryOptionCombo"] = "kjuiHgy67hg"

    [conflict] = _send(client, body).json()["response"]["conflicts"]

    assert (conflict["errorCode"], conflict["property"]) == ("E7613", "categoryOptionCombo")


def test_messages_are_in_english_when_accept_language_asks(client, people):
    body = {"dataValues": _values(("NoSuchElem1", "201201", UNIT_A, "5"))}

    english = _send(client, body, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").json()
    vietnamese = _send(client, body).json()

    assert english["message"] == "One more conflicts encountered, please check import summary."
    assert english["response"]["description"] == "Import process completed successfully"
    assert english["response"]["conflicts"][0]["value"] == (
        "Data element not found or not accessible: `NoSuchElem1`"
    )
    assert "chỉ tiêu" in vietnamese["response"]["conflicts"][0]["value"]


def test_malformed_json_is_400_bad_request(client, people):
    response = client.post(
        URL, b'{"dataValues": [', content_type="application/json", **auth("tinh")
    )

    assert response.status_code == 400
    assert (response.json()["httpStatus"], response.json()["status"]) == ("Bad Request", "ERROR")
    assert not DataValue.objects.exists()


def test_malformed_xml_is_400_bad_request(client, people):
    response = client.post(
        URL, b"<dataValueSet><oops", content_type="application/xml", **auth("tinh")
    )

    assert response.status_code == 400


def test_dry_run_in_the_json_payload_writes_nothing(client, people):
    body = {"dryRun": True, "dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))}

    summary = _send(client, body).json()["response"]

    assert summary["importOptions"]["dryRun"] is True
    assert summary["importCount"]["imported"] == 1
    assert not DataValue.objects.exists()


def test_dry_run_and_strategy_as_xml_attributes_are_obeyed(client, people):
    xml = (
        '<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dryRun="true" '
        f'importStrategy="CREATE"><dataValue dataElement="{ELEMENT}" period="201201" '
        f'orgUnit="{UNIT_A}" value="5"/></dataValueSet>'
    )

    response = client.post(URL, xml.encode(), content_type="application/xml", **auth("tinh"))

    summary = response.json()["response"]
    assert summary["importOptions"] == {
        "dryRun": True,
        "importStrategy": "CREATE",
        "atomicMode": "NONE",
    }
    assert not DataValue.objects.exists()


def test_import_strategy_delete_in_the_payload_deletes(client, people):
    _send(client, {"dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))})

    body = {"importStrategy": "DELETE", "dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))}
    summary = _send(client, body).json()["response"]

    assert summary["importCount"]["deleted"] == 1
    assert not DataValue.objects.exists()


def test_id_scheme_code_in_the_payload_reads_codes(client, people):
    body = {
        "idScheme": "CODE",
        "dataValues": _values(("DE_A", "201201", "OU_A", "5")),
    }

    response = _send(client, body)

    assert response.status_code == 200, response.content
    assert DataValue.objects.count() == 1


def test_the_payload_wins_over_the_query(client, people):
    """DHIS2 reads `dryRun` from the payload first (DefaultDataValueSetService)."""
    body = {"dryRun": False, "dataValues": _values((ELEMENT, "201201", UNIT_A, "5"))}

    _send(client, body, "?dryRun=true")

    assert DataValue.objects.count() == 1


def test_an_unknown_atomic_mode_is_refused(client, people):
    response = _send(client, {"dataValues": []}, "?atomicMode=SOME")

    assert response.status_code == 409
    assert "atomicMode" in response.json()["message"]
