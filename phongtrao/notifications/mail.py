"""Sending the e-mails of notifications (run by `tasks.mail_send_task` in a worker).

A mail server that is down or refuses leaves each row unsent with the time and the reason
(`mail_failed_at`, `mail_error`): the page "Thư không gửi được" lists them for the
administrators of the recipients' units, and "Gửi lại" queues the same task again. Sending
is idempotent: a row already sent is never sent twice.
"""

from __future__ import annotations

import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from phongtrao.notifications.models import Notification

logger = logging.getLogger(__name__)

ERROR_MAX = 500


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def mail_error_text(exc: BaseException) -> str:
    """Why a mail was not sent, in Vietnamese first, then the server's own words."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reason = "Máy chủ thư từ chối địa chỉ người nhận"
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        reason = "Máy chủ thư từ chối địa chỉ gửi"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        reason = "Máy chủ thư từ chối đăng nhập (tên hoặc mật khẩu SMTP sai)"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "Không kết nối được máy chủ thư (máy chủ không chạy hoặc sai cổng)"
    elif isinstance(exc, TimeoutError):
        reason = "Máy chủ thư không trả lời (hết thời gian chờ)"
    elif isinstance(exc, socket.gaierror):
        reason = "Không tìm thấy máy chủ thư (sai tên máy)"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        reason = "Máy chủ thư ngắt kết nối"
    else:
        reason = "Lỗi khi gửi thư"
    detail = str(exc).strip() or type(exc).__name__
    return f"{reason}: {detail}"[:ERROR_MAX]


def mail_send(*, notification_ids: list[int]) -> int:
    """Send the e-mails of these notifications (those not sent yet); the number sent.
    A mail server's failure is recorded on the rows, logged and raised (the task fails)."""
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
    ids = [r.pk for r in rows]
    try:
        with get_connection() as connection:
            sent = connection.send_messages(messages) or 0
    except OSError as exc:
        logger.exception("Gửi thư thông báo không được")
        Notification.objects.filter(pk__in=ids, emailed=False).update(
            mail_failed_at=timezone.now(), mail_error=mail_error_text(exc)
        )
        raise
    Notification.objects.filter(pk__in=ids).update(emailed=True, mail_failed_at=None, mail_error="")
    return sent


__all__ = ["mail_error_text", "mail_send"]
