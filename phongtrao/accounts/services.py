"""Writes of accounts: memberships and roles (each written to the audit log)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped]

from phongtrao.accounts.access import unit_may_administer
from phongtrao.accounts.models import ROLE_FIELDS, Membership, Role
from phongtrao.actors import Actor, is_system, person
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.orgs.models import Unit


@transaction.atomic
def membership_set(*, actor: Actor, user: User, unit: Unit, roles: Iterable[Role]) -> Membership:
    """Put `user` in `unit` with exactly `roles`; audited as a role change.

    `actor` must administer `unit`, or be the system (e.g. the demo loader).
    """
    if not is_system(actor) and not unit_may_administer(actor, unit):
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
    *, actor: Actor, username: str, password: str, unit: Unit, roles: Iterable[Role]
) -> User:
    """A new account in `unit` (below the actor's, for an administrator), password hashed."""
    if not is_system(actor) and not unit_may_administer(actor, unit):
        raise PermissionDenied("Bạn không quản trị đơn vị này.")
    user = get_user_model().objects.create_user(username=username, password=password)
    membership_set(actor=actor, user=user, unit=unit, roles=roles)
    return user


def sessions_end_all(*, actor: Actor, user: User, keep_session_key: str = "") -> int:
    """End every session of `user` (but `keep_session_key`, the one asking); audited.

    Sessions live in the database (Django's default engine): each open one is read once,
    which is cheap at an organisation's scale of sessions open at a time.
    """
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if (
            str(data.get("_auth_user_id")) == str(user.pk)
            and session.session_key != keep_session_key
        ):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    audit_log(
        user=actor,
        action=AuditAction.SESSIONS_END,
        target=f"người dùng {user.get_username()}",
        detail=f"{len(ended)} phiên",
    )
    return len(ended)


@transaction.atomic
def password_reset_by_above(*, actor: Actor, user: User) -> str:
    """A new temporary password for a member of a unit strictly below the actor's, who must
    administer it; the user's sessions end. Returns the password, to hand over once."""
    membership = _may_act_from_above(actor, user)
    if membership is None:
        raise PermissionDenied("Chỉ cấp trên quản trị đơn vị mới đặt lại được mật khẩu này.")
    password = _random_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log(
        user=actor,
        action=AuditAction.PASSWORD_RESET,
        target=f"người dùng {user.get_username()}",
        detail=f"đơn vị {membership.unit.name}",
    )
    sessions_end_all(actor=actor, user=user)
    return password


def _may_act_from_above(actor: Actor, user: User) -> Membership | None:
    """The user's membership if `actor` administers a unit strictly above it (or is a
    superuser) and is not `user`; None otherwise."""
    membership = Membership.objects.filter(user=user).select_related("unit").first()
    own = getattr(getattr(actor, "membership", None), "unit_id", None)
    if (
        membership is None
        or not unit_may_administer(actor, membership.unit)
        or (membership.unit_id == own and not getattr(actor, "is_superuser", False))
        or user.pk == getattr(actor, "pk", None)
    ):
        return None
    return membership


@transaction.atomic
def lockout_lift(*, actor: Actor, user: User) -> int:
    """Lift the sign-in lockout of `user`: django-axes' failed attempts for the user name, from
    every address (so both the per name and the per name + IP counts), are reset. Allowed to a
    superuser or to an administrator of a unit strictly above the user's; audited. Returns the
    number of attempt records removed."""
    from axes.utils import reset

    membership = _may_act_from_above(actor, user)
    if membership is None and not (
        getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False)
    ):
        raise PermissionDenied("Chỉ cấp trên quản trị đơn vị mới mở khóa được tài khoản này.")
    removed = reset(username=user.get_username())
    audit_log(
        user=actor,
        action=AuditAction.LOCKOUT_LIFT,
        target=f"người dùng {user.get_username()}",
        detail=(
            f"{removed} lượt đăng nhập sai được xóa"
            + ("" if membership is None else f"; đơn vị {membership.unit.name}")
        ),
    )
    return int(removed)


def sign_in_failures(usernames: Iterable[str]) -> dict[str, int]:
    """Failed sign-ins django-axes still counts, per user name (every address summed)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames))
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {row["username"]: int(row["failures"] or 0) for row in rows}


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's authenticator device being set up (a new secret, unconfirmed until a code
    from it is given); an earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm the device with a code it shows (the one confirmed device; older ones go);
    audited. False, and nothing changed, when the code is wrong."""
    if device.user_id != user.pk or not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_log(user=user, action=AuditAction.TWO_FACTOR_ON, target=f"người dùng {user.username}")
    return True


@transaction.atomic
def totp_device_remove(*, actor: Actor, user: User) -> int:
    """Turn two-factor sign-in off for `user`: by themselves, or by the level above when
    the phone is lost (as for a password reset); audited. How many devices went."""
    if person(actor) != user and _may_act_from_above(actor, user) is None:
        raise PermissionDenied("Chỉ cấp trên quản trị đơn vị mới tắt được xác thực hai bước này.")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_log(user=actor, action=AuditAction.TWO_FACTOR_OFF, target=f"người dùng {user.username}")
    return int(removed)


def _random_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
