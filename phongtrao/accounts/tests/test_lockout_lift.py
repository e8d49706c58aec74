"""The level above lifts a sign-in lockout (issue 14, failure 9)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import lockout_lift, membership_set
from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditLog

PASSWORD = "mat-khau-dai-123"


def _user(name, unit=None, roles=(), **extra):
    user = get_user_model().objects.create_user(name, password=PASSWORD, **extra)
    if unit is not None:
        membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


def _lock_out(username: str, failures: int = 3) -> None:
    for last in range(failures):
        Client().post(
            "/dang-nhap/", {"username": username, "password": "sai"}, REMOTE_ADDR=f"10.0.0.{last}"
        )


def _signs_in(username: str, address: str = "10.9.9.9") -> bool:
    response = Client().post(
        "/dang-nhap/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    return response.status_code == 302


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_level_above_lifts_the_lockout_and_the_user_signs_in_again(small_tree):
    admin = _user("quantri_huyen", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    member = _user("canbo_xa", small_tree["c1"], {Role.ENTER})
    _lock_out("canbo_xa")
    assert not _signs_in("canbo_xa")
    removed = lockout_lift(actor=admin, user=member)
    assert removed >= 3
    assert _signs_in("canbo_xa")
    log = AuditLog.objects.get(action="lockout_lift")
    assert log.user == admin and "canbo_xa" in log.target and "Xã A" in log.detail


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_peer_or_the_user_or_another_branch_may_not_lift_the_lockout(small_tree):
    member = _user("canbo_xa", small_tree["c1"], {Role.ENTER})
    peer = _user("quantri_xa", small_tree["c1"], {Role.VIEW, Role.ADMINISTER})
    other_branch = _user("quantri_huyen_hai", small_tree["d2"], {Role.VIEW, Role.ADMINISTER})
    no_admin_role = _user("xem_huyen", small_tree["d1"], {Role.VIEW, Role.ENTER})
    _lock_out("canbo_xa")
    for actor in (peer, other_branch, no_admin_role, member):
        with pytest.raises(PermissionDenied):
            lockout_lift(actor=actor, user=member)
    assert not _signs_in("canbo_xa")
    assert not AuditLog.objects.filter(action="lockout_lift").exists()


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_superuser_lifts_the_lockout_of_anyone(small_tree):
    root = _user("root", is_superuser=True, is_staff=True)
    member = _user("canbo_tinh", small_tree["province"], {Role.ENTER})
    _lock_out("canbo_tinh")
    lockout_lift(actor=root, user=member)
    assert _signs_in("canbo_tinh")
    assert AuditLog.objects.filter(action="lockout_lift", user=root).exists()


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_accounts_page_shows_the_failures_and_unlocks(client, small_tree):
    admin = _user("quantri_huyen", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    member = _user("canbo_xa", small_tree["c1"], {Role.ENTER})
    _lock_out("canbo_xa")
    client.force_login(admin)
    page = client.get("/tai-khoan/").content.decode()
    url = f"/tai-khoan/{member.pk}/mo-khoa-dang-nhap/"
    assert "3 lần sai" in page and url in page and "Mở khóa đăng nhập" in page
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Đã mở khóa đăng nhập cho canbo_xa" in response.content.decode()
    assert _signs_in("canbo_xa")


@pytest.mark.django_db
@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_page_refuses_a_peer_and_changes_nothing(client, small_tree):
    peer = _user("quantri_xa", small_tree["c1"], {Role.VIEW, Role.ADMINISTER})
    member = _user("canbo_xa", small_tree["c1"], {Role.ENTER})
    _lock_out("canbo_xa")
    client.force_login(peer)
    assert "Mở khóa đăng nhập" not in client.get("/tai-khoan/").content.decode()
    response = client.post(f"/tai-khoan/{member.pk}/mo-khoa-dang-nhap/", follow=True)
    assert "Bạn không có quyền mở khóa đăng nhập" in response.content.decode()
    assert not _signs_in("canbo_xa")
    assert not AuditLog.objects.filter(action="lockout_lift").exists()
