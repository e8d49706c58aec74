"""Writing notifications: the workflow's services call `notify` for their event.

A notification is a row for the bell and, unless the user turned that kind off, an e-mail
through Django's mail framework (SMTP from the environment). The mail is a task on the queue
(`notifications.tasks.mail_send_task`), written in the step's own transaction: a rolled-back
step tells nobody, and the request never waits for the mail server. A mail server that is down
never undoes the step: the row stays, `emailed` stays false, the task fails and is logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from phongtrao.accounts.access import units_administered
from phongtrao.accounts.models import Membership
from phongtrao.actors import Actor
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.notifications.models import EmailPreference, Kind, Notification
from phongtrao.notifications.tasks import mail_send_task
from phongtrao.orgs.models import Unit


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: Kind,
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    exclude: Any = None,
) -> list[Notification]:
    """Tell each recipient (users; `exclude`, the actor, left out) about one event: a row for
    the bell and, unless they turned the kind off, an e-mail queued in the same transaction.
    With `key`, a user already told under that key is not told again (scheduled runs)."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if exclude is not None:
        users.pop(getattr(exclude, "pk", None), None)
    if key:
        told = set(
            Notification.objects.filter(user_id__in=list(users), key=key).values_list(
                "user_id", flat=True
            )
        )
        for pk in told:
            users.pop(pk, None)
    if not users:
        return []
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user_id=pk,
                kind=kind,
                title=title[:255],
                body=body,
                url=url,
                key=key,
                created_at=now,
            )
            for pk in users
        ]
    )
    off = set(
        EmailPreference.objects.filter(user_id__in=list(users), kind=kind, email=False).values_list(
            "user_id", flat=True
        )
    )
    to_mail = [r.pk for r in rows if r.user_id not in off and users[r.user_id].email]
    if to_mail:
        mail_send_task.enqueue(notification_ids=to_mail)
    return rows


def members_with(units: Iterable[Unit], flag: str) -> QuerySet[Any]:
    """The active users of these units who have the role `flag` (a Membership field)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True,
        membership__unit__in=[u.pk for u in units],
        **{f"membership__{flag}": True},
    )


def editors() -> QuerySet[Any]:
    """The active users who edit the portal (role biên tập)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, membership__is_editor=True)


def approvers_above(unit: Unit) -> list[Any]:
    """The approvers of the nearest unit above `unit` that has any (the level above)."""
    rows = list(
        Membership.objects.filter(
            unit_id__in=unit.ancestor_ids, may_approve=True, user__is_active=True
        ).select_related("user", "unit")
    )
    if not rows:
        return []
    nearest = max(len(r.unit.path) for r in rows)
    return [r.user for r in rows if len(r.unit.path) == nearest]


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them without `ids`); how many changed."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


@transaction.atomic
def email_preferences_set(*, user: Any, email_on: set[str]) -> None:
    """Keep e-mail on for the kinds in `email_on`, off for the others."""
    for kind in Kind:
        EmailPreference.objects.update_or_create(
            user=user, kind=kind.value, defaults={"email": kind.value in email_on}
        )


def mails_failed(viewer: Any) -> QuerySet[Notification]:
    """The notifications whose e-mail failed and is still unsent, to users of the units
    `viewer` administers (every one for a superuser), the latest failure first."""
    rows = Notification.objects.filter(mail_failed_at__isnull=False, emailed=False)
    if not getattr(viewer, "is_superuser", False):
        rows = rows.filter(user__membership__unit__in=units_administered(viewer))
    return rows.select_related("user", "user__membership__unit").order_by("-mail_failed_at", "-pk")


@transaction.atomic
def mails_resend(*, actor: Actor, ids: Iterable[int] | None = None) -> int:
    """Queue the failed e-mails again (those of `ids`, or all) that `actor` may see on
    "Thư không gửi được"; audited. The task sends only what is still unsent. How many."""
    rows = mails_failed(actor)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    chosen = list(rows.values_list("pk", "user__username"))
    if not chosen:
        return 0
    pks = [pk for pk, _ in chosen]
    Notification.objects.filter(pk__in=pks).update(mail_resent_at=timezone.now())
    mail_send_task.enqueue(notification_ids=pks)
    audit_log(
        user=actor,
        action=AuditAction.MAIL_RESEND,
        target=f"{len(pks)} thư thông báo",
        detail="Người nhận: " + ", ".join(sorted({name for _, name in chosen})),
    )
    return len(pks)


def unread_count(user: Any) -> int:
    """How many notifications the user has not read (the bell's number)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


__all__ = [
    "approvers_above",
    "editors",
    "email_preferences_set",
    "mails_failed",
    "mails_resend",
    "members_with",
    "notifications_mark_read",
    "notify",
    "unread_count",
]
