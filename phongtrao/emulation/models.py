"""Emulation (thi đua): criteria sets, assessments and their scores, clusters, awards.

A `CriteriaSet` is what a grading unit (the province) uses one year to grade the units of one
level below it (its commune unions). Its groups and criteria carry the points; its fields
carry the classification rules of Quy định 366-QĐ/TW as configuration: thresholds, the
conditions of "hoàn thành xuất sắc" and the quota. An `Assessment` is one unit's grading,
moved draft → self-assessed → checked → confirmed → published; published rows never change
(`PublishedError`), a later change is a `Correction` beside them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models

from phongtrao.catalog.models import Indicator
from phongtrao.orgs.models import Level, Unit


class PublishedError(Exception):
    """A change to a published result: corrections are recorded as a `Correction` instead."""

    def __init__(self) -> None:
        super().__init__(
            "Kết quả đã công bố, không được sửa; muốn điều chỉnh phải ghi một quyết định "
            "điều chỉnh (ai, khi nào, lý do)."
        )


class Classification(models.TextChoices):
    EXCELLENT = "excellent", "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "good", "Hoàn thành tốt nhiệm vụ"
    DONE = "done", "Hoàn thành nhiệm vụ"
    FAILED = "failed", "Không hoàn thành nhiệm vụ"


#: From best to worst: "at least good" is the first two.
CLASSIFICATION_ORDER = [c.value for c in Classification]


class CriteriaSet(models.Model):
    """The criteria a unit (`grader`) grades the units of `level` below it with, for a year."""

    grader = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="criteria_sets", verbose_name="đơn vị chấm"
    )
    year = models.PositiveSmallIntegerField("năm")
    level = models.PositiveSmallIntegerField("cấp được chấm", choices=Level.choices)
    name = models.CharField("tên bộ tiêu chí", max_length=255)
    scale_max = models.DecimalField(
        "thang điểm", default=Decimal(100), max_digits=7, decimal_places=2
    )
    excellent_min = models.DecimalField(
        "điểm tối thiểu hoàn thành xuất sắc", default=Decimal(90), max_digits=7, decimal_places=2
    )
    good_min = models.DecimalField(
        "điểm tối thiểu hoàn thành tốt", default=Decimal(70), max_digits=7, decimal_places=2
    )
    done_min = models.DecimalField(
        "điểm tối thiểu hoàn thành", default=Decimal(50), max_digits=7, decimal_places=2
    )
    excellent_group_min_pct = models.DecimalField(
        "xuất sắc: mỗi nhóm đạt tối thiểu (% điểm tối đa của nhóm)",
        null=True,
        blank=True,
        help_text="Để trống: không xét điều kiện này.",
        max_digits=7,
        decimal_places=2,
    )
    excellent_requires_must = models.BooleanField(
        "xuất sắc: đạt đủ điểm mọi tiêu chí bắt buộc", default=True
    )
    excellent_quota_pct = models.DecimalField(
        "tỷ lệ xuất sắc tối đa (%)",
        null=True,
        blank=True,
        help_text="Để trống: không giới hạn. Đơn vị vượt tỷ lệ (theo thứ hạng) xếp hoàn thành tốt.",
        max_digits=7,
        decimal_places=2,
    )
    published_at = models.DateTimeField("công bố lúc", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField("hội đồng xét lúc", null=True, blank=True)

    class Meta:
        ordering = ["-year", "grader__path", "level"]
        verbose_name = "bộ tiêu chí thi đua"
        verbose_name_plural = "bộ tiêu chí thi đua"
        constraints = [
            models.UniqueConstraint(
                fields=["grader", "year", "level"], name="criteriaset_unique_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(excellent_min__gte=models.F("good_min"))
                & models.Q(good_min__gte=models.F("done_min")),
                name="criteriaset_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CriterionGroup(models.Model):
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="groups", verbose_name="bộ tiêu chí"
    )
    number = models.PositiveSmallIntegerField("số thứ tự")
    name = models.CharField("tên nhóm", max_length=255)
    max_points = models.DecimalField("điểm tối đa", max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["criteria_set", "number"]
        verbose_name = "nhóm tiêu chí"
        verbose_name_plural = "nhóm tiêu chí"
        constraints = [
            models.UniqueConstraint(fields=["criteria_set", "number"], name="group_number_unique"),
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="group_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Method(models.TextChoices):
    HAND = "hand", "Chấm tay, có minh chứng"
    LINEAR = "linear", "Theo tỷ lệ đạt chỉ tiêu (tuyến tính)"
    STEPPED = "stepped", "Theo bậc tỷ lệ đạt chỉ tiêu"
    FORMULA = "formula", "Theo công thức"


class Criterion(models.Model):
    """One criterion: its points, its bonus and how it is scored.

    Indicator-based points beyond `max_points` count as bonus, up to `bonus_max`:
    `linear` gives max_points × achievement / 100; `stepped` the points of the highest step
    reached (`steps`: [[achievement %, points], ...]); `formula` an expression over the
    unit's totals (``HV_KETNAP / HV_TONG * 1000``).
    """

    group = models.ForeignKey(
        CriterionGroup, on_delete=models.CASCADE, related_name="criteria", verbose_name="nhóm"
    )
    number = models.PositiveSmallIntegerField("số thứ tự")
    name = models.CharField("tên tiêu chí", max_length=500)
    max_points = models.DecimalField("điểm tối đa", max_digits=7, decimal_places=2)
    bonus_max = models.DecimalField(
        "điểm thưởng tối đa", default=Decimal(0), max_digits=7, decimal_places=2
    )
    must = models.BooleanField("tiêu chí bắt buộc", default=False)
    method = models.CharField("cách chấm", max_length=10, choices=Method.choices)
    indicator = models.ForeignKey(
        Indicator,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="chỉ tiêu thống kê",
    )
    steps = models.JSONField("các bậc", default=list, blank=True)
    formula = models.CharField("công thức", max_length=500, blank=True)

    class Meta:
        ordering = ["group__number", "number"]
        verbose_name = "tiêu chí thi đua"
        verbose_name_plural = "tiêu chí thi đua"
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="criterion_number_unique"),
            models.CheckConstraint(
                condition=models.Q(max_points__gt=0) & models.Q(bonus_max__gte=0),
                name="criterion_points_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group.number}.{self.number}. {self.name}"

    @property
    def label(self) -> str:
        return f"{self.group.number}.{self.number}"


class Cluster(models.Model):
    """An emulation cluster (cụm thi đua): the units ranked against each other."""

    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.CASCADE, related_name="clusters", verbose_name="bộ tiêu chí"
    )
    name = models.CharField("tên cụm", max_length=255)
    members: models.ManyToManyField[Unit, ClusterMember] = models.ManyToManyField(
        Unit, through="ClusterMember", related_name="+", verbose_name="thành viên"
    )

    class Meta:
        ordering = ["criteria_set", "name"]
        verbose_name = "cụm thi đua"
        verbose_name_plural = "cụm thi đua"

    def __str__(self) -> str:
        return self.name


class ClusterMember(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "unit"], name="cluster_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.unit_id}"


class Status(models.TextChoices):
    DRAFT = "draft", "Đang tự chấm"
    SUBMITTED = "submitted", "Đã tự chấm, chờ cấp trên kiểm tra"
    CHECKED = "checked", "Cấp trên đã kiểm tra"
    CONFIRMED = "confirmed", "Hội đồng thi đua đã xét"
    PUBLISHED = "published", "Đã công bố"


class Assessment(models.Model):
    """One unit's grading under a criteria set, with its totals once computed."""

    criteria_set = models.ForeignKey(
        CriteriaSet,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name="bộ tiêu chí",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assessments", verbose_name="đơn vị"
    )
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    base_points = models.DecimalField(
        "điểm các tiêu chí", default=Decimal(0), max_digits=7, decimal_places=2
    )
    bonus_points = models.DecimalField(
        "điểm thưởng", default=Decimal(0), max_digits=7, decimal_places=2
    )
    total = models.DecimalField("tổng điểm", default=Decimal(0), max_digits=7, decimal_places=2)
    classification = models.CharField(
        "xếp loại", max_length=10, choices=Classification.choices, blank=True
    )
    # Why the classification is what it is ("vượt tỷ lệ 20% xuất sắc", "nhóm 2 dưới 50%").
    classification_note = models.CharField("căn cứ xếp loại", max_length=500, blank=True)
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cluster_rank = models.PositiveSmallIntegerField("thứ hạng trong cụm", null=True, blank=True)
    is_cluster_leader = models.BooleanField("dẫn đầu cụm", default=False)
    return_reason = models.TextField("lý do trả lại", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("tự chấm xong lúc", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField("kiểm tra lúc", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField("hội đồng xét lúc", null=True, blank=True)
    published_at = models.DateTimeField("công bố lúc", null=True, blank=True)

    class Meta:
        ordering = ["criteria_set", "unit__code"]
        verbose_name = "kết quả chấm điểm"
        verbose_name_plural = "kết quả chấm điểm"
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "unit"], name="assessment_unique_per_set"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return f"{self.unit_id} / {self.criteria_set_id}: {self.total}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Refused here as well as in the services: admin, shell and scripts save through this.
        if self._stored_published():
            raise PublishedError()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        if self._stored_published():
            raise PublishedError()
        return super().delete(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def _stored_published(self) -> bool:
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=Status.PUBLISHED).exists()
        )


class Score(models.Model):
    """The points of one criterion: as the unit scored itself, and as the level above checked."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name="kết quả"
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name="tiêu chí"
    )
    self_points = models.DecimalField(
        "điểm tự chấm", default=Decimal(0), max_digits=7, decimal_places=2
    )
    self_bonus = models.DecimalField(
        "điểm thưởng tự chấm", default=Decimal(0), max_digits=7, decimal_places=2
    )
    checked_points = models.DecimalField(
        "điểm cấp trên chấm", null=True, blank=True, max_digits=7, decimal_places=2
    )
    checked_bonus = models.DecimalField(
        "điểm thưởng cấp trên chấm", null=True, blank=True, max_digits=7, decimal_places=2
    )
    # The indicator figures the points came from, as text ("đạt 104% chỉ tiêu").
    basis = models.CharField("căn cứ", max_length=500, blank=True)
    note = models.TextField("giải trình của đơn vị", blank=True)
    check_note = models.TextField("ý kiến cấp trên", blank=True)

    class Meta:
        ordering = ["criterion__group__number", "criterion__number"]
        verbose_name = "điểm tiêu chí"
        verbose_name_plural = "điểm tiêu chí"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points} + {self.bonus}"

    def save(self, *args: object, **kwargs: object) -> None:
        if Assessment.objects.filter(pk=self.assessment_id, status=Status.PUBLISHED).exists():
            raise PublishedError()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def points(self) -> Decimal:
        return self.checked_points if self.checked_points is not None else self.self_points

    @property
    def bonus(self) -> Decimal:
        return self.checked_bonus if self.checked_bonus is not None else self.self_bonus


def private_storage() -> Storage:
    """Where evidence files live: apart from the public media, served only through a view."""
    return storages["private"]


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"thi-dua/minh-chung/{instance.score.assessment_id}/{filename}"


class Evidence(models.Model):
    """A file a unit attaches to a hand-scored criterion."""

    score = models.ForeignKey(
        Score, on_delete=models.CASCADE, related_name="evidence", verbose_name="điểm"
    )
    file = models.FileField("tệp minh chứng", upload_to=evidence_path, storage=private_storage)
    name = models.CharField("tên tệp", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("tải lên lúc", auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "minh chứng"
        verbose_name_plural = "minh chứng"

    def __str__(self) -> str:
        return self.name


class Correction(models.Model):
    """A recorded decision changing a published result: who, when, why, old and new.

    The published assessment stays as it was; the latest correction gives the result in
    force. Rows are only ever added.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="corrections", verbose_name="kết quả"
    )
    criterion = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    old_points = models.DecimalField(
        "điểm cũ", null=True, blank=True, max_digits=7, decimal_places=2
    )
    new_points = models.DecimalField(
        "điểm mới", null=True, blank=True, max_digits=7, decimal_places=2
    )
    new_bonus = models.DecimalField(
        "điểm thưởng mới", null=True, blank=True, max_digits=7, decimal_places=2
    )
    old_total = models.DecimalField("tổng điểm cũ", max_digits=7, decimal_places=2)
    new_total = models.DecimalField("tổng điểm mới", max_digits=7, decimal_places=2)
    old_classification = models.CharField(
        "xếp loại cũ", max_length=10, choices=Classification.choices
    )
    new_classification = models.CharField(
        "xếp loại mới", max_length=10, choices=Classification.choices
    )
    reason = models.TextField("lý do")
    decision_number = models.CharField("số văn bản", max_length=100, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "điều chỉnh kết quả"
        verbose_name_plural = "điều chỉnh kết quả"

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.old_total} → {self.new_total}"


class AwardRule(models.TextChoices):
    CONSECUTIVE_EXCELLENT = "consecutive", "Hoàn thành xuất sắc nhiệm vụ nhiều năm liên tục"
    EXCELLENT = "excellent", "Hoàn thành xuất sắc nhiệm vụ trong năm"
    CLUSTER_LEADER = "leader", "Dẫn đầu cụm thi đua"


class AwardType(models.Model):
    """An award and the rule that makes a unit eligible for it (configuration)."""

    code = models.CharField("mã", max_length=30, unique=True)
    name = models.CharField("tên hình thức khen thưởng", max_length=255)
    issuer_name = models.CharField("cấp khen", max_length=255)
    rule = models.CharField("điều kiện", max_length=12, choices=AwardRule.choices)
    rule_years = models.PositiveSmallIntegerField("số năm liên tục", default=1)
    unit_level = models.PositiveSmallIntegerField(
        "chỉ xét đơn vị cấp",
        choices=Level.choices,
        null=True,
        blank=True,
        help_text="Để trống: xét mọi cấp.",
    )
    sort_order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "hình thức khen thưởng"
        verbose_name_plural = "hình thức khen thưởng"

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """A decision (quyết định) awarding one award type to the units of its proposals."""

    issuer = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị ban hành"
    )
    award_type = models.ForeignKey(
        AwardType, on_delete=models.PROTECT, related_name="+", verbose_name="hình thức"
    )
    year = models.PositiveSmallIntegerField("thành tích năm")
    number = models.CharField("số, ký hiệu", max_length=100)
    date = models.DateField("ngày ban hành")
    signer = models.CharField("người ký", max_length=255)
    signer_title = models.CharField("chức vụ người ký", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "quyết định khen thưởng"
        verbose_name_plural = "quyết định khen thưởng"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "number"], name="decision_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Quyết định số {self.number}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Đề nghị"
    AWARDED = "awarded", "Đã có quyết định"


class Proposal(models.Model):
    """A unit proposed for an award, with the rule (and its facts) that made it eligible."""

    proposer = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị đề nghị"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="proposals", verbose_name="đơn vị"
    )
    award_type = models.ForeignKey(
        AwardType, on_delete=models.PROTECT, related_name="+", verbose_name="hình thức"
    )
    year = models.PositiveSmallIntegerField("thành tích năm")
    reason = models.CharField("căn cứ đề nghị", max_length=500)
    status = models.CharField(
        "trạng thái", max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        ordering = ["award_type__sort_order", "unit__code"]
        verbose_name = "đề nghị khen thưởng"
        verbose_name_plural = "đề nghị khen thưởng"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "award_type", "year"], name="proposal_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.award_type_id} {self.year}"


class Award(models.Model):
    """An award a unit received (the record on the unit)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="awards", verbose_name="đơn vị"
    )
    award_type = models.ForeignKey(
        AwardType, on_delete=models.PROTECT, related_name="+", verbose_name="hình thức"
    )
    year = models.PositiveSmallIntegerField("thành tích năm")
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="awards", verbose_name="quyết định"
    )

    class Meta:
        ordering = ["-year", "award_type__sort_order"]
        verbose_name = "khen thưởng đã nhận"
        verbose_name_plural = "khen thưởng đã nhận"
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "award_type", "year"], name="award_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award_type} {self.year}"
