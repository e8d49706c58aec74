"""Periods, data values with their full history, targets and validation rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from phongtrao.audit.models import VALUE_CHANGES
from phongtrao.catalog.models import Indicator
from phongtrao.orgs.models import Unit


class Period(models.Model):
    """A reporting period stored once per code (DHIS2 keeps a period table too)."""

    code = models.CharField("mã kỳ", max_length=20, unique=True)
    period_type = models.CharField("loại kỳ", max_length=30)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")

    class Meta:
        ordering = ["start", "end"]
        verbose_name = "kỳ báo cáo"
        verbose_name_plural = "kỳ báo cáo"
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return self.code


class DataValue(models.Model):
    """The current value of (indicator, unit, period); every change is in DataValueAudit."""

    # The unique key (unit, indicator, period) is the index: no index per foreign key on
    # the largest table, which would slow every import and serve no query.
    # The database checks the unit and the indicator of every value written (both can be
    # deleted in the admin: the check stops a deletion racing an import). On PostgreSQL
    # triggers do it once per statement (migration 0006), in place of the constraints, which
    # PostgreSQL checks one row at a time (a second per 200,000 values imported); SQLite
    # keeps the constraints. It does not check the period nor `updated_by`: for the same
    # cost (docs/benchmarks/exchange.md, issue 18), neither would protect anything: periods
    # are only ever added (read-only in the admin, written by `period_rows`), and a user's
    # deletion sets `updated_by` to NULL in Django (on_delete), constraint or not; the audit
    # rows already work so.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, verbose_name="chỉ tiêu", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="đơn vị", db_index=False)
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, verbose_name="kỳ", db_index=False, db_constraint=False
    )
    value = models.DecimalField("giá trị", max_digits=24, decimal_places=4)
    comment = models.TextField("ghi chú", blank=True)
    follow_up = models.BooleanField("cần theo dõi", default=False)
    # Raised by one on every change: a save that names an older version is a conflict.
    version = models.PositiveIntegerField("phiên bản", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    updated_at = models.DateTimeField("cập nhật lúc")

    class Meta:
        verbose_name = "số liệu"
        verbose_name_plural = "số liệu"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "period"], name="datavalue_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_id} = {self.value}"


class DataValueAudit(models.Model):
    """One change to a value: who, when, old, new. Rows are only ever added."""

    # Rows copy the keys of a value the database has just checked, and are never updated:
    # no foreign-key constraints, which would double the cost of every import.
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, db_index=False, db_constraint=False)
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    action = models.CharField("thao tác", max_length=10, choices=VALUE_CHANGES)
    old_value = models.DecimalField(
        "giá trị cũ", null=True, blank=True, max_digits=24, decimal_places=4
    )
    new_value = models.DecimalField(
        "giá trị mới", null=True, blank=True, max_digits=24, decimal_places=4
    )
    version = models.PositiveIntegerField("phiên bản sau thay đổi")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField("lúc")
    source = models.CharField("nguồn", max_length=30, default="web")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "lịch sử số liệu"
        verbose_name_plural = "lịch sử số liệu"
        indexes = [models.Index(fields=["unit", "indicator", "period"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.old_value} → {self.new_value}"


class Target(models.Model):
    """A target (chỉ tiêu giao/đăng ký) for a period, or for a multi-year phase."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, verbose_name="chỉ tiêu")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="đơn vị")
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, verbose_name="kỳ"
    )
    phase = models.CharField("giai đoạn", max_length=9, blank=True, help_text="ví dụ 2021-2025")
    value = models.DecimalField("chỉ tiêu", max_digits=24, decimal_places=4)
    note = models.CharField("căn cứ", max_length=255, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "chỉ tiêu giao"
        verbose_name_plural = "chỉ tiêu giao"
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period"],
                condition=models.Q(period__isnull=False),
                name="target_unique_period",
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "phase"],
                condition=models.Q(period__isnull=True),
                name="target_unique_phase",
            ),
            models.CheckConstraint(
                condition=(models.Q(period__isnull=False) & models.Q(phase=""))
                | (models.Q(period__isnull=True) & ~models.Q(phase="")),
                name="target_period_xor_phase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_id or self.phase} = {self.value}"


class Operator(models.TextChoices):
    LE = "<=", "nhỏ hơn hoặc bằng"
    LT = "<", "nhỏ hơn"
    EQ = "==", "bằng"
    NE = "!=", "khác"
    GE = ">=", "lớn hơn hoặc bằng"
    GT = ">", "lớn hơn"


class MissingValueStrategy(models.TextChoices):
    SKIP_IF_ANY_MISSING = "SKIP_IF_ANY_VALUE_MISSING", "Bỏ qua nếu thiếu bất kỳ giá trị nào"
    SKIP_IF_ALL_MISSING = "SKIP_IF_ALL_VALUES_MISSING", "Bỏ qua nếu thiếu tất cả giá trị"
    NEVER_SKIP = "NEVER_SKIP", "Luôn kiểm tra (thiếu coi là 0)"


class ValidationRule(models.Model):
    """A rule across indicators or periods, kept as data.

    Each side is an expression over indicator codes; `CODE[-1]` is the value of the
    previous period: `HV_TONG == HV_TONG[-1] + HV_KETNAP - HV_GIAM`.
    """

    code = models.CharField("mã", max_length=50, unique=True)
    message = models.CharField("thông báo khi vi phạm", max_length=500)
    left = models.CharField("vế trái", max_length=500)
    operator = models.CharField("so sánh", max_length=2, choices=Operator.choices)
    right = models.CharField("vế phải", max_length=500)
    missing_value_strategy = models.CharField(
        "khi thiếu số liệu",
        max_length=30,
        choices=MissingValueStrategy.choices,
        default=MissingValueStrategy.SKIP_IF_ANY_MISSING,
    )
    active = models.BooleanField("đang áp dụng", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "quy tắc kiểm tra"
        verbose_name_plural = "quy tắc kiểm tra"

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", "Đang nhập"
    SUBMITTED = "submitted", "Đã gửi, chờ duyệt"
    APPROVED = "approved", "Đã duyệt"
    RETURNED = "returned", "Bị trả lại"
    UNLOCKED = "unlocked", "Đã mở khóa"


# Open again for the unit after the level above sent it back or reopened it (past deadline too).
REOPENED_STATUSES = (SubmissionStatus.RETURNED, SubmissionStatus.UNLOCKED)


# While a report waits for approval or is approved, its values cannot change.
LOCKED_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


class Submission(models.Model):
    """Where a unit's report (form, unit, period) stands: draft → submitted → approved."""

    form = models.ForeignKey(
        "catalog.Form", on_delete=models.PROTECT, verbose_name="biểu mẫu", related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name="đơn vị")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, verbose_name="kỳ")
    status = models.CharField(
        "trạng thái",
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.DRAFT,
    )
    # Why it was returned or unlocked, as the approver wrote it.
    reason = models.TextField("lý do", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("gửi lúc", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("duyệt/trả lại lúc", null=True, blank=True)

    class Meta:
        verbose_name = "báo cáo nộp"
        verbose_name_plural = "báo cáo nộp"
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "period"], name="submission_unique_report"
            ),
        ]
        indexes = [models.Index(fields=["unit", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.form_id}/{self.unit_id}/{self.period_id}: {self.status}"

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def title(self) -> str:
        """The report's title with its period (reads `form` and `period`: select them)."""
        return self.form.title_for(self.period.code)
