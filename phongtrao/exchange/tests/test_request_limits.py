"""Request bodies are capped per endpoint: 413, in DHIS2's envelope for the API, before the
body is read (the issue's failure 5 at a CI size)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import RequestFactory

from config.limits import RequestBodyLimitMiddleware, body_limit
from phongtrao.data.models import DataValue
from phongtrao.exchange.tests.test_api import auth, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

VALUE = {"dataElement": "f7n9E0hX8qk", "period": "201201", "orgUnit": "DiszpKrYNg8", "value": "5"}


@pytest.fixture
def small_limits(settings):
    settings.REQUEST_BODY_LIMITS = {"": 4096, "/api/dataValueSets": 2048, "/api/nhap-tep/": 10**9}


def test_longest_prefix_wins(small_limits):
    assert body_limit("/api/dataValueSets") == 2048
    assert body_limit("/api/dataValueSets.json") == 2048
    assert body_limit("/api/me") == 4096
    assert body_limit("/api/nhap-tep/") == 10**9


def test_large_import_is_413_in_dhis2_envelope_and_writes_nothing(client, people, small_limits):  # noqa: F811
    body = json.dumps({"dataValues": [VALUE] * 100}).encode()
    assert len(body) > 2048

    response = client.post(
        "/api/dataValueSets", body, content_type="application/json", **auth("tinh")
    )

    assert response.status_code == 413
    payload = response.json()
    assert payload["httpStatusCode"] == 413
    assert payload["status"] == "ERROR"
    assert payload["httpStatus"] == "Payload Too Large"
    assert "2048" not in payload["message"] and "MB" in payload["message"]
    assert DataValue.objects.count() == 0


def test_small_import_still_passes(client, people, small_limits):  # noqa: F811
    body = json.dumps({"dataValues": [VALUE]}).encode()

    response = client.post(
        "/api/dataValueSets", body, content_type="application/json", **auth("tinh")
    )

    assert response.status_code == 200


def test_browser_gets_a_vietnamese_page(client, small_limits):
    response = client.post(
        "/dang-nhap/", {"username": "x" * 5000, "password": "y"}, HTTP_ACCEPT="text/html"
    )

    assert response.status_code == 413
    assert "lớn quá" in response.content.decode()


def test_body_longer_than_declared_is_stopped_while_read(small_limits):
    """A body read past the limit (a server passing an unterminated stream) is cut at it."""
    seen: list[bytes] = []

    def view(request):
        seen.append(request.read(1000))
        request.read()  # the rest, past the limit
        raise AssertionError("the limit was not enforced")

    request = RequestFactory().post("/api/dataValueSets", b"", content_type="application/json")
    request._stream = io.BytesIO(b"x" * 5000)  # the declared length says 0
    middleware = RequestBodyLimitMiddleware(view)

    response = middleware(request)

    assert seen == [b"x" * 1000]
    assert response.status_code == 413


@pytest.mark.parametrize(
    "address",
    [
        "/api/organisationUnits.csv?edition=%00",
        "/api/organisationUnits.json?query=a%00b",
        "/api/dataElements/ab%00cd",
        "/nhap-lieu/?q=%00",
    ],
)
def test_a_nul_in_the_address_is_refused_before_any_view(client, people, address):  # noqa: F811
    """PostgreSQL's text cannot hold NUL: passed to a query it was a server error
    (schemathesis found `?edition=%00`); every address refuses it with 400."""
    response = client.get(address, **auth("tinh"))

    assert response.status_code == 400
    if address.startswith("/api/"):
        assert response.json()["httpStatusCode"] == 400
        assert "NUL" in response.json()["message"]
    else:
        assert "ký tự NUL" in response.content.decode()
