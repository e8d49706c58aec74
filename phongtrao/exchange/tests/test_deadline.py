"""The forms' deadlines hold for imports too, as in DHIS2 (a data set's expiry days)."""

from __future__ import annotations

import json

import pytest

from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.conftest import API_PASSWORD, basic

pytestmark = pytest.mark.django_db


def _push(client, user, indicators, small_tree, query=""):
    body = {
        "dataValues": [
            {
                "dataElement": indicators["TH_HD"].uid,
                "period": "2023",
                "orgUnit": small_tree["c1"].uid,
                "value": "7",
            }
        ]
    }
    return client.post(
        "/api/dataValueSets" + query,
        json.dumps(body),
        content_type="application/json",
        **basic(user.username, API_PASSWORD),
    )


def test_an_officers_overdue_value_is_a_conflict_and_nothing_is_written(
    client, api_people, indicators, small_tree
):
    response = _push(client, api_people["huyen"], indicators, small_tree, "?atomicMode=ALL")

    summary = response.json()["response"]
    assert summary["status"] == "ERROR", summary
    assert "quá hạn nộp" in json.dumps(summary["conflicts"], ensure_ascii=False)
    assert not DataValue.objects.exists()


def test_an_overdue_value_is_an_e7640_conflict_with_its_index_by_default(
    client, api_people, indicators, small_tree
):
    """DHIS2's atomicMode NONE: a deadline lock is a per-value conflict, not an abort."""
    response = _push(client, api_people["huyen"], indicators, small_tree)

    assert response.status_code == 409
    summary = response.json()["response"]
    assert summary["status"] == "WARNING", summary
    [conflict] = summary["conflicts"]
    assert (conflict["errorCode"], conflict["property"], conflict["indexes"]) == (
        "E7640",
        "period",
        [0],
    )
    assert not DataValue.objects.exists()


def test_without_a_deadline_the_same_value_is_imported(
    client, api_people, indicators, small_tree, no_deadlines
):
    response = _push(client, api_people["huyen"], indicators, small_tree)

    assert response.json()["response"]["importCount"]["imported"] == 1
