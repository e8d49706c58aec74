"""`dhis2.py` (PyPI, unchanged), a second DHIS2 client library, against a running phongtrao:
what its users do — system info, paged metadata, imports with conflicts, async imports,
exports, analytics as JSON and CSV, on versioned paths (`api_version=40`) and with a
personal access token made through `POST /api/apiToken`."""

from __future__ import annotations

import csv
import io
import json

import pytest

from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.conftest import API_PASSWORD
from phongtrao.jobs.worker import tasks_run_pending

pytestmark = pytest.mark.usefixtures("no_deadlines")


@pytest.fixture
def ids(api_people, small_tree, indicators):
    """Read before the client runs (plain values: the server thread has its own requests)."""
    return {
        "de": indicators["TH_HD"].uid,
        **{key: small_tree[key].uid for key in ("d1", "c1", "c2", "c3")},
    }


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "progress"]
)
def test_dhis2_py_reads_imports_analyses_and_makes_a_token(live_server, ids):
    from dhis2 import Api
    from dhis2.exceptions import RequestException

    api = Api(live_server.url, "huyen", API_PASSWORD, api_version=40)

    assert api.get_info()["version"].startswith("2.40")
    assert api.get("me").json()["username"] == "huyen"
    # Paged reads: get_paged follows the pager, with the filter kept on every page.
    pages = list(
        api.get_paged(
            "organisationUnits", params={"fields": "id,level", "filter": "level:eq:4"}, page_size=1
        )
    )
    assert len(pages) == 2
    assert sorted(p["organisationUnits"][0]["id"] for p in pages) == sorted([ids["c1"], ids["c2"]])
    merged = api.get_paged("organisationUnits", params={"fields": "id"}, page_size=2, merge=True)
    assert len(merged["organisationUnits"]) == 3

    # An import with one value outside the officer's subtree: the rest saved, 409 WARNING.
    values = [
        {"dataElement": ids["de"], "orgUnit": ids["c1"], "value": "12"},
        {"dataElement": ids["de"], "orgUnit": ids["c2"], "value": "30"},
        {"dataElement": ids["de"], "orgUnit": ids["c3"], "value": "5"},
    ]
    payload = {"period": "2023", "dataValues": values}
    with pytest.raises(RequestException) as conflict:
        api.post("dataValueSets", json=payload)
    assert conflict.value.code == 409
    summary = json.loads(conflict.value.description)
    assert summary["status"] == "WARNING"
    assert summary["response"]["importCount"]["imported"] == 2
    assert [c["errorCode"] for c in summary["response"]["conflicts"]] == ["E7617"]

    # Async: queued, run by the worker machinery, followed on /api/system/taskSummaries.
    queued = api.post(
        "dataValueSets",
        json={"period": "2023", "dataValues": [{**values[0], "value": "13"}]},
        params={"async": "true"},
    ).json()
    assert tasks_run_pending() == 1
    done = api.get(f"system/taskSummaries/DATAVALUE_IMPORT/{queued['response']['id']}").json()
    assert done["status"] == "SUCCESS" and done["importCount"]["updated"] == 1

    exported = api.get(
        "dataValueSets", params={"period": "2023", "orgUnit": ids["d1"], "children": "true"}
    ).json()
    assert sorted(v["value"] for v in exported["dataValues"]) == ["13", "30"]

    analytics = [
        ("dimension", f"dx:{ids['de']}"),
        ("dimension", f"ou:{ids['d1']};{ids['c1']}"),
        ("filter", "pe:2023"),
    ]
    grid = api.get("analytics", params=analytics).json()
    assert grid["rows"] == [[ids["de"], ids["d1"], "43"], [ids["de"], ids["c1"], "13"]]
    as_csv = api.get("analytics", file_type="csv", params=analytics).text
    assert list(csv.reader(io.StringIO(as_csv)))[1:] == [
        [ids["de"], ids["d1"], "43"],
        [ids["de"], ids["c1"], "13"],
    ]

    counted = api.get("analytics", params=[*analytics, ("aggregationType", "COUNT")]).json()
    assert counted["rows"] == [[ids["de"], ids["d1"], "2"], [ids["de"], ids["c1"], "1"]]
    with pytest.raises(RequestException) as refused:
        api.get("analytics", params=[*analytics, ("aggregationType", "CUSTOM")])
    assert refused.value.code == 409 and "aggregationType" in refused.value.description
    assert DataValue.objects.count() == 2

    # A personal access token made as DHIS2 makes them, then used on /api/41/.
    created = api.post("apiToken", json={}).json()
    assert created["httpStatusCode"] == 201
    with_token = Api(live_server.url, "", "", api_version=41)
    with_token.session.auth = None
    with_token.session.headers["Authorization"] = f"ApiToken {created['response']['key']}"
    units = with_token.get("organisationUnits", params={"userOnly": "true"}).json()
    assert units["organisationUnits"] == [{"id": ids["d1"], "displayName": "Huyện Một"}]
