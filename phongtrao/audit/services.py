"""The one write of the audit log."""

from __future__ import annotations

from phongtrao.actors import Actor, SystemActor, person
from phongtrao.audit.models import AuditAction, AuditLog


def audit_log(
    *,
    user: Actor | None,
    action: AuditAction | str,
    target: object = "",
    detail: str = "",
    username: str = "",
    ip_address: str | None = None,
) -> AuditLog:
    """Record one security-relevant action (login, approval, unlock, role change...).

    `user`: who acted; the system (`SystemActor`) is recorded by its name; None or an
    anonymous user (a failed login) by `username` alone.
    """
    if isinstance(user, SystemActor):
        username = username or str(user)
    who = person(user) if user is not None else None
    if not username and who is not None:
        username = who.get_username()
    return AuditLog.objects.create(
        user=who,
        username=username[:150],
        action=action,
        target=str(target)[:255],
        detail=detail,
        ip_address=ip_address or None,
    )
