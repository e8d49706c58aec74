"""The one answer to "may this user see / change this unit's data".

Every view, export, API endpoint and command that touches unit data asks here. A user sees
and changes only the subtree of their own unit (a prefix of the materialised path);
superusers see everything. A unit outside the subtree is answered with 404, as if it did
not exist: the existence of other units' data is not revealed.

Across the 2025 reorganisation a user also sees (never changes) a unit of the other structure
whose figures all come from their own subtree: every source of its `UnitMapping` rows lies
in the subtree (a 2025 commune made of three of the province's old communes). A unit whose
figures come partly from elsewhere (the 2025 Đồng Nai, made of Bình Phước and the old Đồng
Nai) stays hidden: the reorganisation page (`/to-chuc/<unit>/co-cau/<edition>/`) shows what
became of the user's units instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from phongtrao.accounts.models import Membership
from phongtrao.orgs.models import Unit, UnitMapping

NOT_FOUND = "Không tìm thấy đơn vị."


def membership_of(user: Any) -> Membership | None:
    """The user's membership (unit and roles), or None; cached on the user by Django."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        membership: Membership = user.membership
    except ObjectDoesNotExist:
        return None
    return membership


def _in_subtree(membership: Membership, unit: Unit) -> bool:
    return unit.path.startswith(membership.unit.path)


def _is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def _member_may(user: Any, unit: Unit, role: str | None) -> bool:
    """An active member whose subtree holds `unit` and who has `role` (None: any role)."""
    if _is_superuser(user):
        return True
    membership = membership_of(user)
    return bool(
        membership is not None
        and user.is_active
        and (role is None or getattr(membership, role))
        and _in_subtree(membership, unit)
    )


def _from_subtree(membership: Membership, units: Iterable[Unit]) -> set[int]:
    """The units of another structure whose figures all come from the subtree (one query)."""
    others = [u.pk for u in units if u.edition_id != membership.unit.edition_id]
    if not others:
        return set()
    inside: set[int] = set()
    outside: set[int] = set()
    rows = UnitMapping.objects.filter(target_id__in=others).values_list("target_id", "source__path")
    for target, path in rows:
        (inside if path.startswith(membership.unit.path) else outside).add(target)
    return inside - outside


def unit_may_view(user: Any, unit: Unit) -> bool:
    """Whether `user` may see the data of `unit`: own subtree, and a unit of the other
    structure whose figures all come from it; superusers everything."""
    if _member_may(user, unit, None):
        return True
    return unit.pk in units_viewable(user, [unit])


def units_viewable(user: Any, units: Iterable[Unit]) -> set[int]:
    """The ids of those of `units` whose data `user` may see (as `unit_may_view`, for a list:
    at most one query)."""
    units = list(units)
    if _is_superuser(user):
        return {u.pk for u in units}
    membership = membership_of(user)
    if membership is None or not user.is_active:
        return set()
    mine = {u.pk for u in units if _in_subtree(membership, u)}
    return mine | _from_subtree(membership, [u for u in units if u.pk not in mine])


def unit_may_change(user: Any, unit: Unit) -> bool:
    """Whether `user` may enter or correct the data of `unit` (own subtree, role nhập liệu)."""
    return _member_may(user, unit, "may_enter")


def unit_may_approve(user: Any, unit: Unit) -> bool:
    """Whether `user` may approve, return or unlock the reports of `unit`.

    Approval is the level above's: the unit must lie strictly below the user's own unit.
    """
    if _is_superuser(user):
        return True
    membership = membership_of(user)
    return _member_may(user, unit, "may_approve") and unit.pk != getattr(
        membership, "unit_id", None
    )


def unit_may_write_report(user: Any, unit: Unit) -> bool:
    """Whether `user` may write the passages and document details of `unit`'s report: the
    officers who enter its figures or approve them (a district's standing committee writes
    the district's report although communes enter the figures)."""
    return _member_may(user, unit, "may_enter") or _member_may(user, unit, "may_approve")


def unit_may_administer(user: Any, unit: Unit) -> bool:
    """Whether `user` may create accounts and set roles for `unit` (own subtree, quản trị)."""
    return _member_may(user, unit, "may_administer")


def units_administered(user: Any) -> QuerySet[Unit]:
    """Every unit whose accounts `user` administers: the subtree of an administrator (role
    quản trị), everything for a superuser, nothing for anyone else."""
    if _is_superuser(user):
        return Unit.objects.all()
    membership = membership_of(user)
    if membership is None or not user.is_active or not membership.may_administer:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=membership.unit.path)


def units_visible(user: Any) -> QuerySet[Unit]:
    """Every unit whose data `user` may see."""
    if _is_superuser(user):
        return Unit.objects.all()
    membership = membership_of(user)
    if membership is None or not user.is_active:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=membership.unit.path)


def access_unit(user: Any, unit_or_id_or_uid: Unit | int | str, *, change: bool = False) -> Unit:
    """The unit, if `user` may see it (and change it, with `change=True`).

    Accepts a Unit, its id or its uid. Raises Http404 for a unit that does not exist or lies
    outside the user's subtree, and PermissionDenied (403) for a visible unit the user may
    not change.
    """
    unit: Unit | None
    if isinstance(unit_or_id_or_uid, Unit):
        unit = unit_or_id_or_uid
    elif isinstance(unit_or_id_or_uid, int):
        unit = Unit.objects.filter(pk=unit_or_id_or_uid).select_related("edition").first()
    elif "\x00" in unit_or_id_or_uid:  # no uid holds one (PostgreSQL refuses it in a query)
        unit = None
    else:
        unit = Unit.objects.filter(uid=unit_or_id_or_uid).select_related("edition").first()
    if unit is None or not unit_may_view(user, unit):
        raise Http404(NOT_FOUND)
    if change and not unit_may_change(user, unit):
        raise PermissionDenied("Bạn không có quyền nhập hoặc sửa số liệu của đơn vị này.")
    return unit


__all__ = [
    "access_unit",
    "membership_of",
    "unit_may_administer",
    "unit_may_approve",
    "unit_may_change",
    "unit_may_view",
    "unit_may_write_report",
    "units_administered",
    "units_viewable",
    "units_visible",
]
