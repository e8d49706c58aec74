"""DHIS2's Web API beyond data values, in DHIS2's terms: the pager's links, versioned paths,
XML and CSV renderings, strict parameters, E71xx codes, the user's hierarchy, `apiToken`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from defusedxml import ElementTree

from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.exchange.tests.conftest import basic, read_stream

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """Django's test client, reading streamed answers (analytics) as any other."""
    get = client.get
    client.get = lambda *args, **kwargs: read_stream(get(*args, **kwargs))
    return client


@pytest.fixture
def figures(small_tree, indicators):
    """TH_HD: c1 10, c2 20, c3 40 in 2023."""
    th = indicators["TH_HD"]
    for unit, value in (("c1", 10), ("c2", 20), ("c3", 40)):
        datavalue_save(
            actor=SYSTEM,
            indicator=th,
            unit=small_tree[unit],
            period=period_get("2023"),
            value=Decimal(value),
        )
    return th


def _follow(client, link, user="tinh"):
    parts = urlsplit(link)
    return client.get(parts.path, parse_qsl(parts.query), **basic(user))


# --- pager --------------------------------------------------------------------------------


def test_next_page_keeps_every_parameter(client, api_people, small_tree):
    params = [
        ("filter", "level:ge:3"),
        ("filter", f"code:ne:{small_tree['d1'].code}"),
        ("fields", "id,level"),
        ("order", "name:desc"),
        ("pageSize", "2"),
    ]
    first = client.get("/api/organisationUnits.json", params, **basic("tinh")).json()

    next_page = first["pager"]["nextPage"]
    assert next_page.startswith("http://testserver/api/organisationUnits.json?page=2&pageSize=2&")
    assert parse_qsl(urlsplit(next_page).query) == [("page", "2"), *params[-1:], *params[:-1]]
    second = _follow(client, next_page).json()
    assert second["pager"]["total"] == first["pager"]["total"] == 4  # d2, c1, c2, c3
    seen = [u["id"] for u in first["organisationUnits"] + second["organisationUnits"]]
    assert all(u["level"] >= 3 for u in second["organisationUnits"])
    assert len(set(seen)) == 4
    back = _follow(client, second["pager"]["prevPage"]).json()
    assert back["organisationUnits"] == first["organisationUnits"]
    assert "page=" not in second["pager"]["prevPage"].split("?")[1].split("&")[0]


def test_next_page_keeps_the_level_parameter(client, api_people, small_tree):
    first = client.get(
        "/api/organisationUnits", {"level": "4", "pageSize": "1"}, **basic("tinh")
    ).json()

    assert "level=4" in first["pager"]["nextPage"]
    second = _follow(client, first["pager"]["nextPage"]).json()
    assert second["pager"]["total"] == 3
    assert second["organisationUnits"][0]["id"] in {small_tree[k].uid for k in ("c1", "c2", "c3")}


# --- versioned paths ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["28", "38", "40", "41", "42"])
def test_versioned_paths_answer_as_the_plain_ones(client, api_people, small_tree, version):
    plain = client.get("/api/organisationUnits.json", {"level": "3"}, **basic("tinh"))
    versioned = client.get(
        f"/api/{version}/organisationUnits.json", {"level": "3"}, **basic("tinh")
    )

    assert versioned.status_code == 200
    assert versioned.json()["organisationUnits"] == plain.json()["organisationUnits"]
    assert client.get(f"/api/{version}/system/info", **basic("tinh")).json()["version"]


@pytest.mark.parametrize("path", ["/api/27/me", "/api/43/me", "/api/2.40/me", "/api/40/schema/"])
def test_other_versions_are_not_found(client, api_people, path):
    assert client.get(path, follow=True, **basic("tinh")).status_code == 404


def test_versioned_import_writes(client, api_people, small_tree, indicators, no_deadlines):
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
    response = client.post(
        "/api/40/dataValueSets", body, content_type="application/json", **basic("huyen")
    )

    assert response.status_code == 200, response.body
    assert response.json()["response"]["importCount"]["imported"] == 1


# --- renderings ---------------------------------------------------------------------------


def _grid_params(figures, small_tree):
    return {
        "dimension": [f"dx:{figures.uid}", f"ou:{small_tree['d1'].uid};{small_tree['d2'].uid}"],
        "filter": "pe:2023",
    }


def test_analytics_as_csv(client, api_people, small_tree, figures):
    response = client.get("/api/analytics.csv", _grid_params(figures, small_tree), **basic("tinh"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.body.decode())))
    assert rows == [
        ["Dữ liệu", "Đơn vị", "Giá trị"],
        [figures.uid, small_tree["d1"].uid, "30"],
        [figures.uid, small_tree["d2"].uid, "40"],
    ]


@pytest.mark.parametrize(
    ("path", "accept"), [("/api/analytics.xml", ""), ("/api/analytics", "application/xml")]
)
def test_analytics_as_xml(client, api_people, small_tree, figures, path, accept):
    response = client.get(
        path, _grid_params(figures, small_tree), HTTP_ACCEPT=accept, **basic("tinh")
    )

    assert response["Content-Type"].startswith("application/xml")
    grid = ElementTree.fromstring(response.body)
    assert grid.tag == "grid" and grid.get("height") == "2" and grid.get("width") == "3"
    assert [h.get("name") for h in grid.find("headers")] == ["dx", "ou", "value"]
    assert [[f.text for f in row] for row in grid.find("rows")] == [
        [figures.uid, small_tree["d1"].uid, "30"],
        [figures.uid, small_tree["d2"].uid, "40"],
    ]


def test_browsers_get_json(client, api_people, small_tree, figures):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(
        "/api/analytics", _grid_params(figures, small_tree), HTTP_ACCEPT=accept, **basic("tinh")
    )

    assert response.json()["height"] == 2


def test_metadata_lists_as_csv(client, api_people, small_tree):
    response = client.get(
        "/api/organisationUnits.csv",
        {"fields": "id,code,level,parent[id],children", "level": "3"},
        **basic("tinh"),
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.body.decode())))
    d1, d2 = small_tree["d1"], small_tree["d2"]
    assert rows == [
        ["id", "code", "level", "children"],
        [d1.uid, d1.code, "3", f"{small_tree['c1'].uid};{small_tree['c2'].uid}"],
        [d2.uid, d2.code, "3", small_tree["c3"].uid],
    ]
    by_accept = client.get(
        "/api/dataElements",
        {"skipHeader": "true", "paging": "false"},
        HTTP_ACCEPT="text/csv",
        **basic("tinh"),
    )
    lines = list(csv.reader(io.StringIO(by_accept.body.decode())))
    assert {len(line) for line in lines} == {2}  # id,displayName, no header


def test_metadata_as_xml_is_not_acceptable_as_in_dhis2_240(client, api_people):
    response = client.get("/api/organisationUnits.xml", **basic("tinh"))

    assert response.status_code == 406
    assert response.json()["httpStatus"] == "Not Acceptable"


# --- strict parameters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"aggregationType": "CUSTOM"}, "aggregationType"),
        ({"showHierarchy": "true"}, "showHierarchy"),
        ({"measureCriteria": "GE:10"}, "measureCriteria"),
        ({"displayProperty": "CODE"}, "CODE"),
        ({"includeNumDen": "maybe"}, "includeNumDen"),
    ],
)
def test_analytics_refuses_what_it_does_not_answer(
    client, api_people, small_tree, figures, extra, named
):
    response = client.get(
        "/api/analytics",
        {**_grid_params(figures, small_tree), **extra},
        HTTP_ACCEPT_LANGUAGE="en",
        **basic("tinh"),
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["httpStatus"], body["status"]) == ("Conflict", "ERROR")
    assert named in body["message"]


@pytest.mark.parametrize(
    "params", [{"skipPaging": "true"}, {"rootJunction": "XOR"}, {"includeAncestors": "true"}]
)
def test_metadata_refuses_what_it_does_not_answer(client, api_people, params):
    response = client.get("/api/dataElements", params, **basic("tinh"))

    assert response.status_code == 409
    assert list(params)[0] in response.json()["message"] or "XOR" in response.json()["message"]


def test_relative_period_date_and_skip_data(client, api_people, small_tree, figures):
    params = {
        "dimension": [f"dx:{figures.uid}", "pe:LAST_YEAR"],
        "filter": f"ou:{small_tree['d1'].uid}",
    }

    body = client.get(
        "/api/analytics", {**params, "relativePeriodDate": "2024-03-01"}, **basic("tinh")
    ).json()
    empty = client.get(
        "/api/analytics",
        {**params, "relativePeriodDate": "2024-03-01", "skipData": "true"},
        **basic("tinh"),
    ).json()

    assert body["rows"] == [[figures.uid, "2023", "30"]]
    assert empty["rows"] == [] and empty["metaData"]["dimensions"]["pe"] == ["2023"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"dimension": "pe:2023"}, "E7102"),
        ({"dimension": "dx:{de}"}, "E7104"),
        ({"dimension": ["dx:{de}", "pe:2023", "pe:2022"]}, "E7111"),
        ({"dimension": ["dx:{de}", "pe:2023"], "filter": "pe:2022"}, "E7103"),
        ({"dimension": ["dx:{de}", "pe:2023x"]}, "E7124"),
        ({"dimension": ["dx:{de}", "pe:2023", "co:abc"]}, "E7125"),
        ({"dimension": ["dx:{de}", "pe:2023", "ou:LEVEL-x"]}, "E7143"),
        ({"dimension": ["dx:{de}", "pe:2023", "ou:{c1}"]}, "E7120"),
    ],
)
def test_analytics_errors_carry_dhis2_codes(client, api_people, small_tree, figures, params, code):
    def fill(value):
        return value.format(de=figures.uid, c1=small_tree["c1"].uid)

    query = {k: [fill(v) for v in v] if isinstance(v, list) else fill(v) for k, v in params.items()}
    response = client.get("/api/analytics", query, **basic("xa_ngoai"))

    assert response.status_code in (403, 409)
    assert response.json()["errorCode"] == code


def test_counts_are_published_as_integer_zero_or_positive(client, api_people, indicators):
    body = client.get(
        f"/api/dataElements/{indicators['TH_HD'].uid}", {"fields": "valueType"}, **basic("tinh")
    ).json()

    assert body == {"valueType": "INTEGER_ZERO_OR_POSITIVE"}


# --- the user's hierarchy -----------------------------------------------------------------


def test_user_only_lists_the_callers_units(client, api_people, small_tree):
    for name in ("userOnly", "userDataViewOnly", "userDataViewFallback"):
        body = client.get(
            "/api/organisationUnits", {name: "true", "fields": "id"}, **basic("huyen")
        ).json()
        assert body["organisationUnits"] == [{"id": small_tree["d1"].uid}], name


def test_a_district_officer_walks_down_the_subtree(client, api_people, small_tree):
    d1, c1, c2 = (small_tree[k] for k in ("d1", "c1", "c2"))
    url = f"/api/organisationUnits/{d1.uid}"

    def ids(**params):
        body = client.get(url, {"fields": "id", **params}, **basic("huyen")).json()
        return [u["id"] for u in body["organisationUnits"]]

    assert ids(includeChildren="true") == [d1.uid, c1.uid, c2.uid]
    assert ids(includeDescendants="true") == [d1.uid, c1.uid, c2.uid]
    assert ids(level="1") == [c1.uid, c2.uid]
    # Ancestors stop at the officer's own unit: the province is not theirs to see.
    assert ids(includeAncestors="true") == [d1.uid]
    assert client.get(
        f"/api/organisationUnits/{c1.uid}",
        {"includeAncestors": "true", "fields": "id"},
        **basic("tinh"),
    ).json()["organisationUnits"] == [
        {"id": c1.uid},
        {"id": d1.uid},
        {"id": small_tree["province"].uid},
    ]
    outside = client.get(
        f"/api/organisationUnits/{small_tree['c3'].uid}",
        {"includeChildren": "true"},
        **basic("huyen"),
    )
    assert outside.status_code == 404


def test_query_max_level_order_and_or(client, api_people, small_tree):
    def ids(**params):
        body = client.get(
            "/api/organisationUnits", {"fields": "id", **params}, **basic("tinh")
        ).json()
        return [u["id"] for u in body["organisationUnits"]]

    assert ids(query=small_tree["c3"].code) == [small_tree["c3"].uid]
    assert ids(query=small_tree["d2"].name[-3:].lower()) == [small_tree["d2"].uid]
    assert ids(maxLevel="2") == [small_tree["province"].uid]
    assert ids(level="3", order="name:desc") == sorted(
        [small_tree["d1"].uid, small_tree["d2"].uid],
        key=lambda uid: [u.name for u in small_tree.values() if u.uid == uid][0],
        reverse=True,
    )
    assert set(
        ids(
            filter=[f"id:eq:{small_tree['c1'].uid}", f"id:eq:{small_tree['c3'].uid}"],
            rootJunction="OR",
        )
    ) == {small_tree["c1"].uid, small_tree["c3"].uid}
    assert ids(filter=[f"id:eq:{small_tree['c1'].uid}", f"id:eq:{small_tree['c3'].uid}"]) == []


# --- personal access tokens ---------------------------------------------------------------


def test_api_token_created_as_dhis2_and_used(client, api_people, small_tree):
    expire = int((dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).timestamp() * 1000)

    response = client.post(
        "/api/apiToken", {"expire": expire}, content_type="application/json", **basic("huyen")
    )

    assert response.status_code == 201, response.body
    body = response.json()
    assert (body["httpStatus"], body["status"]) == ("Created", "OK")
    created = body["response"]
    assert created["responseType"] == "ApiTokenCreationResponse"
    assert created["klass"] == "org.hisp.dhis.security.apikey.ApiToken"
    assert created["key"].startswith("d2pat_") and len(created["uid"]) == 11
    assert response["Location"] == f"/api/apiToken/{created['uid']}"
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"ApiToken {created['key']}")
    assert me.json()["username"] == "huyen"
    listed = client.get("/api/apiToken?fields=id,expire", **basic("huyen")).json()["apiToken"]
    assert [t["id"] for t in listed] == [created["uid"]] and listed[0]["expire"] == expire
    assert client.delete(f"/api/apiToken/{created['uid']}", **basic("xa_ngoai")).status_code == 404
    revoked = client.delete(f"/api/apiToken/{created['uid']}", **basic("huyen"))
    assert revoked.status_code == 200 and revoked.json()["response"]["uid"] == created["uid"]
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"ApiToken {created['key']}").status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"expire": 1}, 409),  # already past
        ({"expire": "tomorrow"}, 409),
        ({"attributes": [{"type": "IpAllowedList", "allowedIps": ["1.2.3"]}]}, 409),
        ({"attributes": [{"type": "NoSuchList"}]}, 409),
        ([], 400),
    ],
)
def test_api_token_bad_requests_change_nothing(client, api_people, body, status):
    response = client.post("/api/apiToken", body, content_type="application/json", **basic("huyen"))

    assert response.status_code == status
    assert api_people["huyen"].personal_access_tokens.count() == 0


def test_api_token_needs_credentials_not_a_session(client, api_people):
    client.force_login(api_people["huyen"])

    assert client.post("/api/apiToken", {}, content_type="application/json").status_code == 401


# --- reporting rates and operands ----------------------------------------------------------


@pytest.fixture
def quarterly_reports(small_tree):
    """A quarterly form of the communes; in 2023 c1 sent Q1 on time and Q2 late (approved),
    c2's Q1 was returned (not a report), c3 sent nothing."""
    from phongtrao.catalog.models import Form
    from phongtrao.data.models import Submission, SubmissionStatus
    from phongtrao.orgs.models import Level

    form = Form.objects.create(
        uid="RateForm001",
        code="BM_QUY",
        name="Biểu quý",
        period_type="QUARTERLY",
        level=Level.COMMUNE,
        deadline_days=15,
    )
    for unit, code, status, day in (
        ("c1", "2023Q1", SubmissionStatus.SUBMITTED, dt.date(2023, 4, 10)),
        ("c1", "2023Q2", SubmissionStatus.APPROVED, dt.date(2023, 8, 1)),
        ("c2", "2023Q1", SubmissionStatus.RETURNED, dt.date(2023, 4, 2)),
    ):
        Submission.objects.create(
            form=form,
            unit=small_tree[unit],
            period=period_get(code),
            status=status,
            submitted_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC),
        )
    return form


def test_reporting_rates_from_the_submissions(client, api_people, small_tree, quarterly_reports):
    form = quarterly_reports.uid
    metrics = [
        "REPORTING_RATE",
        "REPORTING_RATE_ON_TIME",
        "ACTUAL_REPORTS",
        "ACTUAL_REPORTS_ON_TIME",
        "EXPECTED_REPORTS",
    ]
    body = client.get(
        "/api/analytics",
        {
            "dimension": [
                "dx:" + ";".join(f"{form}.{m}" for m in metrics),
                f"ou:{small_tree['d1'].uid};{small_tree['province'].uid};{small_tree['c3'].uid}",
            ],
            "filter": "pe:2023",
        },
        **basic("tinh"),
    ).json()

    got = {(dx.split(".")[1], ou): value for dx, ou, value in body["rows"]}
    d1, province, c3 = (small_tree[k].uid for k in ("d1", "province", "c3"))
    assert got[("EXPECTED_REPORTS", d1)] == "8"  # 2 communes × 4 quarters
    assert got[("ACTUAL_REPORTS", d1)] == "2"  # the returned report does not count
    assert got[("ACTUAL_REPORTS_ON_TIME", d1)] == "1"
    assert got[("REPORTING_RATE", d1)] == "25"
    assert got[("REPORTING_RATE_ON_TIME", d1)] == "12.5"
    assert got[("EXPECTED_REPORTS", province)] == "12"
    assert got[("REPORTING_RATE", province)] == "16.67"
    # DHIS2 answers 0 where reports were expected and none came.
    assert got[("REPORTING_RATE", c3)] == "0" and got[("EXPECTED_REPORTS", c3)] == "4"
    item = body["metaData"]["items"][f"{form}.REPORTING_RATE"]
    assert item["dimensionItemType"] == "REPORTING_RATE"


def test_reporting_rate_by_quarter_and_none_for_a_month(
    client, api_people, small_tree, quarterly_reports
):
    body = client.get(
        "/api/analytics",
        {
            "dimension": [f"dx:{quarterly_reports.uid}.REPORTING_RATE", "pe:2023Q1;2023Q2;202301"],
            "filter": f"ou:{small_tree['d1'].uid}",
        },
        **basic("huyen"),
    ).json()

    # A month is shorter than the form's quarter: no report is expected in it.
    assert body["rows"] == [
        [f"{quarterly_reports.uid}.REPORTING_RATE", "2023Q1", "50"],
        [f"{quarterly_reports.uid}.REPORTING_RATE", "2023Q2", "50"],
    ]


def test_reporting_rates_as_a_filter_are_one(
    client, api_people, small_tree, quarterly_reports, figures
):
    params = {
        "dimension": ["pe:2023"],
        "filter": f"dx:{quarterly_reports.uid}.ACTUAL_REPORTS;{figures.uid}",
    }

    response = client.get("/api/analytics", params, **basic("tinh"))

    assert response.status_code == 409 and response.json()["errorCode"] == "E7109"


def test_operands_of_the_default_combination(client, api_people, small_tree, figures):
    operand = f"{figures.uid}.HllvX50cXC0"

    body = client.get(
        "/api/analytics",
        {
            "dimension": [f"dx:{figures.uid};{operand}", "pe:2023"],
            "filter": f"ou:{small_tree['d1'].uid}",
        },
        **basic("tinh"),
    ).json()
    by_code = client.get(
        "/api/analytics",
        {
            "dimension": [f"dx:{figures.code}.default", "pe:2023"],
            "inputIdScheme": "CODE",
            "outputIdScheme": "CODE",
        },
        **basic("huyen"),
    ).json()
    other = client.get(
        "/api/analytics",
        {"dimension": [f"dx:{figures.uid}.OtherCombo1", "pe:2023"]},
        **basic("tinh"),
    )

    assert body["rows"] == [[figures.uid, "2023", "30"], [operand, "2023", "30"]]
    assert body["metaData"]["items"][operand]["dimensionItemType"] == "DATA_ELEMENT_OPERAND"
    assert by_code["rows"] == [[f"{figures.code}.default", "2023", "30"]]
    assert other.status_code == 409 and other.json()["errorCode"] == "E7124"
