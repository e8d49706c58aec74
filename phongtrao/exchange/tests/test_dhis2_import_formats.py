"""The rest of DHIS2's import and export formats: ADX read and written by code, the import
summary as XML when the client asks for it, `completeDate`, and compressed payloads (gzip or
zip bodies, `compression=` and `.json.gz` exports) with a zip bomb refused before inflating."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import DataValue, Submission, SubmissionStatus
from phongtrao.exchange.tests.conftest import fixture_path
from phongtrao.exchange.tests.test_api import URL, auth, person
from phongtrao.exchange.tests.test_dhis2_import_behaviour import _send
from phongtrao.orgs.models import Level

pytestmark = pytest.mark.django_db

UNIT_A = "DiszpKrYNg8"
ELEMENT_A = "f7n9E0hX8qk"
DXF = "{http://dhis2.org/schema/dxf/2.0}"
ADX = "{urn:ihe:qrph:adx:2015}"


@pytest.fixture
def people(dhis2_metadata):
    return {"province": person("tinh", "ROOT")}


def _post(client, body: bytes, content_type: str, query: str = "", **headers: str):
    return client.post(URL + query, body, content_type=content_type, **auth("tinh"), **headers)


def _json_body(*values: tuple[str, str, str, str], **header: str) -> bytes:
    rows = [{"dataElement": d, "period": p, "orgUnit": o, "value": v} for d, p, o, v in values]
    return json.dumps({**header, "dataValues": rows}).encode()


# --- ADX ---------------------------------------------------------------------------------


def test_adx_is_read_by_code_by_default(client, people):
    # importA names data elements and units by code, as DHIS2's ADX does by default.
    body = fixture_path("adx/importA.adx.xml").read_bytes()

    response = _post(client, body, "application/adx+xml")

    summary = response.json()["response"]
    assert summary["responseType"] == "ImportSummary"
    assert summary["importCount"]["imported"] == 1  # "Malaria text" of unit 123; the rest
    assert {c["errorCode"] for c in summary["conflicts"]} == {"E7613"}  # are disaggregated
    assert DataValue.objects.get().unit.code == "123"


def test_adx_by_uid_needs_the_scheme_said(client, people):
    body = fixture_path("adx/importB.adx.xml").read_bytes()

    by_code = _post(client, body, "application/adx+xml").json()["response"]
    by_uid = _post(client, body, "application/adx+xml", "?idScheme=UID").json()["response"]

    assert by_code["importCount"]["imported"] == 0
    assert "E7610" in {c["errorCode"] for c in by_code["conflicts"]}
    assert by_uid["importCount"]["imported"] == 1


def _form() -> Form:
    form = Form.objects.create(
        uid="DataSet0001",
        code="DS_A",
        name="Biểu A",
        period_type="Monthly",
        level=Level.COMMUNE,
        deadline_days=0,  # 2012's reports are long past any deadline
    )
    form.indicators.add(Indicator.objects.get(uid=ELEMENT_A))
    return form


def test_adx_export_writes_codes_and_the_data_set_on_every_group(client, people):
    _form()
    assert (
        _send(client, json.loads(_json_body((ELEMENT_A, "201201", UNIT_A, "5")))).status_code == 200
    )

    # The request names the data set and unit by code (DHIS2: by uid or code).
    response = client.get(URL + ".adx?dataSet=DS_A&period=201201&orgUnit=OU_A", **auth("tinh"))

    root = ElementTree.fromstring(b"".join(response.streaming_content))
    [group] = root.iter(ADX + "group")
    [value] = group.iter(ADX + "dataValue")
    assert (group.get("dataSet"), group.get("orgUnit"), group.get("period")) == (
        "DS_A",
        "OU_A",
        "2012-01-01/P1M",
    )
    assert (value.get("dataElement"), value.get("value")) == ("DE_A", "5")


# --- XML import summary -------------------------------------------------------------------


def test_the_import_summary_is_xml_when_the_client_asks(client, people):
    body = _json_body((ELEMENT_A, "201201", UNIT_A, "5"), ("NoSuchElem1", "201201", UNIT_A, "5"))

    response = _post(client, body, "application/json", HTTP_ACCEPT="application/xml")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == DXF + "webMessage"
    assert (root.get("httpStatus"), root.get("httpStatusCode"), root.get("status")) == (
        "Conflict",
        "409",
        "WARNING",
    )
    summary = root.find(DXF + "response")
    assert summary is not None and summary.get("responseType") == "ImportSummary"
    assert summary.findtext(DXF + "status") == "WARNING"
    count = summary.find(DXF + "importCount")
    assert count is not None and (count.get("imported"), count.get("ignored")) == ("1", "1")
    [conflict] = summary.iter(DXF + "conflict")
    assert (conflict.get("errorCode"), conflict.get("property"), conflict.get("indexes")) == (
        "E7610",
        "dataElement",
        "1",
    )


def test_conflict_indexes_in_xml_one_as_dhis2_several_joined(client, people):
    body = _json_body(
        ("NoSuchElem1", "201201", UNIT_A, "5"),
        (ELEMENT_A, "201201", UNIT_A, "5"),
        ("NoSuchElem1", "201202", UNIT_A, "6"),
        ("NoSuchElem2", "201201", UNIT_A, "7"),
    )

    response = _post(client, body, "application/json", HTTP_ACCEPT="application/xml")

    conflicts = {
        c.get("object"): c.get("indexes")
        for c in ElementTree.fromstring(response.content).iter(DXF + "conflict")
    }
    # One index is DHIS2's own attribute. Jackson writes an int[] attribute once per index
    # (indexes="0" indexes="2": not well-formed XML); phongtrao joins them with commas.
    assert conflicts == {"NoSuchElem1": "0,2", "NoSuchElem2": "3"}


def test_the_import_summary_stays_json_for_json_clients(client, people):
    body = _json_body((ELEMENT_A, "201201", UNIT_A, "5"))

    response = _post(client, body, "application/json", HTTP_ACCEPT="application/json")

    assert response.json()["response"]["dataSetComplete"] == "false"


# --- completeDate --------------------------------------------------------------------------


def test_complete_date_submits_the_report_and_the_export_writes_it(client, people):
    form = _form()
    body = _json_body(
        (ELEMENT_A, "201201", UNIT_A, "5"),
        dataSet="DataSet0001",
        period="201201",
        orgUnit=UNIT_A,
        completeDate="2012-02-03",
    )

    response = _post(client, body, "application/json")

    assert response.status_code == 200, response.json()["response"]["conflicts"]
    assert response.json()["response"]["dataSetComplete"] == "2012-02-03"
    submission = Submission.objects.get(form=form)
    assert submission.status == SubmissionStatus.SUBMITTED
    exported = client.get(
        URL + f".json?dataSet=DataSet0001&period=201201&orgUnit={UNIT_A}", **auth("tinh")
    )
    header = json.loads(b"".join(exported.streaming_content))
    assert list(header)[:4] == ["dataSet", "completeDate", "period", "orgUnit"]
    # DHIS2 registers the day at its start (server time, here Asia/Ho_Chi_Minh), written in UTC.
    assert submission.submitted_at == dt.datetime(2012, 2, 3, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert header["completeDate"] == "2012-02-02T17:00:00.000+0000"


def test_a_complete_date_after_today_is_today_as_dhis2(client, people):
    _form()
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    body = _json_body(
        (ELEMENT_A, "201201", UNIT_A, "5"),
        dataSet="DataSet0001",
        period="201201",
        orgUnit=UNIT_A,
        completeDate=later,
    )

    response = _post(client, body, "application/json")

    assert response.json()["response"]["dataSetComplete"] == timezone.localdate().isoformat()
    submitted_at = Submission.objects.get().submitted_at
    assert submitted_at is not None and submitted_at <= timezone.now()


def test_no_complete_date_leaves_the_report_open(client, people):
    _form()
    body = _json_body(
        (ELEMENT_A, "201201", UNIT_A, "5"), dataSet="DataSet0001", period="201201", orgUnit=UNIT_A
    )

    assert _post(client, body, "application/json").json()["response"]["dataSetComplete"] == "false"
    assert not Submission.objects.exists()


# --- compression ---------------------------------------------------------------------------


def test_a_gzip_body_is_imported(client, people):
    body = gzip.compress(_json_body((ELEMENT_A, "201201", UNIT_A, "5")))

    response = _post(client, body, "application/json")

    assert response.status_code == 200, response.content
    assert DataValue.objects.count() == 1


def test_a_zip_body_is_imported_from_its_first_entry(client, people):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dataValues.json", _json_body((ELEMENT_A, "201201", UNIT_A, "5")))

    response = _post(client, buffer.getvalue(), "application/json")

    assert response.status_code == 200, response.content
    assert DataValue.objects.count() == 1


@pytest.mark.parametrize("kind", ["gzip", "zip"])
def test_a_zip_bomb_is_refused_before_it_inflates(client, people, settings, kind):
    settings.EXCHANGE_MAX_INFLATED_BYTES = 1024 * 1024
    # Valid values first, then 4 MB of blanks: only inflating past the limit shows it.
    payload = _json_body((ELEMENT_A, "201201", UNIT_A, "5"))[:-2] + b" " * (4 << 20) + b"]}"
    if kind == "gzip":
        body = gzip.compress(payload)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("bomb.json", payload)
        body = buffer.getvalue()
    assert len(body) < 64 * 1024

    response = _post(client, body, "application/json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "inflates to more than 1 MB" in response.json()["message"]
    assert response.json()["response"]["status"] == "ERROR"
    assert DataValue.objects.count() == 0
    vietnamese = _post(client, body, "application/json").json()["message"]
    assert "bom nén" in vietnamese


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        (".json", "&compression=gzip", "dataValues.json.gz"),
        (".json.gz", "", "dataValues.json.gz"),
        (".csv", "&compression=zip", "dataValues.csv.zip"),
        (".json.zip", "&attachment=tinh.json", "tinh.json.zip"),
    ],
)
def test_exports_are_compressed_as_asked(client, people, path, query, name):
    assert (
        _send(client, json.loads(_json_body((ELEMENT_A, "201201", UNIT_A, "5")))).status_code == 200
    )

    response = client.get(URL + path + f"?orgUnit={UNIT_A}&period=201201" + query, **auth("tinh"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    data = b"".join(response.streaming_content)
    if name.endswith(".gz"):
        text = gzip.decompress(data)
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [entry] = archive.namelist()
            assert entry == name.removesuffix(".zip")
            text = archive.read(entry)
    assert ELEMENT_A.encode() in text


def test_an_unknown_compression_is_refused(client, people):
    response = client.get(
        URL + f".json?orgUnit={UNIT_A}&period=201201&compression=rar", **auth("tinh")
    )

    assert response.status_code == 409
    assert "compression" in response.json()["message"]
