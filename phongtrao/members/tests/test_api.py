"""`/api/members`: paging, filters, masking, logged reads, admission and actions over HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import json

from phongtrao.exchange.tokens import token_create
from phongtrao.members.models import Member, MemberRead, Transfer
from phongtrao.members.services import member_admit

from .conftest import person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2023, 3, 8)}


def basic(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:x".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client, url, body, username):
    return client.post(url, json.dumps(body), content_type="application/json", **basic(username))


def fill(registry, count=3):
    names = ["Nguyễn Thị Hoa", "Trần Thị Lan", "Lê Thị Ánh Tuyết", "Phạm Thị Đào", "Võ Thị Mai"]
    return [
        member_admit(
            actor=registry["officer_a"],
            unit=registry["branch"],
            data=person(names[i], phone="0912345678", citizen_id=f"07018500123{i}"),
            **CONSENT,
        )
        for i in range(count)
    ]


def test_list_pages_masks_and_filters_without_diacritics(client, registry):
    fill(registry, 5)
    url = f"/api/members?orgUnit={registry['c1'].uid}&pageSize=2&fields=id,name,phone,citizenId"
    body = client.get(url, **basic("canbo_xa_a")).json()
    assert body["pager"] | {"nextPage": None} == {
        "page": 1, "pageCount": 3, "total": 5, "pageSize": 2, "nextPage": None
    }  # fmt: skip
    assert "page=2" in body["pager"]["nextPage"]
    first = body["members"][0]
    assert first["phone"] == "•••••••678" and first["citizenId"] == "•••••••••232"
    found = client.get(
        f"/api/members?orgUnit={registry['c1'].uid}&filter=name:ilike:anh tuyet",
        **basic("canbo_xa_a"),
    ).json()
    assert [m["name"] for m in found["members"]] == ["Lê Thị Ánh Tuyết"]
    assert MemberRead.objects.count() == 0  # lists are masked and not record reads


def test_active_on_keeps_members_of_that_day(client, registry):
    fill(registry, 2)
    base = f"/api/members?orgUnit={registry['c1'].uid}&activeOn="
    assert client.get(base + "2023-03-07", **basic("canbo_xa_a")).json()["pager"]["total"] == 0
    assert client.get(base + "2023-03-08", **basic("canbo_xa_a")).json()["pager"]["total"] == 2
    bad = client.get(base + "hôm qua", **basic("canbo_xa_a"))
    assert bad.status_code == 409 and "YYYY-MM-DD" in bad.json()["message"]


def test_one_record_is_full_and_its_read_logged(client, registry):
    member = fill(registry, 1)[0]
    body = client.get(
        f"/api/members/{member.uid}?purpose=Cấp lại thẻ", **basic("canbo_xa_a")
    ).json()
    assert body["phone"] == "0912345678" and body["orgUnit"]["id"] == registry["branch"].uid
    read = MemberRead.objects.get()
    assert (read.username, read.purpose) == ("canbo_xa_a", "Cấp lại thẻ")


def test_other_subtrees_and_levels_above_see_no_record(client, registry):
    member = fill(registry, 1)[0]
    assert client.get(f"/api/members/{member.uid}", **basic("canbo_xa_c")).status_code == 404
    assert client.get(f"/api/members/{member.uid}", **basic("canbo_huyen_1")).status_code == 404
    listing = client.get(f"/api/members?orgUnit={registry['c1'].uid}", **basic("canbo_xa_c"))
    assert listing.status_code == 404
    above = client.get(f"/api/members?orgUnit={registry['d1'].uid}", **basic("canbo_huyen_1"))
    assert above.status_code == 403
    assert client.get("/api/members").status_code == 401
    assert MemberRead.objects.count() == 0


def test_post_admits_with_token_and_reports_errors_in_vietnamese(client, registry):
    _, token = token_create(user=registry["officer_a"], name="kiểm thử")
    body = {
        "name": "Điểu Thị Bé",
        "birthDate": "1990-02-01",
        "orgUnit": registry["c1"].uid,
        "joinDate": "2023-05-01",
        "consentDate": "2023-05-01",
        "ethnicity": "22",
    }
    response = client.post(
        "/api/members",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"ApiToken {token}",
    )
    assert response.status_code == 201, response.content
    member = Member.objects.get(uid=response.json()["response"]["uid"])
    assert member.get_ethnicity_display() == "Xtiêng"
    again = post(client, "/api/members", body, "canbo_xa_a")
    assert again.status_code == 409 and "cùng họ tên và ngày sinh" in again.json()["message"]
    young = post(
        client, "/api/members", {**body, "name": "A", "birthDate": "2010-01-01"}, "canbo_xa_a"
    )
    assert young.json()["response"]["conflicts"][0]["object"] == "birth_date"
    outside = post(client, "/api/members", {**body, "name": "B"}, "canbo_xa_c")
    assert outside.status_code == 404


def test_leave_and_transfer_actions(client, registry):
    first, second = fill(registry, 2)
    left = post(
        client,
        f"/api/members/{first.uid}/leave",
        {"date": "2023-09-01", "reason": "Chuyển đi xa"},
        "canbo_xa_a",
    )
    assert left.status_code == 200
    asked = post(
        client,
        f"/api/members/{second.uid}/transfer",
        {"date": "2023-10-01", "orgUnit": registry["c2"].uid},
        "canbo_xa_a",
    )
    assert asked.status_code == 201
    pk = asked.json()["response"]["transfer"]
    refused = post(client, f"/api/members/transfers/{pk}/accept", {}, "canbo_xa_a")
    assert refused.status_code == 404  # only the receiving unit decides
    accepted = post(client, f"/api/members/transfers/{pk}/accept", {}, "canbo_xa_b")
    assert accepted.status_code == 200
    assert Transfer.objects.get().status == "accepted"
    second.refresh_from_db()
    assert second.unit == registry["c2"]
