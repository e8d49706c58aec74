"""Writes of accounts: memberships and roles, and the security audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from phongtrao.accounts.access import unit_may_administer
from phongtrao.accounts.models import ROLE_FIELDS, AuditAction, AuditLog, Membership, Role
from phongtrao.orgs.models import Unit


def audit_log(
    *,
    user: Any,
    action: AuditAction | str,
    target: object = "",
    detail: str = "",
    username: str = "",
    ip_address: str | None = None,
) -> AuditLog:
    """Record one security-relevant action (login, approval, unlock, role change...)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if not username and user is not None:
        username = user.get_username()
    return AuditLog.objects.create(
        user=user,
        username=username[:150],
        action=action,
        target=str(target)[:255],
        detail=detail,
        ip_address=ip_address or None,
    )


@transaction.atomic
def membership_set(*, actor: Any, user: User, unit: Unit, roles: Iterable[Role]) -> Membership:
    """Put `user` in `unit` with exactly `roles`; audited as a role change.

    `actor` must administer `unit` (None: the system, e.g. the demo loader).
    """
    if actor is not None and not unit_may_administer(actor, unit):
        raise PermissionDenied("Bạn không quản trị đơn vị này.")
    wanted = set(roles)
    flags = {field: role in wanted for role, field in ROLE_FIELDS.items()}
    membership = Membership.objects.filter(user=user).select_related("unit").first()
    before = "" if membership is None else f"{membership.unit.name}: {membership.roles_label()}"
    if membership is None:
        membership = Membership.objects.create(user=user, unit=unit, **flags)
    else:
        membership.unit = unit
        for field, on in flags.items():
            setattr(membership, field, on)
        membership.save()
    after = f"{unit.name}: {membership.roles_label()}"
    if before != after:
        audit_log(
            user=actor,
            action=AuditAction.ROLE_CHANGE,
            target=f"người dùng {user.get_username()}",
            detail=f"{before or '(chưa có)'} → {after}",
        )
    return membership


@transaction.atomic
def account_create(
    *, actor: Any, username: str, password: str, unit: Unit, roles: Iterable[Role]
) -> User:
    """A new account in `unit` (below the actor's, for an administrator), password hashed."""
    if actor is not None and not unit_may_administer(actor, unit):
        raise PermissionDenied("Bạn không quản trị đơn vị này.")
    user = get_user_model().objects.create_user(username=username, password=password)
    membership_set(actor=actor, user=user, unit=unit, roles=roles)
    return user
