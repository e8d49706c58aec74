"""`/api/organisationUnits`, `/api/dataElements`, `/api/dataSets`: fields, filters, paging."""

from __future__ import annotations

import pytest

from phongtrao.catalog.models import Form, Indicator
from phongtrao.exchange.metadata import MetadataError, fields_parse
from phongtrao.exchange.tests.conftest import basic

pytestmark = pytest.mark.django_db


def test_fields_parse():
    assert fields_parse("id,name,parent[id,name],children[id]") == {
        "id": {},
        "name": {},
        "parent": {"id": {}, "name": {}},
        "children": {"id": {}},
    }
    for bad in ("id,[name]", "parent[id", "id]"):
        with pytest.raises(MetadataError):
            fields_parse(bad)


def test_units_are_those_the_user_may_see(client, api_people, small_tree):
    body = client.get(
        "/api/organisationUnits",
        {"fields": "id,name,code,level,parent[id],path", "paging": "false"},
        **basic("huyen"),
    ).json()

    d1, c1 = small_tree["d1"], small_tree["c1"]
    assert "pager" not in body
    assert [u["id"] for u in body["organisationUnits"]] == [d1.uid, c1.uid, small_tree["c2"].uid]
    first = body["organisationUnits"][1]
    assert first == {
        "id": c1.uid,
        "name": c1.name,
        "code": c1.code,
        "level": 4,
        "parent": {"id": d1.uid},
        "path": "/".join(["", small_tree["vn"].uid, small_tree["province"].uid, d1.uid, c1.uid]),
    }


def test_paging_in_dhis2_shape(client, api_people, small_tree):
    body = client.get("/api/organisationUnits", {"pageSize": 2, "page": 2}, **basic("tinh")).json()

    assert body["pager"]["page"] == 2
    assert body["pager"]["pageCount"] == 3
    assert body["pager"]["total"] == 6
    assert body["pager"]["pageSize"] == 2
    assert body["pager"]["nextPage"] == "http://testserver/api/organisationUnits?page=3&pageSize=2"
    # DHIS2 (DefaultLinkService) writes no page=1 in the link to the first page.
    assert body["pager"]["prevPage"] == "http://testserver/api/organisationUnits?pageSize=2"
    assert [set(u) for u in body["organisationUnits"]] == [{"id", "displayName"}] * 2


def test_filters_and_level(client, api_people, small_tree):
    def ids(**params):
        body = client.get("/api/organisationUnits", params, **basic("tinh")).json()
        return [u["id"] for u in body["organisationUnits"]]

    d1, d2 = small_tree["d1"], small_tree["d2"]
    assert ids(level=3) == [d1.uid, d2.uid]
    assert ids(filter="level:eq:3") == [d1.uid, d2.uid]
    assert ids(filter=f"parent.id:eq:{d2.uid}") == [small_tree["c3"].uid]
    assert ids(filter="name:ilike:hai") == [d2.uid]
    assert ids(filter=f"id:in:[{d1.uid},{d2.uid}]") == [d1.uid, d2.uid]
    assert ids(filter=["level:ge:3", "code:ne:T-701"]) == [
        small_tree[k].uid for k in ("c1", "c2", "d2", "c3")
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "secret:eq:1"},
        {"filter": "level:xx:1"},
        {"filter": "level:eq:a"},
        {"page": "0"},
        {"pageSize": "x"},
        {"fields": "id,[x"},
    ],
)
def test_bad_parameters_are_409(client, api_people, params):
    response = client.get("/api/organisationUnits", params, **basic("tinh"))

    assert response.status_code == 409
    assert response.json()["status"] == "ERROR"


def test_one_unit_and_children(client, api_people, small_tree):
    d1 = small_tree["d1"]

    body = client.get(
        f"/api/organisationUnits/{d1.uid}",
        {"fields": "id,children[id,name]"},
        **basic("tinh"),
    ).json()

    assert body == {
        "id": d1.uid,
        "children": [
            {"id": small_tree["c1"].uid, "name": small_tree["c1"].name},
            {"id": small_tree["c2"].uid, "name": small_tree["c2"].name},
        ],
    }
    default = client.get(f"/api/organisationUnits/{d1.uid}.json", **basic("tinh")).json()
    assert default["level"] == 3 and default["code"] == d1.code


def test_another_subtrees_unit_is_404(client, api_people, small_tree):
    response = client.get(f"/api/organisationUnits/{small_tree['c1'].uid}", **basic("xa_ngoai"))

    assert response.status_code == 404
    assert small_tree["c1"].name not in response.content.decode()


def test_data_elements_and_sets(client, api_people, indicators):
    th = Indicator.objects.get(code="TH_HD")
    form = Form.objects.filter(indicators=th).first()

    elements = client.get(
        "/api/dataElements",
        {"fields": "id,code,valueType,aggregationType", "filter": "code:eq:TH_HD"},
        **basic("huyen"),
    ).json()
    one = client.get(
        f"/api/dataElements/{th.uid}.json",
        {"fields": "dataSetElements[dataSet[id,name,periodType]]"},
        **basic("huyen"),
    ).json()
    sets = client.get(
        "/api/dataSets", {"fields": ":all", "paging": "false"}, **basic("huyen")
    ).json()

    assert elements["dataElements"] == [
        {
            "id": th.uid,
            "code": "TH_HD",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
        }
    ]
    assert elements["pager"]["total"] == 1
    assert {"id": form.uid, "name": form.name, "periodType": "Yearly"} in [
        e["dataSet"] for e in one["dataSetElements"]
    ]
    assert form.uid in [s["id"] for s in sets["dataSets"]]
    assert client.get("/api/dataSets/NoSuchSet01", **basic("huyen")).status_code == 404


def test_list_query_count_does_not_grow_with_the_page(
    client, api_people, small_tree, django_assert_max_num_queries
):
    # Sign-in costs 5 of them (two lockout checks: per name and address, per name alone).
    with django_assert_max_num_queries(9):
        client.get(
            "/api/organisationUnits",
            {"fields": "id,parent[id,name],path,children[id]", "paging": "false"},
            **basic("tinh"),
        )
