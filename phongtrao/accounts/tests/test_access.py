from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from phongtrao.accounts.access import (
    access_unit,
    unit_may_approve,
    unit_may_change,
    unit_may_view,
    units_visible,
)
from phongtrao.accounts.models import Role
from phongtrao.accounts.services import account_create, membership_set
from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditLog


def _user(name, unit=None, roles=()):
    user = get_user_model().objects.create_user(name, password="mat-khau-dai-123")
    if unit is not None:
        membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


@pytest.mark.django_db
def test_own_subtree_yes_sibling_subtree_no(small_tree):
    district = _user("huyen", small_tree["d1"], {Role.VIEW, Role.ENTER})
    assert unit_may_view(district, small_tree["d1"])
    assert unit_may_view(district, small_tree["c1"])
    assert unit_may_change(district, small_tree["c2"])
    assert not unit_may_view(district, small_tree["d2"])
    assert not unit_may_view(district, small_tree["c3"])
    assert not unit_may_change(district, small_tree["c3"])
    assert not unit_may_view(district, small_tree["province"])
    assert set(units_visible(district)) == {small_tree[k] for k in ("d1", "c1", "c2")}


@pytest.mark.django_db
def test_path_prefix_does_not_leak_to_a_unit_with_a_longer_id(small_tree):
    # "/1/2/" must not match "/1/23/": the path ends with a slash.
    commune = _user("xa", small_tree["c1"], {Role.ENTER})
    assert [u.pk for u in units_visible(commune)] == [small_tree["c1"].pk]


@pytest.mark.django_db
def test_access_unit_hides_units_outside_the_subtree(small_tree):
    commune = _user("xa", small_tree["c1"], {Role.VIEW, Role.ENTER})
    c1, c3 = small_tree["c1"], small_tree["c3"]
    assert access_unit(commune, c1.uid, change=True) == c1
    assert access_unit(commune, c1.pk) == c1
    for other in (c3, c3.uid, c3.pk, "khong-co", 10**9):
        with pytest.raises(Http404):
            access_unit(commune, other)


@pytest.mark.django_db
def test_view_role_alone_may_not_change(small_tree):
    viewer = _user("xem", small_tree["d1"], {Role.VIEW})
    assert access_unit(viewer, small_tree["c1"]) == small_tree["c1"]
    with pytest.raises(PermissionDenied):
        access_unit(viewer, small_tree["c1"], change=True)


@pytest.mark.django_db
def test_approval_is_for_the_level_above(small_tree):
    approver = _user("duyet", small_tree["d1"], {Role.APPROVE})
    assert unit_may_approve(approver, small_tree["c1"])
    assert not unit_may_approve(approver, small_tree["d1"])
    assert not unit_may_approve(approver, small_tree["c3"])


@pytest.mark.django_db
def test_users_without_unit_see_nothing_superusers_everything(small_tree):
    nobody = _user("ai_do")
    assert not units_visible(nobody).exists()
    with pytest.raises(Http404):
        access_unit(nobody, small_tree["c1"])
    root = get_user_model().objects.create_superuser("goc", password="mat-khau-dai-123")
    assert unit_may_change(root, small_tree["c3"])
    assert units_visible(root).count() == 7


@pytest.mark.django_db
def test_inactive_users_see_nothing(small_tree):
    user = _user("nghi", small_tree["d1"], {Role.VIEW, Role.ENTER})
    user.is_active = False
    user.save()
    assert not unit_may_view(user, small_tree["c1"])
    assert not units_visible(user).exists()


@pytest.mark.django_db
def test_role_changes_are_audited_and_administrators_create_accounts_below(small_tree):
    admin = _user("quantri", small_tree["d1"], {Role.ADMINISTER})
    created = account_create(
        actor=admin, username="moi", password="x-y-z-123", unit=small_tree["c1"], roles={Role.ENTER}
    )
    log = AuditLog.objects.filter(action="role_change", user=admin).get()
    assert "moi" in log.target and "Nhập liệu" in log.detail
    assert unit_may_change(created, small_tree["c1"])
    with pytest.raises(PermissionDenied):
        account_create(
            actor=admin, username="ngoai", password="x", unit=small_tree["c3"], roles={Role.ENTER}
        )


@pytest.mark.django_db
def test_an_administrator_creates_accounts_below_through_the_page(client, small_tree):
    admin = _user("quantri", small_tree["d1"], {Role.VIEW, Role.ADMINISTER})
    client.force_login(admin)
    page = client.get("/tai-khoan/").content.decode()
    assert "Tạo tài khoản mới" in page and "Xã A" in page and "Xã C" not in page
    response = client.post(
        "/tai-khoan/",
        {
            "username": "xa_moi",
            "password": "hoi-phu-nu-2026",
            "unit": small_tree["c1"].pk,
            "roles": ["enter"],
        },
    )
    assert response.status_code == 302
    created = get_user_model().objects.get(username="xa_moi")
    assert created.membership.unit == small_tree["c1"] and created.membership.may_enter
    assert AuditLog.objects.filter(action="role_change", user=admin).exists()
    response = client.post(
        "/tai-khoan/",
        {
            "username": "ngoai",
            "password": "hoi-phu-nu-2026",
            "unit": small_tree["c3"].pk,
            "roles": ["enter"],
        },
    )
    assert (
        response.status_code == 400
        and "Hãy chọn một đơn vị trong danh sách." in response.content.decode()
    )
    assert not get_user_model().objects.filter(username="ngoai").exists()

    officer = _user("xa", small_tree["c1"], {Role.VIEW, Role.ENTER})
    client.force_login(officer)
    response = client.get("/tai-khoan/")
    assert response.status_code == 403 and "Không có quyền" in response.content.decode()
