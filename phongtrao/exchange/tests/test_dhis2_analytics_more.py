"""`/api/analytics` as DHIS2 answers: `outputIdScheme=NAME|SHORTNAME`, `aggregationType`
answered (test_dhis2_analytics_layout.py computes the others) or refused by name, and
DHIS2's English texts of the E71xx errors for clients that ask for English."""

from __future__ import annotations

import pytest

from phongtrao.exchange.tests import test_analytics_api
from phongtrao.exchange.tests.conftest import basic, read_stream

pytestmark = pytest.mark.django_db
URL = test_analytics_api.URL
figures = test_analytics_api.figures  # the same TH_HD figures (d1: 30 in 2023)


def _get(client, user="tinh", english=False, **params):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"} if english else {}
    return read_stream(client.get(URL, params, **basic(user), **headers))


def _grid(figures, small_tree, **extra):
    return {
        "dimension": [f"dx:{figures.uid}", "pe:2023", f"ou:{small_tree['d1'].uid}"],
        **extra,
    }


@pytest.mark.parametrize(
    ("scheme", "dx", "ou"),
    [
        ("NAME", "name", "name"),
        ("SHORTNAME", "code", "name"),
        ("CODE", "code", "code"),
        ("UID", "uid", "uid"),
    ],
)
def test_output_id_scheme_names_the_items(client, api_people, small_tree, figures, scheme, dx, ou):
    body = _get(client, **_grid(figures, small_tree, outputIdScheme=scheme)).json()

    d1 = small_tree["d1"]
    expected_dx, expected_ou = getattr(figures, dx), getattr(d1, ou)
    assert body["rows"] == [[expected_dx, "2023", expected_ou, "30"]]
    assert body["metaData"]["dimensions"]["ou"] == [expected_ou]
    assert body["metaData"]["items"][expected_dx]["uid"] == figures.uid


def test_aggregation_type_of_the_items_own_kind_is_answered(
    client, api_people, small_tree, figures
):
    plain = _get(client, **_grid(figures, small_tree)).json()

    for asked in ("DEFAULT", "SUM", "sum"):
        body = _get(client, **_grid(figures, small_tree, aggregationType=asked)).json()
        assert body["rows"] == plain["rows"]


@pytest.mark.parametrize("asked", ["CUSTOM", "NONE", "LAST_IN_PERIOD"])
def test_another_aggregation_type_is_refused_by_name(
    client, api_people, small_tree, figures, asked
):
    response = _get(client, english=True, **_grid(figures, small_tree, aggregationType=asked))

    assert response.status_code == 409
    assert f"aggregationType `{asked}`" in response.json()["message"]
    vietnamese = _get(client, **_grid(figures, small_tree, aggregationType=asked))
    assert "không được hỗ trợ" in vietnamese.json()["message"]


@pytest.mark.parametrize(
    ("params", "code", "text"),
    [
        (
            {"dimension": ["pe:2023"]},
            "E7102",
            "At least one data dimension item or data element group set dimension item "
            "must be specified",
        ),
        (
            {"dimension": ["dx:NoSuchDE01"], "filter": ["pe:2023"]},
            "E7124",
            "Dimension is present in query without any valid dimension options: `NoSuchDE01`",
        ),
        (
            {"dimension": ["dx:x", "pe:2023", "pe:2022"]},
            "E7111",
            "Dimensions cannot be specified more than once: `pe`",
        ),
        (
            {"dimension": ["dx:x", "co:x", "pe:2023"]},
            "E7125",
            "Dimension identifier does not reference any dimension: `co`",
        ),
    ],
)
def test_errors_in_dhis2s_english_when_asked(client, api_people, figures, params, code, text):
    params = {k: [v.replace(":x", f":{figures.uid}") for v in vs] for k, vs in params.items()}

    english = _get(client, english=True, **params).json()
    vietnamese = _get(client, **params).json()

    assert (english["errorCode"], english["message"]) == (code, text)
    assert vietnamese["errorCode"] == code and vietnamese["message"] != text


def test_a_unit_outside_the_subtree_names_the_user_in_english(
    client, api_people, small_tree, figures
):
    c1 = small_tree["c1"].uid
    response = _get(
        client, "xa_ngoai", True, dimension=[f"dx:{figures.uid}", "pe:2023"], filter=[f"ou:{c1}"]
    )

    assert response.status_code == 403
    assert response.json()["message"] == (
        f"User: `xa_ngoai` is not allowed to view org unit: `{c1}`"
    )
