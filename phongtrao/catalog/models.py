"""Indicators (what is counted) and forms (which indicators a level reports, how often)."""

from __future__ import annotations

from django.db import models

from phongtrao import periods
from phongtrao.orgs.models import Level


class ValueType(models.TextChoices):
    INTEGER = "integer", "Số nguyên"
    MONEY = "money", "Tiền (đồng)"
    DECIMAL = "decimal", "Số thập phân"
    PERCENT = "percent", "Tỷ lệ (%)"


class TimeAggregation(models.TextChoices):
    SUM = "sum", "Cộng dồn các kỳ"
    LAST = "last", "Giá trị cuối kỳ"
    FIRST = "first", "Giá trị đầu kỳ"


class Section(models.Model):
    number = models.PositiveSmallIntegerField("số thứ tự", unique=True)
    name = models.CharField("tên phần", max_length=255)

    class Meta:
        ordering = ["number"]
        verbose_name = "phần báo cáo"
        verbose_name_plural = "phần báo cáo"

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Indicator(models.Model):
    """A figure units report (raw) or one computed from others (derived, with a formula)."""

    uid = models.CharField("UID", max_length=11, unique=True)
    code = models.CharField("mã", max_length=50, unique=True)
    section = models.ForeignKey(
        Section, verbose_name="phần", on_delete=models.PROTECT, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="thuộc chỉ tiêu (trong đó)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breakdowns",
    )
    name = models.CharField("tên chỉ tiêu", max_length=500)
    unit_label = models.CharField("đơn vị tính", max_length=50)
    value_type = models.CharField("kiểu giá trị", max_length=10, choices=ValueType.choices)
    time_aggregation = models.CharField(
        "tổng hợp theo thời gian", max_length=10, choices=TimeAggregation.choices
    )
    formula = models.CharField("công thức", max_length=500, blank=True)
    note = models.TextField("ghi chú", blank=True)
    sort_order = models.PositiveIntegerField("thứ tự", default=0)
    # DHIS2's attributeValues (see `Attribute`).
    attribute_values = models.JSONField("giá trị thuộc tính", default=dict, blank=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "chỉ tiêu thống kê"
        verbose_name_plural = "chỉ tiêu thống kê"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)


class PeriodType(models.TextChoices):
    """The period types a form can be reported for (DHIS2 names)."""

    MONTHLY = "MONTHLY", "Hằng tháng"
    QUARTERLY = "QUARTERLY", "Hằng quý"
    SIX_MONTHLY = "SIX_MONTHLY", "6 tháng"
    YEARLY = "YEARLY", "Hằng năm"


class Form(models.Model):
    """A data set: which indicators which level reports for which period type."""

    uid = models.CharField("UID", max_length=11, unique=True)
    code = models.CharField("mã", max_length=50, unique=True)
    name = models.CharField("tên biểu mẫu", max_length=255)
    period_type = models.CharField("loại kỳ", max_length=20, choices=PeriodType.choices)
    level = models.PositiveSmallIntegerField("cấp báo cáo", choices=Level.choices)
    indicators: models.ManyToManyField[Indicator, FormIndicator] = models.ManyToManyField(
        Indicator, through="FormIndicator", related_name="forms", verbose_name="chỉ tiêu"
    )
    # Days after the period's end when entry closes (0: no deadline).
    deadline_days = models.PositiveSmallIntegerField("hạn nộp (ngày sau kỳ)", default=15)
    # DHIS2's attributeValues (see `Attribute`).
    attribute_values = models.JSONField("giá trị thuộc tính", default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "biểu mẫu báo cáo"
        verbose_name_plural = "biểu mẫu báo cáo"

    def __str__(self) -> str:
        return self.name

    def title_for(self, period_code: str) -> str:
        """The form's name with its period: "Báo cáo kết quả ... phụ nữ năm 2023 — cấp xã"
        from "... phụ nữ năm — cấp xã" (the period's label takes the place of its word)."""
        head, dash, tail = self.name.partition(" — ")
        label = periods.label_vi(period_code)
        word = label.split()[0]
        if head.endswith(f" {word}"):
            head = head[: -len(word) - 1]
        return f"{head} {label}{dash}{tail}"

    def file_name(self, unit_name: str, period_code: str, extension: str) -> str:
        """A download's name people read: "Biểu báo cáo năm 2023 - Hội LHPN xã Lộc Thái.xlsx"."""
        return f"Biểu báo cáo {periods.label_vi(period_code)} - {unit_name}.{extension}"


class FormIndicator(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["form", "indicator"], name="form_indicator_unique"),
        ]

    def __str__(self) -> str:
        # Reads both relations: list them with select_related("form", "indicator").
        return f"{self.form.code}: {self.indicator.code}"


class Attribute(models.Model):
    """DHIS2's attribute: an extra property an organisation gives its units, indicators or
    forms (a ministry's code, a partner system's id...). Its values are kept on the objects
    themselves (`attribute_values`, as DHIS2's jsonb column); a `unique` attribute names
    objects in the exchange's `ATTRIBUTE:<uid>` identifier scheme."""

    uid = models.CharField("UID", max_length=11, unique=True)
    code = models.CharField("mã", max_length=50, unique=True, null=True, blank=True)
    name = models.CharField("tên thuộc tính", max_length=230, unique=True)
    unique = models.BooleanField("giá trị không được trùng", default=False)
    organisation_unit_attribute = models.BooleanField("dùng cho đơn vị", default=False)
    data_element_attribute = models.BooleanField("dùng cho chỉ tiêu", default=False)
    data_set_attribute = models.BooleanField("dùng cho biểu mẫu", default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "thuộc tính"
        verbose_name_plural = "thuộc tính"

    def __str__(self) -> str:
        return self.name
