"""What DHIS2 2.40–2.42 does that a client sees after its import: a key given twice in one
payload (`DefaultDataValueSetService` with its batch handler), data already sent (E7642 with
its objects), a complete registration sent again (re-dated), and deleted values exported
with `includeDeleted` (DHIS2 soft-deletes them; here the history keeps them)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from phongtrao.actors import SYSTEM
from phongtrao.analytics.models import Rollup
from phongtrao.analytics.rebuild import rollups_rebuild
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import DataValue, DataValueAudit, Submission, SubmissionStatus
from phongtrao.data.services import period_get
from phongtrao.exchange.services import datavalueset_import
from phongtrao.exchange.tests.conftest import read_stream
from phongtrao.exchange.tests.test_api import URL, auth, person
from phongtrao.orgs.models import Level, Unit

pytestmark = pytest.mark.django_db

UNIT_A, UNIT_B = "DiszpKrYNg8", "BdfsJfj87js"
ELEMENT, OTHER = "f7n9E0hX8qk", "Ix2HsbDMLea"
DXF = "{http://dhis2.org/schema/dxf/2.0}"


@pytest.fixture
def people(dhis2_metadata):
    return {"province": person("tinh", "ROOT")}


def _rows(*values: tuple[str, str, str, str | None]) -> list[dict[str, str]]:
    rows = []
    for de, pe, ou, value in values:
        row = {"dataElement": de, "period": pe, "orgUnit": ou}
        if value is not None:
            row["value"] = value
        rows.append(row)
    return rows


def _import(*values: tuple[str, str, str, str | None], setwise: bool = False, **options):
    body = json.dumps({"dataValues": _rows(*values)}).encode()
    return datavalueset_import(
        actor=SYSTEM,
        stream=io.BytesIO(body),
        format="dhis2-json",
        atomic=False,
        setwise=setwise,
        **options,
    )


def _post(client, body: dict[str, object], query: str = "", **headers: str):
    return client.post(
        URL + query, json.dumps(body), content_type="application/json", **auth("tinh"), **headers
    )


def _stored(unit: str = UNIT_A, element: str = ELEMENT, period: str = "201201") -> Decimal:
    return DataValue.objects.get(unit__uid=unit, indicator__uid=element, period__code=period).value


def _rollups() -> list[tuple[int, int, int, Decimal, int]]:
    return sorted(
        Rollup.objects.values_list("unit_id", "period_id", "indicator_id", "value", "count")
    )


# --- a key given twice in one payload ------------------------------------------------------


@pytest.mark.parametrize("setwise", [False, True])
def test_a_new_key_given_twice_keeps_the_first_value_and_counts_it_once(dhis2_metadata, setwise):
    # DHIS2's batch handler drops the second insert of a key unseen: imported 1, no conflict.
    summary = _import(
        (ELEMENT, "201201", UNIT_A, "5"), (ELEMENT, "201201", UNIT_A, "7"), setwise=setwise
    )

    assert summary.status == "SUCCESS"
    assert summary.as_dict()["importCount"] == {
        "imported": 1,
        "updated": 0,
        "ignored": 0,
        "deleted": 0,
    }
    assert summary.conflicts == [] and summary.rejected == []
    assert _stored() == 5
    assert DataValueAudit.objects.count() == 1


@pytest.mark.parametrize("setwise", [False, True])
def test_a_dry_run_counts_both_values_of_a_new_key_imported_as_dhis2(dhis2_metadata, setwise):
    summary = _import(
        (ELEMENT, "201201", UNIT_A, "5"),
        (ELEMENT, "201201", UNIT_A, "7"),
        dry_run=True,
        setwise=setwise,
    )

    assert summary.imported == 2 and summary.conflict_count == 0
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("setwise", [False, True])
def test_a_new_key_given_twice_is_told_written_once_per_value(dhis2_metadata, setwise):
    # The set-wise path finds the repeat as it writes (the values' unique key), undoes the
    # write and writes again: a watcher is not told of the same values twice.
    told: list[int] = []
    summary = _import(
        (ELEMENT, "201201", UNIT_A, "5"),
        (OTHER, "201201", UNIT_A, "3"),
        (ELEMENT, "201201", UNIT_A, "7"),
        setwise=setwise,
        progress=told.append,
    )

    assert summary.imported == 2 and summary.conflict_count == 0
    assert sum(told) == 3
    assert _stored() == 5 and _stored(element=OTHER) == 3
    assert DataValueAudit.objects.count() == 2


@pytest.mark.parametrize("setwise", [False, True])
def test_a_stored_key_given_again_is_changed_once_per_value_in_order(dhis2_metadata, setwise):
    _import((ELEMENT, "201201", UNIT_A, "1"))

    summary = _import(
        (ELEMENT, "201201", UNIT_A, "5"),
        (ELEMENT, "201201", UNIT_A, "5"),  # what the one before left: ignored
        (ELEMENT, "201201", UNIT_A, "7"),
        setwise=setwise,
    )

    assert (summary.imported, summary.updated, summary.ignored) == (0, 2, 1)
    assert summary.status == "SUCCESS"
    stored = DataValue.objects.get()
    assert (stored.value, stored.version) == (7, 3)
    history = DataValueAudit.objects.order_by("pk").values_list("old_value", "new_value", "version")
    assert [(o, n, v) for o, n, v in history] == [(None, 1, 1), (1, 5, 2), (5, 7, 3)]
    # The roll-ups hold what a rebuild from the values gives.
    kept = _rollups()
    rollups_rebuild()
    assert kept == _rollups()


@pytest.mark.parametrize("setwise", [False, True])
def test_a_stored_key_deleted_then_given_again_is_imported_again(dhis2_metadata, setwise):
    _import((ELEMENT, "201201", UNIT_A, "1"))

    summary = _import(
        (ELEMENT, "201201", UNIT_A, ""),  # an empty value deletes the stored one
        (ELEMENT, "201201", UNIT_A, "9"),
        setwise=setwise,
    )

    assert (summary.imported, summary.updated, summary.deleted) == (1, 0, 1)
    assert _stored() == 9
    actions = list(DataValueAudit.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["create", "delete", "create"]
    kept = _rollups()
    rollups_rebuild()
    assert kept == _rollups()


def test_a_key_given_twice_over_http_is_not_a_conflict(client, people):
    body = {"dataValues": _rows((ELEMENT, "201201", UNIT_A, "5"), (ELEMENT, "201201", UNIT_A, "6"))}

    response = _post(client, body)

    assert response.status_code == 200
    summary = response.json()["response"]
    assert (summary["status"], summary["conflicts"]) == ("SUCCESS", [])
    assert summary["importCount"]["imported"] == 1
    assert _stored() == 5


# --- data already sent: E7642 --------------------------------------------------------------


def _form(deadline_days: int = 0) -> Form:
    form = Form.objects.create(
        uid="DataSet0001",
        code="DS_A",
        name="Biểu A",
        period_type="Monthly",
        level=Level.COMMUNE,
        deadline_days=deadline_days,
    )
    form.indicators.add(Indicator.objects.get(uid=ELEMENT))
    return form


@pytest.mark.parametrize("status", [SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED])
def test_a_value_of_a_report_already_sent_is_an_e7642_conflict_with_its_objects(
    client, people, status
):
    form = _form()
    Submission.objects.create(
        form=form, unit=Unit.objects.get(uid=UNIT_A), period=period_get("201201"), status=status
    )
    body = {
        "dataValues": _rows(
            (OTHER, "201201", UNIT_A, "3"),  # not on the form: written
            (ELEMENT, "201201", UNIT_A, "5"),
            (ELEMENT, "201201", UNIT_B, "4"),  # another unit's report is open
        )
    }

    response = _post(client, body, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    envelope = response.json()
    assert (envelope["status"], envelope["httpStatus"]) == ("WARNING", "Conflict")
    summary = envelope["response"]
    assert summary["importCount"] == {"imported": 2, "updated": 0, "ignored": 1, "deleted": 0}
    assert summary["conflicts"] == [
        {
            "object": UNIT_A,
            "objects": {
                "organisationUnit": UNIT_A,
                "period": "201201",
                "categoryOptionCombo": "HllvX50cXC0",
                "dataSet": "DataSet0001",
            },
            "value": "Data already approved for data set: `DataSet0001` period: `201201` "
            f"org unit: `{UNIT_A}` attribute option combo: `HllvX50cXC0`",
            "errorCode": "E7642",
            "property": None,
            "indexes": [1],
        }
    ]
    assert summary["rejectedIndexes"] == [1]
    assert not DataValue.objects.filter(unit__uid=UNIT_A, indicator__uid=ELEMENT).exists()


def test_e7642_names_the_unit_as_the_payload_does(client, people):
    form = _form()
    Submission.objects.create(
        form=form,
        unit=Unit.objects.get(uid=UNIT_A),
        period=period_get("201201"),
        status=SubmissionStatus.SUBMITTED,
    )
    body = {"dataValues": _rows((ELEMENT, "201201", "OU_A", "5"), (ELEMENT, "201201", "OU_A", "6"))}

    response = _post(client, body, "?orgUnitIdScheme=CODE")

    [conflict] = response.json()["response"]["conflicts"]
    assert (conflict["errorCode"], conflict["object"], conflict["indexes"]) == (
        "E7642",
        "OU_A",
        [0, 1],
    )


# --- a complete registration sent again ----------------------------------------------------


def test_a_complete_registration_sent_again_is_re_dated_as_dhis2(client, people):
    form = _form()
    header = {"dataSet": "DataSet0001", "period": "201201", "orgUnit": UNIT_A}
    first = _post(
        client,
        {
            **header,
            "completeDate": "2012-02-03",
            "dataValues": _rows((ELEMENT, "201201", UNIT_A, "5")),
        },
    )
    assert first.json()["response"]["dataSetComplete"] == "2012-02-03"

    again = _post(client, {**header, "completeDate": "2012-02-10", "dataValues": []})

    assert again.status_code == 200, again.json()
    assert again.json()["response"]["dataSetComplete"] == "2012-02-10"
    submission = Submission.objects.get(form=form)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert submission.submitted_at == dt.datetime(2012, 2, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    exported = read_stream(
        client.get(
            URL + f".json?dataSet=DataSet0001&period=201201&orgUnit={UNIT_A}", **auth("tinh")
        )
    )
    assert exported.json()["completeDate"] == "2012-02-09T17:00:00.000+0000"


# --- deleted values: includeDeleted --------------------------------------------------------


def _export(client, query: str):
    return read_stream(client.get(URL + query, **auth("tinh")))


def test_include_deleted_exports_deleted_values_marked_deleted(client, people):
    _post(
        client,
        {"dataValues": _rows((ELEMENT, "201201", UNIT_A, "5"), (OTHER, "201201", UNIT_A, "6"))},
    )
    _post(
        client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, None))}, "?importStrategy=DELETE"
    )
    query = f".json?period=201201&orgUnit={UNIT_A}"

    live = _export(client, query).json()["dataValues"]
    every = _export(client, query + "&includeDeleted=true").json()["dataValues"]

    assert [(v["dataElement"], "deleted" in v) for v in live] == [(OTHER, False)]
    by_element = {v["dataElement"]: v for v in every}
    assert set(by_element) == {ELEMENT, OTHER}
    assert by_element[ELEMENT]["deleted"] is True and by_element[ELEMENT]["value"] == "5"
    assert by_element[ELEMENT]["storedBy"] == "tinh"
    assert "deleted" not in by_element[OTHER]


def test_include_deleted_in_xml_and_csv(client, people):
    _post(client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, "5"))})
    _post(
        client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, None))}, "?importStrategy=DELETE"
    )
    query = f"period=201201&orgUnit={UNIT_A}&includeDeleted=true"

    root = ElementTree.fromstring(_export(client, ".xml?" + query).body)
    [value] = root.findall(f"{DXF}dataValue")
    assert (value.get("deleted"), value.get("followUp"), value.get("value")) == (
        "true",
        "false",
        "5",
    )
    rows = list(csv.DictReader(io.StringIO(_export(client, ".csv?" + query).body.decode())))
    assert [(r["dataelement"], r["deleted"]) for r in rows] == [(ELEMENT, "true")]


def test_an_incremental_export_carries_deletions_and_a_value_entered_again_is_live(client, people):
    _post(client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, "5"))})
    since = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    _post(
        client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, None))}, "?importStrategy=DELETE"
    )
    query = f".json?orgUnit={UNIT_A}&includeDeleted=true&lastUpdated={since}"

    [deleted] = _export(client, query).json()["dataValues"]
    assert deleted["deleted"] is True
    _post(client, {"dataValues": _rows((ELEMENT, "201201", UNIT_A, "8"))})
    [again] = _export(client, query).json()["dataValues"]
    assert again["value"] == "8" and "deleted" not in again
