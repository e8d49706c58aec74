"""`/api/analytics` as DHIS2 2.40 answers: `aggregationType` computed from the raw values
(`JdbcAnalyticsManager`), `displayProperty=SHORTNAME`, `includeNumDen`, and the table layout
(`columns`/`rows`, `Visualization.getGrid`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.exchange.tests import test_analytics_api
from phongtrao.exchange.tests.conftest import basic, read_stream

pytestmark = pytest.mark.django_db
URL = test_analytics_api.URL
figures = test_analytics_api.figures  # TH_HD: c1 10 (2023) and 1 (2022), c2 20, c3 40 (2023)


def _get(client, user="tinh", english=False, **params):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if english else {}
    return read_stream(client.get(URL, params, **basic(user), **headers))


@pytest.fixture
def monthly(small_tree, indicators):
    """TH_HD by month: c1 10 (January 2023) and 20 (March), c2 30 (February), c3 40 (June)."""
    th = indicators["TH_HD"]
    for unit, period, value in (
        ("c1", "202301", 10),
        ("c1", "202303", 20),
        ("c2", "202302", 30),
        ("c3", "202306", 40),
    ):
        datavalue_save(
            actor=SYSTEM,
            indicator=th,
            unit=small_tree[unit],
            period=period_get(period),
            value=Decimal(value),
        )
    return th


# Over d1 (c1 and c2) in 2023, from the three raw values 10, 20 and 30.
EXPECTED = {
    "SUM": "60",
    "AVERAGE": "20",
    "COUNT": "3",
    "MIN": "10",
    "MAX": "30",
    # (10×31 + 20×31 + 30×28 days) / 365 days
    "AVERAGE_SUM_ORG_UNIT": "4.85",
    "LAST": "50",  # c1's March 20 + c2's February 30
    "LAST_AVERAGE_ORG_UNIT": "25",
    "FIRST": "40",  # c1's January 10 + c2's 30
    "FIRST_AVERAGE_ORG_UNIT": "20",
    "STDDEV": "10",
    "VARIANCE": "100",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_aggregation_types_are_computed_as_dhis2(client, api_people, small_tree, monthly, kind):
    d1 = small_tree["d1"].uid

    response = _get(
        client, dimension=[f"dx:{monthly.uid}", "pe:2023", f"ou:{d1}"], aggregationType=kind
    )

    assert response.status_code == 200, response.json()
    assert response.json()["rows"] == [[monthly.uid, "2023", d1, EXPECTED[kind]]]


def test_last_carries_the_latest_value_forward_as_dhis2(client, api_people, small_tree, monthly):
    d1 = small_tree["d1"].uid
    query = {"dimension": [f"dx:{monthly.uid}", "pe:202304;202401", f"ou:{d1}"]}

    plain = _get(client, **query).json()
    last = _get(client, aggregationType="LAST", **query).json()

    assert plain["rows"] == []  # nothing was entered in April 2023 or January 2024
    assert last["rows"] == [[monthly.uid, "202304", d1, "50"], [monthly.uid, "202401", d1, "50"]]


def test_a_filter_of_several_units_is_aggregated_together(client, api_people, small_tree, monthly):
    units = ";".join(small_tree[name].uid for name in ("c1", "c3"))

    body = _get(
        client,
        dimension=[f"dx:{monthly.uid}", "pe:2023"],
        filter=[f"ou:{units}"],
        aggregationType="MAX",
    ).json()

    assert body["rows"] == [[monthly.uid, "2023", "40"]]


def test_an_unknown_aggregation_type_is_refused_by_name(client, api_people, small_tree, monthly):
    query = {"dimension": [f"dx:{monthly.uid}", "pe:2023"], "aggregationType": "CUSTOM"}

    english = _get(client, english=True, **query)
    vietnamese = _get(client, **query)

    assert english.status_code == 409
    assert english.json()["message"].startswith("Unsupported aggregationType `CUSTOM`")
    assert "không được hỗ trợ" in vietnamese.json()["message"]


def test_display_property_shortname_names_the_items_in_metadata(
    client, api_people, small_tree, figures
):
    d1 = small_tree["d1"]
    query = {"dimension": [f"dx:{figures.uid}", "pe:2023", f"ou:{d1.uid}"]}

    names = _get(client, **query).json()["metaData"]["items"]
    short = _get(client, displayProperty="SHORTNAME", **query).json()["metaData"]["items"]

    assert (names[figures.uid]["name"], short[figures.uid]["name"]) == (figures.name, figures.code)
    assert short[d1.uid]["name"] == d1.name[:50]
    assert short["2023"]["name"] == names["2023"]["name"]


def test_include_num_den_adds_dhis2s_five_columns(client, api_people, small_tree, figures):
    d1 = small_tree["d1"].uid

    body = _get(
        client, dimension=[f"dx:{figures.uid}", "pe:2023", f"ou:{d1}"], includeNumDen="true"
    ).json()

    assert [h["name"] for h in body["headers"]] == [
        "dx",
        "pe",
        "ou",
        "value",
        "numerator",
        "denominator",
        "factor",
        "multiplier",
        "divisor",
    ]
    assert body["headers"][4]["column"] == "Numerator"
    # A data element has no numerator nor denominator: DHIS2 writes empty cells.
    assert body["rows"] == [[figures.uid, "2023", d1, "30", "", "", "", "", ""]]


# --- table layout ---------------------------------------------------------------------------


def test_table_layout_puts_periods_in_columns_and_units_in_rows(
    client, api_people, small_tree, figures
):
    c1, c2 = small_tree["c1"], small_tree["c2"]

    body = _get(
        client,
        dimension=[f"ou:{c1.uid};{c2.uid}", "pe:2022;2023"],
        filter=[f"dx:{figures.uid}"],
        tableLayout="true",
        columns="pe",
        rows="ou",
    ).json()

    assert [(h["name"], h["column"], h["hidden"]) for h in body["headers"]] == [
        ("Organisation unit ID", "organisationunitid", True),
        ("Organisation unit", "organisationunitname", False),
        ("Organisation unit code", "organisationunitcode", True),
        ("Organisation unit description", "organisationunitdescription", True),
        ("2022", "năm 2022", False),
        ("2023", "năm 2023", False),
    ]
    assert body["rows"] == [
        [c1.uid, c1.name, c1.code, "", "1", "10"],
        [c2.uid, c2.name, c2.code, "", "", "20"],
    ]
    assert (body["height"], body["width"]) == (2, 6)
    assert body["title"] == figures.name
    assert body["metaData"]["dimensions"]["pe"] == ["2022", "2023"]


def test_table_layout_hides_empty_rows_and_columns(client, api_people, small_tree, figures):
    c1, c3 = small_tree["c1"], small_tree["c3"]

    body = _get(
        client,
        dimension=[f"dx:{figures.uid}", "pe:2022", f"ou:{c1.uid};{c3.uid}"],
        columns="dx;pe",
        rows="ou",
        hideEmptyRows="true",
        hideEmptyColumns="true",
    ).json()

    # c3 has nothing in 2022; units have no description: both are dropped.
    assert [h["name"] for h in body["headers"]] == [
        "Organisation unit ID",
        "Organisation unit",
        "Organisation unit code",
        f"{figures.code.lower()}_2022",
    ]
    assert body["rows"] == [[c1.uid, c1.name, c1.code, "1"]]


def test_table_layout_as_csv(client, api_people, small_tree, figures):
    d1 = small_tree["d1"].uid

    response = client.get(
        URL + ".csv",
        {
            "dimension": [f"dx:{figures.uid}", "pe:2023", f"ou:{d1}"],
            "columns": "pe",
            "rows": "dx;ou",
        },
        **basic("tinh"),
    )

    lines = response.content.decode().splitlines()
    assert lines[0].split(",")[-1] == "năm 2023"
    assert lines[1].split(",")[-1] == "30"


def test_a_layout_dimension_absent_from_the_request_is_e7126_or_e7127(
    client, api_people, small_tree, figures
):
    query = {
        "dimension": [f"dx:{figures.uid}", "pe:2023"],
        "filter": [f"ou:{small_tree['d1'].uid}"],
    }

    column = _get(client, english=True, columns="ou", rows="pe", **query).json()
    row = _get(client, english=True, columns="pe", rows="ou", **query).json()

    assert (column["errorCode"], column["message"]) == (
        "E7126",
        "Column must be present as dimension in query: `ou`",
    )
    assert row["errorCode"] == "E7127"
