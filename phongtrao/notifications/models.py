"""What the system tells a user: in the app (the bell) and, if they keep it on, by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    SUBMITTED = "submitted", "Đơn vị cấp dưới gửi báo cáo"
    RETURNED = "returned", "Báo cáo bị trả lại"
    APPROVED = "approved", "Báo cáo được duyệt"
    UNLOCKED = "unlocked", "Báo cáo được mở khóa"
    REMINDER = "reminder", "Cấp trên nhắc nộp báo cáo"
    DEADLINE = "deadline", "Sắp đến hạn nộp báo cáo"
    COMMENT = "comment", "Bình luận chờ duyệt"
    EMULATION = "emulation", "Bước thi đua chờ xử lý"


class Notification(models.Model):
    """One message to one user; `key` makes a scheduled message idempotent per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="người nhận",
    )
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    title = models.CharField("tiêu đề", max_length=255)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField("liên kết", max_length=500, blank=True)
    key = models.CharField("khóa", max_length=200, blank=True)
    created_at = models.DateTimeField("lúc", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("đã đọc lúc", null=True, blank=True)
    emailed = models.BooleanField("đã gửi thư", default=False)
    # The last failed attempt to mail it (the mail server down or refusing), and why;
    # cleared when a later attempt succeeds. `mail_resent_at`: when someone asked again.
    mail_failed_at = models.DateTimeField("gửi thư lỗi lúc", null=True, blank=True)
    mail_error = models.CharField("lý do gửi thư lỗi", max_length=500, blank=True, default="")
    mail_resent_at = models.DateTimeField("gửi lại thư lúc", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["mail_failed_at"],
                condition=models.Q(mail_failed_at__isnull=False),
                name="notification_mail_failed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key=""),
                name="notification_unique_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class EmailPreference(models.Model):
    """A user's choice for one kind: e-mail on (the default, no row) or off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="người dùng",
    )
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    email = models.BooleanField("gửi thư", default=True)

    class Meta:
        verbose_name = "lựa chọn nhận thư"
        verbose_name_plural = "lựa chọn nhận thư"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="emailpreference_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.email}"
