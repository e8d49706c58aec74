"""DHIS2's metadata reads beyond lists: field transformers (`~rename`, `~size`, `~isEmpty`,
`~isNotEmpty`, `~pluck`, `~keyBy`), `/api/organisationUnits/<id>/parents` and the
`/<id>/<property>` paths, `dataSets?fields=organisationUnits` and the default category model
(`/api/categoryOptionCombos` and its siblings)."""

from __future__ import annotations

import pytest

from phongtrao.catalog.models import Form
from phongtrao.exchange.metadata import fields_parse
from phongtrao.exchange.tests.conftest import basic
from phongtrao.orgs.models import Level

pytestmark = pytest.mark.django_db


def _get(client, path: str, user: str = "tinh", **params: str):
    return client.get("/api/" + path, params, **basic(user))


def test_transformers_stay_on_their_field():
    assert fields_parse("id,name~rename(n),children[id]~size,parent(id)") == {
        "id": {},
        "name~rename(n)": {},
        "children~size": {"id": {}},
        "parent": {"id": {}},
    }


def test_rename_size_and_is_empty(client, api_people, small_tree):
    d1 = small_tree["d1"]

    body = _get(
        client,
        f"organisationUnits/{d1.uid}",
        fields="id~rename(uid),name~rename(n)~size,children~size,children~isEmpty~rename(leaf)",
    ).json()

    assert body == {"uid": d1.uid, "n": len(d1.name), "children": 2, "leaf": False}


def test_pluck_and_key_by_in_a_list(client, api_people, small_tree):
    body = _get(
        client,
        "organisationUnits",
        filter=f"id:eq:{small_tree['d1'].uid}",
        fields=(
            "id,children~pluck(name),children~keyBy(code)~rename(byCode),"
            "children~isNotEmpty~rename(x)"
        ),
    ).json()

    [unit] = body["organisationUnits"]
    assert unit["children"] == ["Xã A", "Xã B"]
    assert set(unit["byCode"]) == {"T-70101", "T-70102"}
    assert unit["byCode"]["T-70101"]["code"] == "T-70101"
    assert unit["x"] is True


def test_an_unknown_transformer_is_refused_by_name(client, api_people, small_tree):
    response = _get(client, "organisationUnits", fields="id,name~upper")

    assert response.status_code == 409
    assert "upper" in response.json()["message"]


def test_parents_nearest_first_within_the_user_subtree(client, api_people, small_tree):
    c1 = small_tree["c1"]

    as_province = _get(client, f"organisationUnits/{c1.uid}/parents", fields="id,level").json()
    as_district = _get(client, f"organisationUnits/{c1.uid}/parents", "huyen").json()

    # DHIS2 answers a bare list, the parent first.
    assert as_province == [
        {"id": small_tree["d1"].uid, "level": 3},
        {"id": small_tree["province"].uid, "level": 2},
    ]
    assert [u["id"] for u in as_district] == [small_tree["d1"].uid]
    outsider = _get(client, f"organisationUnits/{c1.uid}/parents", "xa_ngoai")
    assert outsider.status_code == 404


def test_a_property_path_answers_the_property(client, api_people, small_tree):
    d1 = small_tree["d1"]

    body = _get(client, f"organisationUnits/{d1.uid}/children", fields="id,name").json()

    assert body == {
        "children": [
            {"id": small_tree["c1"].uid, "name": "Xã A"},
            {"id": small_tree["c2"].uid, "name": "Xã B"},
        ]
    }
    assert _get(client, f"organisationUnits/{d1.uid}/nothing").status_code == 404


def test_a_data_set_lists_the_units_it_is_assigned_to(client, api_people, small_tree):
    form = Form.objects.create(
        uid="DataSet0001", code="DS_A", name="Biểu A", period_type="Monthly", level=Level.COMMUNE
    )

    body = _get(
        client, "dataSets", fields="id,organisationUnits[id,name]", filter="id:eq:DataSet0001"
    ).json()
    seen_by_district = _get(
        client, f"dataSets/{form.uid}", "huyen", fields="organisationUnits~size"
    )

    [data_set] = body["dataSets"]
    assert [u["name"] for u in data_set["organisationUnits"]] == ["Xã A", "Xã B", "Xã C"]
    assert seen_by_district.json() == {"organisationUnits": 2}
    units = _get(client, f"dataSets/{form.uid}/organisationUnits", fields="id").json()
    assert len(units["organisationUnits"]) == 3


def test_the_default_category_model(client, api_people):
    combos = _get(client, "categoryOptionCombos", fields="id,code,name,categoryCombo[id]").json()
    one = _get(client, "categoryOptionCombos/HllvX50cXC0.json").json()
    category_combos = _get(client, "categoryCombos.json", fields="id,isDefault").json()

    assert combos["pager"]["total"] == 1
    assert combos["categoryOptionCombos"] == [
        {
            "id": "HllvX50cXC0",
            "code": "default",
            "name": "default",
            "categoryCombo": {"id": "bjDvmb4bfuf"},
        }
    ]
    assert one["id"] == "HllvX50cXC0" and one["displayName"] == "default"
    assert category_combos["categoryCombos"] == [{"id": "bjDvmb4bfuf", "isDefault": True}]
    assert _get(client, "categoryOptionCombos/Nope1234567").status_code == 404
    assert _get(client, "categories", fields="id")["Content-Type"].startswith("application/json")
    element_combo = _get(client, "dataElements", fields="categoryCombo").status_code
    assert element_combo == 200
