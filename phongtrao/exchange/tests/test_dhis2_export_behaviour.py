"""`GET /api/dataValueSets` as DHIS2 2.40 answers it: incremental export (lastUpdated,
lastUpdatedDuration, startDate/endDate), dataElement=, limit=, the top-level dataSet, period
and orgUnit, DHIS2's timestamp, output and input identifier schemes, unknown parameters
refused by name, DHIS2's own CSV header."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from phongtrao.catalog.models import Form, Indicator
from phongtrao.exchange.tests.test_api import URL, auth, person
from phongtrao.exchange.tests.test_dhis2_import_behaviour import _send
from phongtrao.orgs.models import Level

pytestmark = pytest.mark.django_db

UNIT_A = "DiszpKrYNg8"
ELEMENT_A, ELEMENT_B = "f7n9E0hX8qk", "Ix2HsbDMLea"


@pytest.fixture
def people(dhis2_metadata):
    return {"province": person("tinh", "ROOT")}


@pytest.fixture
def stored(client, people):
    values = [
        {"dataElement": de, "period": pe, "orgUnit": UNIT_A, "value": str(n)}
        for n, (de, pe) in enumerate(
            [(ELEMENT_A, "201201"), (ELEMENT_A, "201202"), (ELEMENT_B, "201201")], start=1
        )
    ]
    assert _send(client, {"dataValues": values}).status_code == 200


def _get(client, query: str):
    return client.get(URL + ".json?" + query, **auth("tinh"))


def _body(response) -> Any:
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def _values(response) -> Any:
    return _body(response)["dataValues"]


def test_data_element_limits_the_export(client, stored):
    values = _values(_get(client, f"orgUnit={UNIT_A}&period=201201&dataElement={ELEMENT_B}"))

    assert [v["dataElement"] for v in values] == [ELEMENT_B]


def test_limit_caps_the_number_of_values(client, stored):
    assert len(_values(_get(client, f"orgUnit={UNIT_A}&period=201201,201202&limit=2"))) == 2


def test_start_and_end_date_choose_the_periods(client, stored):
    values = _values(_get(client, f"orgUnit={UNIT_A}&startDate=2012-02-01&endDate=2012-02-29"))

    assert {v["period"] for v in values} == {"201202"}


def test_last_updated_alone_selects_by_time_of_change(client, stored):
    assert len(_values(_get(client, f"orgUnit={UNIT_A}&lastUpdated=2000-01-01"))) == 3
    assert _values(_get(client, f"orgUnit={UNIT_A}&lastUpdated=2999-01-01")) == []


def test_last_updated_duration_selects_recent_changes(client, stored):
    assert len(_values(_get(client, f"orgUnit={UNIT_A}&lastUpdatedDuration=1d"))) == 3
    bad = _get(client, f"orgUnit={UNIT_A}&lastUpdatedDuration=yesterday")
    assert bad.status_code == 409
    assert "E2005" in bad.json()["message"]


def test_last_updated_is_written_as_dhis2_does(client, stored):
    [value] = _values(_get(client, f"orgUnit={UNIT_A}&period=201201&dataElement={ELEMENT_A}"))

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", value["lastUpdated"])


def test_one_data_set_period_and_unit_are_written_at_the_top(client, stored):
    form = Form.objects.create(
        uid="DataSet0001", code="DS_A", name="Biểu A", period_type="Monthly", level=Level.COMMUNE
    )
    form.indicators.add(Indicator.objects.get(uid=ELEMENT_A))

    body = _body(_get(client, f"dataSet=DataSet0001&period=201201&orgUnit={UNIT_A}"))

    assert (body["dataSet"], body["period"], body["orgUnit"]) == ("DataSet0001", "201201", UNIT_A)
    assert [v["dataElement"] for v in body["dataValues"]] == [ELEMENT_A]


def test_id_schemes_choose_the_identifiers_written(client, stored):
    query = f"orgUnit={UNIT_A}&period=201201&dataElement={ELEMENT_A}"

    [code] = _values(_get(client, query + "&idScheme=CODE"))
    [name] = _values(_get(client, query + "&dataElementIdScheme=NAME&orgUnitIdScheme=CODE"))

    assert (code["dataElement"], code["orgUnit"]) == ("DE_A", "OU_A")
    assert (name["dataElement"], name["orgUnit"]) == ("Chỉ tiêu thử DE_A", "OU_A")


def test_input_org_unit_id_scheme_reads_org_unit_by_code(client, stored):
    values = _values(_get(client, "orgUnit=OU_A&period=201201&inputOrgUnitIdScheme=CODE"))

    assert {v["orgUnit"] for v in values} == {UNIT_A}


def test_an_unknown_parameter_is_refused_by_name(client, stored):
    response = _get(client, f"orgUnit={UNIT_A}&period=201201&orgUnitGroup=XYZ")

    assert response.status_code == 409
    assert "orgUnitGroup" in response.json()["message"]


def test_without_periods_or_dates_the_export_is_e2002(client, stored):
    response = _get(client, f"orgUnit={UNIT_A}")

    assert response.status_code == 409
    assert "E2002" in response.json()["message"]


def test_csv_export_has_dhis2s_header(client, stored):
    response = client.get(URL + f".csv?orgUnit={UNIT_A}&period=201201", **auth("tinh"))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "dataelement",
        "period",
        "orgunit",
        "categoryoptioncombo",
        "attributeoptioncombo",
        "value",
        "storedby",
        "lastupdated",
        "comment",
        "followup",
        "deleted",
    ]


def test_csv_import_reads_dhis2s_short_headers(client, people):
    text = (
        "dataelement,period,orgunit,value,strby,lstupd,cmt,flwup\n"
        f"{ELEMENT_A},201201,{UNIT_A},4,x,2012-01-01,ghi chú,true\n"
    )

    response = client.post(URL, text.encode(), content_type="text/csv", **auth("tinh"))

    assert response.status_code == 200, response.content
    [value] = _values(_get(client, f"orgUnit={UNIT_A}&period=201201"))
    assert (value["comment"], value["followup"]) == ("ghi chú", True)
