"""A DHIS2 client library from PyPI (`dhis2-client`, unchanged) against a running phongtrao."""

from __future__ import annotations

import pytest

from phongtrao.analytics.selectors import unit_totals
from phongtrao.exchange.tests.conftest import API_PASSWORD
from phongtrao.exchange.tokens import token_create

# The catalog's forms close 15 days after the period; these tests write 2023 as officers.
pytestmark = pytest.mark.usefixtures("no_deadlines")


@pytest.fixture
def ids(api_people, small_tree, indicators):
    """Read before the client runs (plain values: the server thread has its own requests)."""
    return {
        "de": indicators["TH_HD"].uid,
        "de_obj": indicators["TH_HD"],
        "c1": small_tree["c1"].uid,
        "c2": small_tree["c2"].uid,
        "d1": small_tree["d1"].uid,
        "c3": small_tree["c3"].uid,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_client_pushes_a_data_value_set_and_reads_analytics_back(live_server, ids, small_tree):
    from dhis2_client import DHIS2Client
    from dhis2_client.errors import DHIS2HTTPError

    client = DHIS2Client(live_server.url, username="huyen", password=API_PASSWORD, retries=0)
    try:
        assert client.get_system_info()["version"].startswith("2.")
        assert client.get_current_user()["username"] == "huyen"
        units = list(client.get_organisation_units(fields="id,level", pageSize=2))
        assert sorted(u["id"] for u in units) == sorted([ids["d1"], ids["c1"], ids["c2"]])

        answer = client.post_data_value_set(
            {
                "period": "2023",
                "dataValues": [
                    {"dataElement": ids["de"], "orgUnit": ids["c1"], "value": "12"},
                    {"dataElement": ids["de"], "orgUnit": ids["c2"], "value": "30"},
                ],
            }
        )
        assert answer["response"]["importCount"]["imported"] == 2

        grid = client.get_analytics_data(dx=[ids["de"]], pe=["2023"], ou=[ids["d1"], ids["c1"]])
        assert grid["rows"] == [
            [ids["de"], "2023", ids["d1"], "42"],
            [ids["de"], "2023", ids["c1"], "12"],
        ]
        assert unit_totals(small_tree["d1"], "2023", [ids["de_obj"]])[ids["de_obj"].pk].value == 42

        exported = client.get_data_value_set(
            {"period": "2023", "orgUnit": ids["d1"], "children": "true"}
        )
        assert sorted(v["value"] for v in exported["dataValues"]) == ["12", "30"]

        with pytest.raises(DHIS2HTTPError) as refused:
            client.get_analytics_data(dx=[ids["de"]], pe=["2023"], ou=[ids["c3"]])
        assert refused.value.status_code == 403
    finally:
        client.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_client_with_a_personal_access_token(live_server, ids, api_people):
    from dhis2_client import DHIS2Client

    _, token = token_create(user=api_people["huyen"], name="dhis2-client")
    client = DHIS2Client(live_server.url, token=token, retries=0)
    try:
        assert client.get_current_user()["username"] == "huyen"
        element = client.get_data_element(ids["de"], fields="id,name,valueType")
        assert element["id"] == ids["de"] and element["valueType"] == "INTEGER_ZERO_OR_POSITIVE"
    finally:
        client.close()
