"""What officers set for their reports: document details per unit, the yearly register of
report numbers, and the qualitative passages of a unit's report for a period (with history).

The figures of a report are never stored here: they are read fresh from `analytics` each time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from phongtrao.orgs.models import Unit


class DocumentSettings(models.Model):
    """How a unit's reports are headed and signed (Nghị định 30/2020, Phụ lục I).

    Blank fields fall back to what the unit's level gives ("BAN THƯỜNG VỤ", "CHỦ TỊCH"...).
    """

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="document_settings", verbose_name="đơn vị"
    )
    parent_line = models.CharField(
        "tên cơ quan cấp trên", max_length=200, blank=True, help_text="ví dụ: HỘI LHPN VIỆT NAM"
    )
    issuer_line = models.CharField(
        "tên cơ quan ban hành",
        max_length=200,
        blank=True,
        help_text="ví dụ: BAN THƯỜNG VỤ HỘI LHPN TỈNH BÌNH PHƯỚC",
    )
    number_suffix = models.CharField(
        "ký hiệu văn bản", max_length=30, blank=True, help_text="ví dụ: BC-HPN"
    )
    place = models.CharField("địa danh", max_length=100, blank=True, help_text="ví dụ: Bình Phước")
    signer_role = models.CharField(
        "quyền hạn ký", max_length=100, blank=True, help_text="ví dụ: TM. BAN THƯỜNG VỤ"
    )
    signer_title = models.CharField(
        "chức vụ người ký", max_length=100, blank=True, help_text="ví dụ: CHỦ TỊCH"
    )
    signer_name = models.CharField("họ tên người ký", max_length=100, blank=True)
    recipients = models.TextField(
        "nơi nhận",
        blank=True,
        help_text="mỗi dòng một nơi nhận, ví dụ: Trung ương Hội LHPN Việt Nam;",
    )
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "thông tin văn bản báo cáo"
        verbose_name_plural = "thông tin văn bản báo cáo"

    def __str__(self) -> str:
        return f"Thông tin văn bản của {self.unit}"


class ReportNumber(models.Model):
    """One entry of a unit's yearly register of reports: "12/BC-HPN" for 2023's report."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("năm")
    number = models.PositiveIntegerField("số")
    period_code = models.CharField("kỳ báo cáo", max_length=20)
    suffix = models.CharField("ký hiệu", max_length=30)
    created_at = models.DateTimeField("cấp lúc", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "số báo cáo"
        verbose_name_plural = "sổ đăng ký số báo cáo"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"], name="report_number_unique_in_year"
            ),
            models.UniqueConstraint(
                fields=["unit", "period_code"], name="report_number_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:02d}/{self.suffix}"


class Part(models.TextChoices):
    """The passages officers write; RESULTS_n sit inside section I after its n-th part."""

    INTRO = "intro", "Mở đầu phần I"
    RESULTS_1 = "results_1", "I.1 (lời văn thêm)"
    RESULTS_2 = "results_2", "I.2 (lời văn thêm)"
    RESULTS_3 = "results_3", "I.3 (lời văn thêm)"
    RESULTS_4 = "results_4", "I.4 (lời văn thêm)"
    RESULTS_5 = "results_5", "I.5 (lời văn thêm)"
    STRENGTHS = "strengths", "Ưu điểm"
    WEAKNESSES = "weaknesses", "Hạn chế, khuyết điểm"
    CAUSES = "causes", "Nguyên nhân"
    DIRECTIONS = "directions", "Phương hướng, nhiệm vụ kỳ tới"
    PROPOSALS = "proposals", "Đề xuất, kiến nghị"


class ReportText(models.Model):
    """A passage of a unit's report for a period, as last saved; every save is also kept in
    `ReportTextRevision`. `version` guards against two officers saving over each other."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period_code = models.CharField("kỳ báo cáo", max_length=20)
    part = models.CharField("phần", max_length=20, choices=Part.choices)
    text = models.TextField("nội dung", blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "lời văn báo cáo"
        verbose_name_plural = "lời văn báo cáo"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period_code", "part"], name="report_text_unique_part"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_code} {self.part}"


class ReportTextRevision(models.Model):
    """One save of a passage: who, when, what it said before and after. Only ever added."""

    report_text = models.ForeignKey(ReportText, on_delete=models.CASCADE, related_name="revisions")
    old_text = models.TextField(blank=True)
    new_text = models.TextField(blank=True)
    at = models.DateTimeField("lúc", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "lịch sử lời văn báo cáo"
        verbose_name_plural = "lịch sử lời văn báo cáo"

    def __str__(self) -> str:
        return f"{self.report_text} ({self.at:%d/%m/%Y %H:%M})"
