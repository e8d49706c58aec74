"""Setting up the demonstration installation."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set

# The Bình Phước data set lives in its own module; it is a demo service too.
from phongtrao.demo.binh_phuoc import (
    REPORT_DAY,
    demo_binh_phuoc_load,
    demo_communes,
    demo_province,
)
from phongtrao.orgs.selectors import unit_resolve

DEFAULT_PASSWORD = "phongtrao-demo"  # noqa: S105 - a published demo password, by design


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


@transaction.atomic
def demo_admin_ensure(*, username: str = "admin") -> AbstractBaseUser:
    """The demo administrator, created once; its password is reset to DEMO_PASSWORD."""
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    user.set_password(demo_password())
    user.save()
    return user


LOC_THAI_CODE = "25297"


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """The demo officers of Bình Phước, each in their unit with their roles.

    canbo_tinh (province: duyệt, quản trị, biên tập cổng thông tin), canbo_huyen (Lộc Ninh
    district: duyệt), canbo_xa (Lộc Thái commune: nhập liệu), canbo_xa2 (a commune of
    another district: nhập liệu). Passwords are reset to DEMO_PASSWORD. Returns (username,
    unit, roles). Needs the Bình Phước units (`load_admin_units`).
    """
    province = demo_province()
    loc_thai = unit_resolve(LOC_THAI_CODE, REPORT_DAY)
    loc_ninh = loc_thai.parent
    assert loc_ninh is not None
    other = next(c for c in demo_communes(province) if c.parent_id != loc_ninh.pk)
    plan = [
        ("canbo_tinh", province, {Role.VIEW, Role.APPROVE, Role.ADMINISTER, Role.EDITOR}),
        ("canbo_huyen", loc_ninh, {Role.VIEW, Role.APPROVE}),
        ("canbo_xa", loc_thai, {Role.VIEW, Role.ENTER}),
        ("canbo_xa2", other, {Role.VIEW, Role.ENTER}),
    ]
    user_model = get_user_model()
    result = []
    for username, unit, roles in plan:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(demo_password())
        user.save()
        membership = membership_set(actor=None, user=user, unit=unit, roles=roles)
        result.append((username, unit.union_name, membership.roles_label()))
    return result


__all__ = [
    "demo_admin_ensure",
    "demo_binh_phuoc_load",
    "demo_password",
    "demo_users_ensure",
]
