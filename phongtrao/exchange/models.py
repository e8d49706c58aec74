"""Personal access tokens of the Web API, and background import jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PersonalAccessToken(models.Model):
    """A personal access token (DHIS2's `Authorization: ApiToken d2pat_...`).

    Only a SHA-256 digest of the token is stored: the token itself is shown once, when made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="personal_access_tokens",
        verbose_name="người dùng",
    )
    name = models.CharField("tên gợi nhớ", max_length=100)
    digest = models.CharField("mã băm", max_length=64, unique=True, editable=False)
    # The first characters, so that the owner can tell tokens apart.
    prefix = models.CharField("đầu mã", max_length=16, editable=False)
    # DHIS2's id of the token (a letter and 10 characters of the digest: tells nothing of it).
    uid = models.CharField("mã DHIS2", max_length=11, db_index=True, editable=False, default="")
    # DHIS2's `attributes`: allow lists of IP addresses, HTTP methods and referrers, as
    # `[{"type": "IpAllowedList", "allowedIps": [...]}, ...]`; empty: no restriction.
    attributes = models.JSONField("giới hạn sử dụng", default=list, blank=True)
    expires_at = models.DateTimeField("hết hạn lúc", null=True, blank=True)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang nhập"
    DONE = "done", "Xong"
    FAILED = "failed", "Lỗi"


class ImportJob(models.Model):
    """A file uploaded on the web, imported by a worker of the task queue; the page polls it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="người nhập",
    )
    filename = models.CharField("tên tệp", max_length=255)
    path = models.CharField("tệp tạm", max_length=500, editable=False)
    format = models.CharField("định dạng", max_length=20)
    dry_run = models.BooleanField("nhập thử", default=False)
    # DHIS2's atomicMode ALL (all or nothing) or NONE (the valid values written).
    atomic = models.BooleanField("tất cả hoặc không", default=True)
    # The id DHIS2's async protocol gives out (/api/system/tasks/DATAVALUE_IMPORT/<uid>).
    uid = models.CharField("mã DHIS2", max_length=11, blank=True, db_index=True, editable=False)
    strategy = models.CharField("chiến lược", max_length=20, default="CREATE_AND_UPDATE")
    # DHIS2's idScheme, dataElementIdScheme, orgUnitIdScheme (UID, CODE, NAME, ATTRIBUTE:<uid>).
    id_scheme = models.CharField("kiểu mã", max_length=40, default="UID")
    data_element_id_scheme = models.CharField("kiểu mã chỉ tiêu", max_length=40, blank=True)
    org_unit_id_scheme = models.CharField("kiểu mã đơn vị", max_length=40, blank=True)
    status = models.CharField(
        "trạng thái", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    size = models.BigIntegerField("dung lượng (byte)", default=0)
    bytes_read = models.BigIntegerField("đã đọc (byte)", default=0)
    values_read = models.BigIntegerField("giá trị đã đọc", default=0)
    values_written = models.BigIntegerField("giá trị đã xử lý", default=0)
    conflicts = models.BigIntegerField("xung đột", default=0)
    # The queued task's id (django_tasks_db's DBTaskResult), also the key of its live progress.
    task_id = models.CharField("mã công việc nền", max_length=64, blank=True, editable=False)
    summary = models.JSONField("kết quả", null=True, blank=True)
    error = models.TextField("lỗi", blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    started_at = models.DateTimeField("bắt đầu lúc", null=True, blank=True)
    finished_at = models.DateTimeField("xong lúc", null=True, blank=True)
    # Touched with every progress report: a running job whose heartbeat stops has died.
    heartbeat_at = models.DateTimeField("cập nhật lúc", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lượt nhập tệp"
        verbose_name_plural = "lượt nhập tệp"

    def __str__(self) -> str:
        return f"{self.filename}: {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
