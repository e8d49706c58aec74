"""Setting up the demonstration installation."""

from __future__ import annotations

import datetime as dt
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import DEMO

# The Bình Phước data set lives in its own module; it is a demo service too.
from phongtrao.demo.binh_phuoc import (
    REPORT_DAY,
    demo_binh_phuoc_load,
    demo_communes,
    demo_province,
)
from phongtrao.orgs.models import Level, Succession, Unit
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
DONG_NAI_CODE = "75"
NEW_STRUCTURE_DAY = dt.date(2025, 7, 1)


def demo_new_commune() -> Unit:
    """The 2025 commune union that took most of Lộc Thái (the 2025 structure's commune of
    the demo, where `canbo_xa_moi` enters the open period)."""
    loc_thai = unit_resolve(LOC_THAI_CODE, REPORT_DAY)
    succession = (
        Succession.objects.filter(predecessor=loc_thai, successor__level=Level.COMMUNE)
        .select_related("successor")
        .order_by("-weight", "successor__code")
        .first()
    )
    if succession is None:
        raise LookupError("Chưa có cơ cấu 2025 của xã Lộc Thái: chạy manage.py load_admin_units.")
    return succession.successor


@transaction.atomic
def demo_users_ensure() -> list[tuple[str, str, str]]:
    """The demo officers, each in their unit with their roles.

    On the pre-2025 structure (Bình Phước, 2021-2023): canbo_tinh (province: duyệt, quản
    trị, biên tập cổng thông tin), canbo_huyen (Lộc Ninh district: duyệt), canbo_xa (Lộc
    Thái commune: nhập liệu), canbo_xa2 (a commune of another district: nhập liệu). On the
    2025 structure (Đồng Nai, the open period): canbo_dongnai (province: nhập liệu, duyệt,
    quản trị; merges and splits the communes) and canbo_xa_moi (the commune that took Lộc
    Thái: nhập liệu). Passwords are reset to DEMO_PASSWORD. Returns (username, unit,
    roles). Needs the units (`load_admin_units`).
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
        (
            "canbo_dongnai",
            unit_resolve(DONG_NAI_CODE, NEW_STRUCTURE_DAY),
            {Role.VIEW, Role.ENTER, Role.APPROVE, Role.ADMINISTER},
        ),
        ("canbo_xa_moi", demo_new_commune(), {Role.VIEW, Role.ENTER}),
    ]
    user_model = get_user_model()
    result = []
    for username, unit, roles in plan:
        user, _ = user_model.objects.get_or_create(username=username)
        user.set_password(demo_password())
        user.save()
        membership = membership_set(actor=DEMO, user=user, unit=unit, roles=roles)
        result.append((username, unit.union_name, membership.roles_label()))
    return result


__all__ = [
    "demo_admin_ensure",
    "demo_binh_phuoc_load",
    "demo_new_commune",
    "demo_password",
    "demo_users_ensure",
]
