"""`/api/analytics`: DHIS2's grid of totals, from the roll-ups, within the user's subtree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals_naive
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.exchange.tests.conftest import basic, read_stream

pytestmark = pytest.mark.django_db
URL = "/api/analytics"


@pytest.fixture
def figures(small_tree, indicators):
    """TH_HD: c1 10 and 1 (2023, 2022), c2 20 (2023), c3 40 (2023)."""
    th = indicators["TH_HD"]
    for unit, period, value in (
        ("c1", "2023", 10),
        ("c1", "2022", 1),
        ("c2", "2023", 20),
        ("c3", "2023", 40),
    ):
        datavalue_save(
            actor=SYSTEM,
            indicator=th,
            unit=small_tree[unit],
            period=period_get(period),
            value=Decimal(value),
        )
    return th


def get(client, user, *dimensions, filters=(), **params):
    query = {"dimension": list(dimensions), "filter": list(filters), **params}
    return read_stream(client.get(URL, query, **basic(user)))


def test_dx_pe_ou_grid_in_dhis2_shape(client, api_people, small_tree, figures):
    province = small_tree["province"]

    response = get(
        client, "tinh", f"dx:{figures.uid}", "pe:2023;2022", filters=[f"ou:{province.uid}"]
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "value"]
    assert body["headers"][-1]["valueType"] == "NUMBER"
    assert body["rows"] == [[figures.uid, "2023", "70"], [figures.uid, "2022", "1"]]
    assert (body["height"], body["width"]) == (2, 3)
    assert body["metaData"]["dimensions"]["pe"] == ["2023", "2022"]
    assert body["metaData"]["items"]["2023"]["name"] == "năm 2023"
    assert body["metaData"]["items"][province.uid]["name"] == province.name


def test_figures_equal_the_naive_sums(client, api_people, small_tree, figures):
    units = [small_tree[k] for k in ("province", "d1", "d2", "c1")]

    body = get(
        client, "tinh", f"dx:{figures.uid}", "pe:2023", "ou:" + ";".join(u.uid for u in units)
    ).json()

    got = {row[2]: Decimal(row[3]) for row in body["rows"]}
    for unit in units:
        assert got[unit.uid] == unit_totals_naive(unit, "2023", [figures])[figures.pk].value


def test_levels_and_children_keywords(client, api_people, small_tree, figures):
    d1, d2 = small_tree["d1"], small_tree["d2"]

    by_level = get(client, "tinh", f"dx:{figures.uid}", "ou:LEVEL-3", filters=["pe:2023"]).json()
    children = get(
        client, "tinh", "ou:USER_ORGUNIT_CHILDREN", f"dx:{figures.uid}", filters=["pe:2023"]
    ).json()
    communes_of_d1 = get(
        client, "tinh", f"ou:LEVEL-4;{d1.uid}", f"dx:{figures.uid}", filters=["pe:2023"]
    ).json()

    assert by_level["rows"] == [[figures.uid, d1.uid, "30"], [figures.uid, d2.uid, "40"]]
    assert children["rows"] == [[d1.uid, figures.uid, "30"], [d2.uid, figures.uid, "40"]]
    assert [r[0] for r in communes_of_d1["rows"]] == [small_tree["c1"].uid, small_tree["c2"].uid]


def test_user_orgunit_is_the_default_and_codes_work(client, api_people, small_tree, figures):
    body = get(
        client,
        "huyen",
        f"dx:{figures.code}",
        "pe:2023",
        inputIdScheme="CODE",
        outputIdScheme="CODE",
    ).json()

    assert body["rows"] == [[figures.code, "2023", "30"]]
    assert body["metaData"]["dimensions"]["ou"] == [small_tree["d1"].code]


def test_relative_periods(client, api_people, small_tree, indicators):
    this_year = str(dt.date.today().year)
    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["TH_HD"],
        unit=small_tree["c1"],
        period=period_get(this_year),
        value=Decimal(5),
    )

    body = get(client, "tinh", f"dx:{indicators['TH_HD'].uid}", "pe:THIS_YEAR;LAST_YEAR").json()

    assert body["rows"] == [[indicators["TH_HD"].uid, this_year, "5"]]
    assert body["metaData"]["dimensions"]["pe"] == [this_year, str(int(this_year) - 1)]


def test_a_unit_outside_the_subtree_is_refused_with_403(client, api_people, small_tree, figures):
    for ou in (small_tree["c1"].uid, small_tree["province"].uid, "NoSuchUnit1"):
        response = get(client, "xa_ngoai", f"dx:{figures.uid}", "pe:2023", filters=[f"ou:{ou}"])

        assert response.status_code == 403
        assert "rows" not in response.json()
    # LEVEL-n stays inside the caller's subtree.
    body = get(client, "xa_ngoai", f"dx:{figures.uid}", "pe:2023", "ou:LEVEL-4").json()
    assert body["rows"] == [[figures.uid, "2023", small_tree["c3"].uid, "40"]]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"dimension": ["pe:2023"]}, "dx"),
        ({"dimension": ["dx:NoSuchDE01"], "filter": ["pe:2023"]}, "NoSuchDE01"),
        ({"dimension": ["dx:x", "pe:2023Q9"]}, "2023Q9"),
        ({"dimension": ["co:x", "pe:2023"]}, "co:x"),
        ({"dimension": ["pe:2023", "pe:2022"]}, "hai lần"),
        ({"dimension": ["ou:LEVEL-x", "pe:2023", "dx:x"]}, "LEVEL-x"),
    ],
)
def test_bad_requests_are_409_in_vietnamese(client, api_people, figures, params, words):
    params = {k: [v.replace("dx:x", f"dx:{figures.uid}") for v in vs] for k, vs in params.items()}

    response = client.get(URL, params, **basic("tinh"))

    assert response.status_code == 409
    assert words in response.json()["message"]


def test_needs_authentication(client, small_tree):
    assert client.get(URL).status_code == 401


def test_query_count_follows_units_times_periods(
    client, api_people, small_tree, figures, django_assert_max_num_queries
):
    units = ";".join(small_tree[k].uid for k in ("province", "d1", "d2"))
    with django_assert_max_num_queries(30):
        response = get(client, "tinh", f"dx:{figures.uid}", "pe:2023;2022", f"ou:{units}")
    assert response.json()["height"] == 5


def test_a_request_over_the_cell_limit_is_refused_with_dhis2s_409(
    client, api_people, small_tree, figures, settings
):
    settings.ANALYTICS_MAX_CELLS = 3  # 1 indicator × 2 periods × 2 units = 4 cells

    response = get(client, "tinh", f"dx:{figures.uid}", "pe:2023;2022", "ou:LEVEL-3")

    assert response.status_code == 409
    body = response.json()
    assert (body["httpStatusCode"], body["status"], body["errorCode"]) == (409, "ERROR", "E7128")
    assert "vượt giới hạn 3 ô" in body["message"]
    settings.ANALYTICS_MAX_CELLS = 4
    assert get(client, "tinh", f"dx:{figures.uid}", "pe:2023;2022", "ou:LEVEL-3").status_code == 200


def test_skip_data_sends_headers_and_meta_without_rows(client, api_people, small_tree, figures):
    body = get(client, "tinh", f"dx:{figures.uid}", "pe:2023", skipData="true").json()

    assert (body["rows"], body["height"]) == ([], 0)
    assert body["metaData"]["dimensions"]["pe"] == ["2023"]


def test_csv_streams_the_same_rows(client, api_people, small_tree, figures):
    dims = [f"dx:{figures.uid}", "pe:2023;2022", "ou:LEVEL-3;LEVEL-4"]
    as_json = get(client, "tinh", *dims).json()

    response = read_stream(client.get(URL + ".csv", {"dimension": dims}, **basic("tinh")))

    assert response.streaming and response["Content-Type"].startswith("text/csv")
    lines = response.body.decode().splitlines()
    assert lines[0] == "Dữ liệu,Kỳ,Đơn vị,Giá trị"
    assert [line.split(",") for line in lines[1:]] == as_json["rows"]


def test_large_answers_stream_batch_by_batch_with_the_same_rows(
    client, api_people, small_tree, figures, monkeypatch
):
    dims = [f"dx:{figures.uid}", "ou:LEVEL-3;LEVEL-4", "pe:2023;2022"]
    ordered = get(client, "tinh", *dims).json()
    monkeypatch.setattr("phongtrao.analytics.query.ORDERED_CELLS", 1)
    monkeypatch.setattr("phongtrao.analytics.selectors.grid.BATCH_UNITS", 2)

    streamed = get(client, "tinh", *dims).json()

    assert sorted(streamed["rows"]) == sorted(ordered["rows"])
    assert streamed["height"] == ordered["height"] == len(ordered["rows"]) > 2
