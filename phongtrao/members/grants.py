"""Who above the commune may read members' records: granting and revoking, audited.

Officers of a district, a province or the centre see the registry's counts only. An
administrator (quản trị) of a unit may grant one of its officers the right to read the
records of her subtree, for a stated purpose (Nghị định 13/2023/NĐ-CP: processing is tied
to a purpose), and take it back. Both are written to the audit log with who, whom and why.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from phongtrao.accounts.access import membership_of, unit_may_administer
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.members.access import Actor, actor_name
from phongtrao.members.models import RecordsGrant
from phongtrao.orgs.models import Level

NOT_ADMIN = "Chỉ người quản trị của đơn vị mới cấp hoặc thu hồi quyền xem hồ sơ hội viên."


def _grantee_check(actor: Actor, user: Any) -> None:
    membership = membership_of(user)
    if membership is None or not unit_may_administer(actor, membership.unit):
        raise PermissionDenied(NOT_ADMIN)
    if membership.unit.level >= Level.COMMUNE:
        raise ValidationError(
            "Cán bộ cấp cơ sở trở xuống đã được xem hồ sơ hội viên của đơn vị mình; "
            "không cần cấp quyền."
        )


@transaction.atomic
def records_grant(*, actor: Actor, user: Any, purpose: str) -> RecordsGrant:
    """Let `user` (an officer above the commune) read the member records of her subtree."""
    _grantee_check(actor, user)
    purpose = purpose.strip()
    if not purpose:
        raise ValidationError({"purpose": "Cần ghi mục đích được xem hồ sơ hội viên."})
    grant, _ = RecordsGrant.objects.update_or_create(
        user=user, defaults={"purpose": purpose[:255], "granted_by": actor_name(actor)[:150]}
    )
    audit_log(
        user=actor,
        action=AuditAction.ROLE_CHANGE,
        target=user,
        detail=f"Cấp quyền xem hồ sơ hội viên cho {user.get_username()}. Mục đích: {purpose}",
    )
    return grant


@transaction.atomic
def records_revoke(*, actor: Actor, user: Any, reason: str) -> None:
    """Take back `user`'s right to read member records."""
    _grantee_check(actor, user)
    deleted, _ = RecordsGrant.objects.filter(user=user).delete()
    if not deleted:
        raise ValidationError("Tài khoản này không có quyền xem hồ sơ hội viên.")
    audit_log(
        user=actor,
        action=AuditAction.ROLE_CHANGE,
        target=user,
        detail=f"Thu hồi quyền xem hồ sơ hội viên của {user.get_username()}. "
        f"Lý do: {reason.strip() or 'không ghi'}",
    )


def grants_of(actor: Actor) -> QuerySet[RecordsGrant]:
    """The grants held by officers of the actor's subtree, for the page."""
    membership = membership_of(actor)
    rows = RecordsGrant.objects.select_related("user", "user__membership__unit").order_by(
        "user__username"
    )
    if getattr(actor, "is_superuser", False):
        return rows
    if membership is None:
        return rows.none()
    return rows.filter(user__membership__unit__path__startswith=membership.unit.path)


__all__ = ["NOT_ADMIN", "grants_of", "records_grant", "records_revoke"]
