"""The security audit log: who did what, when, from where. Rows are only ever added."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    """Every action an audit row names: the security log's and a value's history's."""

    # What happened to one value (`data.DataValueAudit`, see VALUE_CHANGES).
    CREATE = "create", "Nhập mới"
    UPDATE = "update", "Sửa"
    DELETE = "delete", "Xóa"
    # The security log (`AuditLog`).
    LOGIN = "login", "Đăng nhập"
    LOGIN_FAILED = "login_failed", "Đăng nhập sai"
    LOCKED_OUT = "locked_out", "Bị khóa đăng nhập tạm thời"
    LOGOUT = "logout", "Đăng xuất"
    ROLE_CHANGE = "role_change", "Thay đổi quyền"
    SUBMIT = "submit", "Gửi báo cáo"
    APPROVE = "approve", "Duyệt báo cáo"
    RETURN = "return", "Trả lại báo cáo"
    UNLOCK = "unlock", "Mở khóa báo cáo"
    UNIT_MERGE = "unit_merge", "Sáp nhập đơn vị"
    UNIT_SPLIT = "unit_split", "Chia tách đơn vị"
    PASSWORD_CHANGE = "password_change", "Đổi mật khẩu"
    PASSWORD_RESET = "password_reset", "Cấp trên đặt lại mật khẩu"
    SESSIONS_END = "sessions_end", "Đăng xuất mọi phiên"
    REMIND = "remind", "Nhắc nộp báo cáo"
    LOCKOUT_LIFT = "lockout_lift", "Cấp trên mở khóa đăng nhập"
    EMULATION_SETUP = "emulation_setup", "Thiết lập thi đua"
    ASSESSMENT_START = "assessment_start", "Bắt đầu chấm điểm thi đua"
    SELF_SCORE = "self_score", "Tự chấm điểm thi đua"
    ASSESSMENT_SUBMIT = "assessment_submit", "Gửi bản tự chấm thi đua"
    ASSESSMENT_CHECK = "assessment_check", "Cấp trên chấm điểm thi đua"
    ASSESSMENT_RETURN = "assessment_return", "Trả lại bản tự chấm thi đua"
    RESULTS_CONFIRM = "results_confirm", "Hội đồng xét kết quả thi đua"
    RESULTS_PUBLISH = "results_publish", "Công bố kết quả thi đua"
    RESULTS_CORRECT = "results_correct", "Điều chỉnh kết quả thi đua"
    AWARD_PROPOSE = "award_propose", "Lập đề nghị khen thưởng"
    AWARD_DECIDE = "award_decide", "Ban hành quyết định khen thưởng"
    TWO_FACTOR_ON = "two_factor_on", "Bật xác thực hai bước"
    TWO_FACTOR_OFF = "two_factor_off", "Tắt xác thực hai bước"
    ATTRIBUTE_SET = "attribute_set", "Đặt giá trị thuộc tính"
    MAIL_RESEND = "mail_resend", "Gửi lại thư thông báo"


#: The choices of a value's history (`data.DataValueAudit.action`).
VALUE_CHANGES = [
    (action.value, action.label)
    for action in (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE)
]


class AuditLog(models.Model):
    """One security-relevant action. Rows are only ever added."""

    at = models.DateTimeField("lúc", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người thực hiện",
    )
    # Kept as typed: a failed login names a user who may not exist.
    username = models.CharField("tên đăng nhập", max_length=150, blank=True)
    action = models.CharField("thao tác", max_length=20, choices=AuditAction.choices)
    target = models.CharField("đối tượng", max_length=255, blank=True)
    detail = models.TextField("chi tiết", blank=True)
    ip_address = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)

    class Meta:
        # Moved from accounts with its rows (audit/0001): the table keeps its name.
        db_table = "accounts_auditlog"
        ordering = ["-at", "-id"]
        verbose_name = "nhật ký an ninh"
        verbose_name_plural = "nhật ký an ninh"

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {self.get_action_display()}"
