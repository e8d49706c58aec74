"""Sending the e-mails of notifications (run by `tasks.mail_send_task` in a worker)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from phongtrao.notifications.models import Notification

logger = logging.getLogger(__name__)


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def mail_send(*, notification_ids: list[int]) -> int:
    """Send the e-mails of these notifications (those not sent yet); the number sent.
    A mail server's failure is logged and raised (the task fails; the rows stay unsent)."""
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, emailed=False).select_related("user")
    )
    messages = []
    for row in rows:
        body = (
            row.body
            + ("\n\n" if row.body else "")
            + (f"Xem: {_absolute(row.url)}\n" if row.url else "")
        )
        body += "\n-- \nHệ thống báo cáo phong trào. Bật, tắt thư theo loại tại trang Tài khoản."
        messages.append(EmailMessage(subject=row.title, body=body, to=[row.user.email]))
    if not messages:
        return 0
    try:
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except OSError:
        logger.exception("Gửi thư thông báo không được")
        raise
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed=True)
    return sent


__all__ = ["mail_send"]
