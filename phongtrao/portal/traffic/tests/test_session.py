"""The session notice's endpoints: extend on the server, sign out on the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(province_officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(province_officer)
    client.get("/nhap-lieu/")  # sets the CSRF cookie
    return client


def csrf(client):
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def test_extend_moves_the_expiry_on_the_server(signed_in, settings):
    key = signed_in.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(seconds=10)
    )
    response = signed_in.post("/phien/gia-han/", **csrf(signed_in))
    assert response.status_code == 200
    data = response.json()
    assert data["signed_in"] is True
    assert data["expires_in"] == settings.SESSION_COOKIE_AGE
    expire = Session.objects.get(session_key=key).expire_date
    assert (expire - timezone.now()).total_seconds() > settings.SESSION_COOKIE_AGE - 60


def test_end_signs_out_on_the_server(signed_in):
    key = signed_in.session.session_key
    response = signed_in.post("/phien/ket-thuc/", **csrf(signed_in))
    assert response.status_code == 200
    assert response.json() == {"signed_in": False, "login_url": "/dang-nhap/"}
    assert not Session.objects.filter(session_key=key).exists()
    assert signed_in.get("/nhap-lieu/").status_code == 302  # to the sign-in page
    assert signed_in.post("/phien/gia-han/", **csrf(signed_in)).status_code == 401


def test_endpoints_want_a_post_with_the_csrf_token(signed_in):
    assert signed_in.get("/phien/gia-han/").status_code == 405
    assert signed_in.get("/phien/ket-thuc/").status_code == 405
    assert signed_in.post("/phien/ket-thuc/").status_code == 403
    assert signed_in.get("/nhap-lieu/").status_code == 200  # still signed in


def test_a_guest_cannot_extend(client):
    response = client.post("/phien/gia-han/")
    assert response.status_code == 401
    assert response.json()["signed_in"] is False
    assert Session.objects.count() == 0
