"""Personal access tokens: made on a page, shown once, accepted as `ApiToken`, revocable."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from phongtrao.exchange.models import PersonalAccessToken
from phongtrao.exchange.tests.conftest import basic
from phongtrao.exchange.tokens import TokenError, token_create, token_digest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_deadlines")]
ME = "/api/me"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"ApiToken {token}"}


def test_page_makes_a_token_shown_once_and_stored_hashed(client, api_people):
    client.force_login(api_people["huyen"])

    response = client.post("/api/ma-truy-cap/", {"name": "Đồng bộ DHIS2", "days": "90"})

    assert response.status_code == 200
    token = re.search(r'value="(d2pat_[^"]+)"', response.content.decode()).group(1)
    row = PersonalAccessToken.objects.get()
    assert row.digest == token_digest(token) and token not in (row.digest, row.prefix)
    assert row.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    again = client.get("/api/ma-truy-cap/").content.decode()
    assert token not in again and "Đồng bộ DHIS2" in again and row.prefix in again


def test_token_authenticates_every_api_endpoint(client, api_people):
    _, token = token_create(user=api_people["huyen"], name="x")

    response = client.get(ME, **bearer(token))

    assert response.status_code == 200
    assert response.json()["username"] == "huyen"
    assert client.get("/api/organisationUnits", **bearer(token)).status_code == 200
    assert PersonalAccessToken.objects.get().last_used_at is not None


def test_token_may_post_data(client, api_people, small_tree, indicators):
    _, token = token_create(user=api_people["huyen"], name="x")
    body = json.dumps(
        {
            "dataValues": [
                {
                    "dataElement": indicators["TH_HD"].uid,
                    "period": "2023",
                    "orgUnit": small_tree["c1"].uid,
                    "value": "7",
                }
            ]
        }
    )

    response = client.post(
        "/api/dataValueSets", body, content_type="application/json", **bearer(token)
    )

    assert response.status_code == 200, response.content
    assert response.json()["response"]["importCount"]["imported"] == 1


@pytest.mark.parametrize(
    "header",
    ["ApiToken d2pat_wrong", "ApiToken ", "Bearer abc", "ApiToken " + "d2pat_" + "x" * 300],
)
def test_bad_tokens_are_refused(client, api_people, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["httpStatusCode"] == 401


def test_expired_and_revoked_tokens_are_refused(client, api_people):
    row, token = token_create(user=api_people["huyen"], name="x")
    PersonalAccessToken.objects.filter(pk=row.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(ME, **bearer(token)).status_code == 401

    _, other = token_create(user=api_people["huyen"], name="y")
    client.force_login(api_people["huyen"])
    fresh = PersonalAccessToken.objects.get(name="y")
    client.post(f"/api/ma-truy-cap/{fresh.pk}/thu-hoi/")
    client.logout()
    assert client.get(ME, **bearer(other)).status_code == 401


def test_inactive_users_token_is_refused(client, api_people):
    _, token = token_create(user=api_people["huyen"], name="x")
    api_people["huyen"].is_active = False
    api_people["huyen"].save()

    assert client.get(ME, **bearer(token)).status_code == 401


def test_nobody_revokes_anothers_token(client, api_people):
    row, token = token_create(user=api_people["huyen"], name="x")
    client.force_login(api_people["xa_ngoai"])

    response = client.post(f"/api/ma-truy-cap/{row.pk}/thu-hoi/")

    assert response.status_code == 404
    assert client.get(ME, **bearer(token)).status_code == 200


def test_bad_names_and_dates_are_refused(api_people, client):
    with pytest.raises(TokenError):
        token_create(user=api_people["huyen"], name="  ")
    with pytest.raises(TokenError):
        token_create(
            user=api_people["huyen"], name="x", expires_at=timezone.now() - dt.timedelta(days=1)
        )
    client.force_login(api_people["huyen"])
    response = client.post("/api/ma-truy-cap/", {"name": "", "days": "90"})
    assert response.status_code == 400
    assert PersonalAccessToken.objects.count() == 0


def test_basic_still_works_and_session_is_read_only(client, api_people):
    assert client.get(ME, **basic("huyen")).status_code == 200
    assert client.get(ME, **basic("huyen", "sai")).status_code == 401
    client.force_login(api_people["huyen"])
    assert client.get(ME).status_code == 200
    # A write needs Basic or a token: a session (a browser's cookie) is not enough.
    response = client.post("/api/dataValueSets", "{}", content_type="application/json")
    assert response.status_code == 401


def test_pages_need_sign_in(client):
    response = client.get("/api/ma-truy-cap/")

    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
