from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from phongtrao.audit.models import AuditLog


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user("canbo", password="mat-khau-dai-123")


def test_login_page_is_vietnamese(client, db):
    content = client.get("/dang-nhap/").content.decode()
    assert "Đăng nhập" in content and "Tên đăng nhập" in content and "Mật khẩu" in content


def test_login_and_failed_login_are_audited(client, officer):
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-dai-123"})
    assert response.status_code == 302 and response["Location"] == "/viec-can-lam/"
    actions = list(AuditLog.objects.order_by("id").values_list("action", "username"))
    assert actions == [("login_failed", "canbo"), ("login", "canbo")]
    # The password never reaches the log.
    assert not AuditLog.objects.filter(detail__contains="sai").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_login(client, officer):
    for _ in range(3):
        client.post("/dang-nhap/", {"username": "canbo", "password": "sai"})
    response = client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-dai-123"})
    assert response.status_code == 429
    assert "đăng nhập sai quá nhiều lần" in response.content.decode()
    assert AuditLog.objects.filter(action="locked_out").exists()
    assert not AuditLog.objects.filter(action="login").exists()


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_logout_is_audited(client, officer):
    client.post("/dang-nhap/", {"username": "canbo", "password": "mat-khau-dai-123"})
    response = client.post("/dang-xuat/")
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="logout", username="canbo").exists()


def test_logins_without_a_request_still_work(officer):
    from django.contrib.auth import authenticate

    assert authenticate(username="canbo", password="mat-khau-dai-123") == officer


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_from_many_addresses_lock_the_user_name(client, officer):
    """The issue's failure 9: the count was per user name and IP only."""
    for last in range(3):
        client.post(
            "/dang-nhap/", {"username": "canbo", "password": "sai"}, REMOTE_ADDR=f"10.0.0.{last}"
        )
    response = client.post(
        "/dang-nhap/", {"username": "canbo", "password": "mat-khau-dai-123"}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429
