"""Personal access tokens' `attributes` and listing as DHIS2 2.40–2.42 answers them
(`ApiTokenController`, `Dhis2ApiTokenFilter.validateRequestRules`): IP, HTTP method and
referrer allow lists checked on every request (401, DHIS2's words), bad ones refused when
the token is made (409), `GET /api/apiToken` a metadata list of the caller's own tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from phongtrao.exchange.tests.conftest import basic

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _token(client, body: dict[str, object], who: str = "huyen") -> dict[str, str]:
    response = client.post("/api/apiToken", body, content_type="application/json", **basic(who))
    assert response.status_code == 201, response.json()
    created: dict[str, str] = response.json()["response"]
    return created


def _me(client, key: str, **headers: str):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"ApiToken {key}", **ENGLISH, **headers)


def test_an_ip_allow_list_refuses_other_addresses(client, api_people):
    key = _token(client, {"attributes": [{"type": "IpAllowedList", "allowedIps": ["10.1.2.3"]}]})[
        "key"
    ]

    refused = _me(client, key)  # the test client comes from 127.0.0.1

    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "ApiToken"
    assert refused.json() == {
        "httpStatus": "Unauthorized",
        "httpStatusCode": 401,
        "status": "ERROR",
        "message": "Failed to authenticate API token, request ip address is not allowed.",
    }
    # As DHIS2, the address is X-Forwarded-For when the proxy sets it.
    assert _me(client, key, HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200
    assert _me(client, key, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 401


def test_a_method_allow_list_refuses_other_methods(client, api_people):
    key = _token(
        client, {"attributes": [{"type": "MethodAllowedList", "allowedMethods": ["get"]}]}
    )["key"]

    assert _me(client, key).status_code == 200
    posted = client.post(
        "/api/dataValueSets",
        {"dataValues": []},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"ApiToken {key}",
        **ENGLISH,
    )
    assert posted.status_code == 401
    assert posted.json()["message"] == (
        "Failed to authenticate API token, request http method is not allowed."
    )


def test_a_referrer_allow_list_needs_the_referrer(client, api_people):
    allowed = "https://app.example.org/"
    key = _token(
        client, {"attributes": [{"type": "RefererAllowedList", "allowedReferrers": [allowed]}]}
    )["key"]

    missing = _me(client, key)

    assert missing.status_code == 401
    assert "referrer is missing or not allowed" in missing.json()["message"]
    assert _me(client, key, HTTP_REFERER="https://App.Example.org/").status_code == 200
    assert _me(client, key, HTTP_REFERER="https://other.example.org/").status_code == 401


def test_the_refusal_is_in_vietnamese_unless_asked_in_english(client, api_people):
    key = _token(client, {"attributes": [{"type": "IpAllowedList", "allowedIps": ["10.1.2.3"]}]})[
        "key"
    ]

    refused = client.get("/api/me", HTTP_AUTHORIZATION=f"ApiToken {key}")

    assert refused.status_code == 401 and "địa chỉ IP" in refused.json()["message"]


@pytest.mark.parametrize(
    ("attribute", "english"),
    [
        (
            {"type": "IpAllowedList", "allowedIps": ["10.1.2"]},
            "Not a valid ip address, value=10.1.2",
        ),
        (
            {"type": "MethodAllowedList", "allowedMethods": ["FETCH"]},
            "Not a valid http method, value=FETCH",
        ),
        (
            {"type": "RefererAllowedList", "allowedReferrers": ["not a url"]},
            "Not a valid referrer url, value=not a url",
        ),
    ],
)
def test_bad_attributes_are_refused_when_the_token_is_made(client, api_people, attribute, english):
    response = client.post(
        "/api/apiToken",
        {"attributes": [attribute]},
        content_type="application/json",
        **basic("huyen"),
        **ENGLISH,
    )

    assert response.status_code == 409
    assert response.json()["message"] == (
        f"Failed to validate the token's attributes, message: {english}"
    )
    assert api_people["huyen"].personal_access_tokens.count() == 0


def test_tokens_are_listed_as_dhis2_metadata_and_only_the_callers(client, api_people):
    mine = _token(
        client,
        {
            "code": "may-chu",
            "attributes": [{"type": "MethodAllowedList", "allowedMethods": ["GET"]}],
        },
    )
    _token(client, {}, who="xa_ngoai")

    listed = client.get(
        "/api/apiToken?fields=id,code,type,expire,attributes&pageSize=5", **basic("huyen")
    ).json()

    assert listed["pager"] == {"page": 1, "pageCount": 1, "total": 1, "pageSize": 5}
    [token] = listed["apiToken"]
    assert token["id"] == mine["uid"] and token["code"] == "may-chu"
    assert token["type"] == "PERSONAL_ACCESS_TOKEN_V1"
    assert token["attributes"] == [{"type": "MethodAllowedList", "allowedMethods": ["GET"]}]
    # No `expire`: DHIS2's 30 days.
    in_30_days = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).timestamp() * 1000
    assert abs(token["expire"] - in_30_days) < 60_000
    default = client.get("/api/apiToken", **basic("huyen")).json()["apiToken"]
    assert default == [{"id": mine["uid"], "displayName": "may-chu"}]
    one = client.get(f"/api/apiToken/{mine['uid']}", **basic("huyen")).json()
    assert one["id"] == mine["uid"] and one["version"] == 1 and "created" in one
    assert client.get(f"/api/apiToken/{mine['uid']}", **basic("xa_ngoai")).status_code == 404
    filtered = client.get("/api/apiTokens?filter=code:eq:nothing", **basic("huyen")).json()
    assert filtered["apiToken"] == []
