"""DHIS2's async import: `async=true`, then `/api/system/tasks` and `/api/system/taskSummaries`."""

from __future__ import annotations

import json

import pytest

from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.conftest import basic
from phongtrao.jobs.worker import tasks_run_pending

pytestmark = [
    pytest.mark.usefixtures("no_deadlines"),
    pytest.mark.django_db(databases=["default", "progress"]),
]


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def body(indicators, small_tree, units=("c1", "c2")) -> str:
    values = [
        {"dataElement": indicators["TH_HD"].uid, "orgUnit": small_tree[u].uid, "value": "4"}
        for u in units
    ]
    return json.dumps({"period": "2023", "dataValues": values})


def test_an_async_import_is_queued_then_followed_to_its_summary(
    client, api_people, small_tree, indicators
):
    response = client.post(
        "/api/dataValueSets?async=true",
        body(indicators, small_tree),
        content_type="application/json",
        **basic("huyen"),
    )

    answer = response.json()
    assert response.status_code == 200 and answer["message"] == "Initiated DATAVALUE_IMPORT"
    uid = answer["response"]["id"]
    endpoint = answer["response"]["relativeNotifierEndpoint"]
    assert endpoint == f"/api/system/tasks/DATAVALUE_IMPORT/{uid}"
    assert answer["response"]["jobType"] == "DATAVALUE_IMPORT"
    assert DataValue.objects.count() == 0
    waiting = client.get(endpoint, **basic("huyen")).json()
    assert not waiting[0]["completed"]
    summaries = f"/api/system/taskSummaries/DATAVALUE_IMPORT/{uid}"
    assert client.get(summaries, **basic("huyen")).json() is None

    assert tasks_run_pending() == 1

    notes = client.get(endpoint, **basic("huyen")).json()
    assert notes[0]["completed"] and notes[0]["message"] == "Import done"
    assert [n["completed"] for n in notes[1:]] == [False] * (len(notes) - 1)
    summary = client.get(summaries, **basic("huyen")).json()
    assert summary["status"] == "SUCCESS" and summary["importCount"]["imported"] == 2
    assert DataValue.objects.count() == 2


def test_an_async_import_keeps_the_partial_mode_and_its_conflicts(
    client, api_people, small_tree, indicators
):
    # c3 is outside the district officer's subtree: a conflict, the other value written.
    answer = client.post(
        "/api/dataValueSets?async=true",
        body(indicators, small_tree, ("c1", "c3")),
        content_type="application/json",
        **basic("huyen"),
    ).json()
    tasks_run_pending()

    summary = client.get(
        f"/api/system/taskSummaries/DATAVALUE_IMPORT/{answer['response']['id']}", **basic("huyen")
    ).json()
    assert summary["status"] == "WARNING" and len(summary["conflicts"]) == 1
    assert DataValue.objects.count() == 1


def test_another_user_cannot_follow_the_task(client, api_people, small_tree, indicators):
    answer = client.post(
        "/api/dataValueSets?async=true",
        body(indicators, small_tree),
        content_type="application/json",
        **basic("huyen"),
    ).json()
    uid = answer["response"]["id"]

    for url in (
        f"/api/system/tasks/DATAVALUE_IMPORT/{uid}",
        f"/api/system/taskSummaries/DATAVALUE_IMPORT/{uid}",
    ):
        assert client.get(url, **basic("xa_ngoai")).status_code == 404


def test_an_async_import_reads_the_query_s_id_schemes(client, api_people, small_tree, indicators):
    values = [
        {"dataElement": indicators["TH_HD"].code, "orgUnit": small_tree["c1"].name, "value": "4"}
    ]

    response = client.post(
        "/api/dataValueSets?async=true&dataElementIdScheme=CODE&orgUnitIdScheme=NAME",
        json.dumps({"period": "2023", "dataValues": values}),
        content_type="application/json",
        **basic("huyen"),
    )

    assert response.status_code == 200
    assert tasks_run_pending() == 1
    assert DataValue.objects.get().unit == small_tree["c1"]
