"""The member registry: people, their enrolments in units, events, reads and transfers.

A `Member` is the person (personal data, current unit and status). An `Enrolment` is the
time she belongs to one unit, from a day until a day: counts at a date ("members active on
31/12/2023 in the province") count the enrolments of the units under a path prefix, and past
counts stay right after a transfer; `EnrolmentTally` keeps how many began and ended each year
per unit, so that such a count reads whole years from it. `MemberEvent` is the history shown
to officers and the audit of every change; `MemberRead` logs every read of a record (who,
when, purpose).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from phongtrao.members.choices import (
    ETHNICITY_CHOICES,
    KINH,
    Education,
    EndKind,
    EventKind,
    Occupation,
    Religion,
    StartKind,
    Status,
    TransferStatus,
)
from phongtrao.orgs.models import Unit


class Member(models.Model):
    """A member of the Union (hội viên) as her unit's member book lists her."""

    # Unique by a constraint, not `unique=True`: that would add a LIKE index on PostgreSQL,
    # which nothing asks of a uid and every import would keep up.
    uid = models.CharField("UID", max_length=11)
    full_name = models.CharField("họ và tên", max_length=120)
    # name_key: the name without diacritics, for forgiving search and duplicate checks.
    # PostgreSQL: collation "C" (migration 0007; byte order, as SQLite's default), which a
    # later AlterField of this column must keep.
    name_key = models.CharField(max_length=120, editable=False)
    birth_date = models.DateField("ngày sinh")
    ethnicity = models.CharField("dân tộc", max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    religion = models.CharField(
        "tôn giáo", max_length=12, choices=Religion.choices, default=Religion.NONE
    )
    occupation = models.CharField(
        "nghề nghiệp", max_length=12, choices=Occupation.choices, default=Occupation.OTHER
    )
    education = models.CharField(
        "trình độ học vấn", max_length=12, choices=Education.choices, blank=True
    )
    # No index on the links to units and users that no query filters on (members are read by
    # `unit_path`): an import keeps the indexes of every row it writes.
    residence_unit = models.ForeignKey(
        Unit,
        verbose_name="nơi cư trú (đơn vị)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    citizen_id = models.CharField("số CCCD", max_length=12, blank=True)
    card_number = models.CharField("số thẻ hội viên", max_length=30, blank=True)
    join_date = models.DateField("ngày vào Hội")
    by_residence = models.BooleanField("sinh hoạt theo địa bàn dân cư", default=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name="chi hội, tổ hội",
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
    )
    unit_path = models.CharField(max_length=255, editable=False)
    status = models.CharField(
        "tình trạng", max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    status_since = models.DateField("từ ngày")
    # Personal data (Nghị định 13/2023/NĐ-CP): why it is kept and the member's consent.
    purpose = models.CharField("mục đích xử lý dữ liệu", max_length=255)
    consent_on = models.DateField("ngày đồng ý xử lý dữ liệu")
    erased = models.BooleanField("đã xóa dữ liệu cá nhân", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hội viên"
        verbose_name_plural = "hội viên"
        constraints = [
            models.UniqueConstraint(fields=["uid"], name="member_uid_unique"),
            models.UniqueConstraint(
                fields=["citizen_id"],
                condition=~Q(citizen_id=""),
                name="member_citizen_id_unique",
            ),
        ]
        indexes = [
            # Pattern operator classes: PostgreSQL serves `LIKE 'prefix%'` from the index
            # whatever the database's collation (ignored on SQLite).
            models.Index(
                fields=["unit_path", "name_key"],
                name="member_path_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["name_key", "birth_date"], name="member_name_birth"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_ethnic_minority(self) -> bool:
        return self.ethnicity != KINH

    @property
    def is_religious(self) -> bool:
        return self.religion != Religion.NONE


class Enrolment(models.Model):
    """The member belonged to `unit` from `start` until the day before `end` (open: still)."""

    # PostgreSQL: this link's index and `enrolment_one_open` are one unique index on
    # (member, end), NULLs not distinct (migration 0009); a change to either must mind it.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="enrolments")
    # Indexed with the dates (below), which serves the link too.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    start = models.DateField()
    start_kind = models.CharField(max_length=12, choices=StartKind.choices)
    end = models.DateField(null=True, blank=True)
    end_kind = models.CharField(max_length=10, choices=EndKind.choices, blank=True)
    by_residence = models.BooleanField(default=True)

    class Meta:
        verbose_name = "quá trình sinh hoạt"
        verbose_name_plural = "quá trình sinh hoạt"
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="enrolment_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["member"], condition=Q(end__isnull=True), name="enrolment_one_open"
            ),
        ]
        indexes = [
            # A count at a date reads the enrolments of the units of a subtree that began or
            # ended in part of a year (`figures.members_count`): by unit, then day.
            models.Index(fields=["unit", "start"], name="enrolment_unit_start"),
            models.Index(
                fields=["unit", "end"],
                name="enrolment_unit_end",
                condition=Q(end__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.unit_id} {self.start}–{self.end or ''}"


class EnrolmentTally(models.Model):
    """How many enrolments in `unit` began and ended in `year` (of which by residence).

    Kept with the enrolments by every write of the book (`tallies.tallies_move`), in the same
    transaction: the members of a subtree active at the end of a year are the sum of its
    units' rows up to that year, so a count at a date reads a few rows per unit and the
    enrolments of part of one year only, whatever the size of the book.
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    unit_path = models.CharField(max_length=255)
    year = models.SmallIntegerField()
    starts = models.IntegerField(default=0)
    ends = models.IntegerField(default=0)
    residence_starts = models.IntegerField(default=0)
    residence_ends = models.IntegerField(default=0)

    class Meta:
        verbose_name = "số hội viên vào, ra theo năm"
        verbose_name_plural = "số hội viên vào, ra theo năm"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="tally_unit_year"),
        ]
        indexes = [
            # A subtree's years, read from the index alone (its rows are contiguous).
            models.Index(
                fields=["unit_path", "year"],
                name="tally_path_year",
                opclasses=["varchar_pattern_ops", "int2_ops"],
                include=["starts", "ends"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: +{self.starts} -{self.ends}"


class MemberEvent(models.Model):
    """One change in a member's life in the Union, with who recorded it: history and audit."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("sự kiện", max_length=20, choices=EventKind.choices)
    on = models.DateField("ngày")
    # History is read by member; no index on its links to units and users (see Member).
    from_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.TextField("lý do", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField("người thực hiện", max_length=150)
    at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        ordering = ["member", "at", "id"]
        verbose_name = "lịch sử hội viên"
        verbose_name_plural = "lịch sử hội viên"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class MemberRead(models.Model):
    """Somebody read a member's full record: who, when and for what purpose."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    purpose = models.CharField("mục đích", max_length=255)
    at = models.DateTimeField("lúc", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "lượt xem hồ sơ hội viên"
        verbose_name_plural = "lượt xem hồ sơ hội viên"

    def __str__(self) -> str:
        return f"{self.username} {self.at:%d/%m/%Y %H:%M}"


class Transfer(models.Model):
    """A member asked to move from her unit to another; the receiving unit accepts or not."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    on = models.DateField("ngày chuyển")
    reason = models.TextField("lý do", blank=True)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.CharField(max_length=150)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "chuyển sinh hoạt"
        verbose_name_plural = "chuyển sinh hoạt"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="transfer_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_unit_id} → {self.to_unit_id}"


class RegistryUnit(models.Model):
    """A unit (a commune union) whose membership figures come from its member book."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="registry")
    since = models.DateField("dùng sổ hội viên từ")

    class Meta:
        verbose_name = "đơn vị dùng sổ hội viên"
        verbose_name_plural = "đơn vị dùng sổ hội viên"

    def __str__(self) -> str:
        return str(self.unit_id)


class RecordsGrant(models.Model):
    """A user of a level above the commune allowed to read members' records (not only totals)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_records_grant"
    )
    purpose = models.CharField("mục đích", max_length=255)
    granted_by = models.CharField(max_length=150)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quyền xem hồ sơ hội viên"
        verbose_name_plural = "quyền xem hồ sơ hội viên"

    def __str__(self) -> str:
        return str(self.user_id)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang nhập"
    DONE = "done", "Xong"
    REJECTED = "rejected", "Chưa nhập (danh sách có lỗi)"
    FAILED = "failed", "Lỗi"


class MemberImport(models.Model):
    """An uploaded member list (Excel or CSV) a worker of the task queue imports.

    All or nothing: either every row is admitted (`written`), or none, and `problems` lists
    each wrong row with its number in the file and a Vietnamese message.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_imports"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="member_imports")
    filename = models.CharField("tên tệp", max_length=255)
    path = models.CharField(max_length=500)
    kind = models.CharField(max_length=4, choices=[("xlsx", "Excel"), ("csv", "CSV")])
    size = models.BigIntegerField(default=0)
    consent_on = models.DateField("ngày hội viên đồng ý xử lý dữ liệu")
    status = models.CharField(
        "tình trạng", max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    task_id = models.CharField(max_length=64, blank=True)
    rows_read = models.IntegerField("số dòng đã đọc", default=0)
    written = models.IntegerField("số hội viên đã nhập", default=0)
    problems = models.JSONField("lỗi theo dòng", default=list, blank=True)
    error = models.TextField("lỗi", blank=True)
    created_at = models.DateTimeField("gửi lúc", auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "lượt nhập danh sách hội viên"
        verbose_name_plural = "lượt nhập danh sách hội viên"

    def __str__(self) -> str:
        return self.filename

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED)
