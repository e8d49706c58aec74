"""Login events into the audit log; logging only, no other logic."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_log(user=user, action=AuditAction.LOGIN, ip_address=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(user=user, action=AuditAction.LOGOUT, ip_address=_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_log(
        user=None,
        action=AuditAction.LOGIN_FAILED,
        username=str(credentials.get("username", "")),
        ip_address=_ip(request),
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    audit_log(
        user=None,
        action=AuditAction.LOCKED_OUT,
        username=username or "",
        ip_address=kwargs.get("ip_address") or _ip(request),
    )
