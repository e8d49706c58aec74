"""Visitor statistics ("Thống kê truy cập") and the editors' links ("Liên kết")."""

from __future__ import annotations

from datetime import datetime

from django.db import models


class VisitorKind(models.IntegerChoices):
    BOT = 1, "Máy chủ tìm kiếm"
    GUEST = 2, "Khách viếng thăm"
    MEMBER = 3, "Thành viên"


class Presence(models.Model):
    """One browser (by its visitor cookie) or one robot (user agent and address).

    `last_seen` answers "đang truy cập"; `counted_at` is when its current visit was counted,
    so that a browser adds one visit per window (30 minutes) however many pages it reads.
    Rows idle longer than the window are pruned: they would count again anyway.
    """

    key = models.CharField(primary_key=True, max_length=40)
    kind = models.PositiveSmallIntegerField(choices=VisitorKind.choices)
    last_seen = models.DateTimeField(db_index=True)
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = "khách đang truy cập"
        verbose_name_plural = "khách đang truy cập"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


def minute_of(moment: datetime) -> datetime:
    """The start of the minute `moment` falls in: `OnlineMinute.minute`."""
    return moment.replace(second=0, microsecond=0)


class OnlineMinute(models.Model):
    """How many visitors were last seen in one minute, by kind: "đang truy cập" is the sum of
    the last few minutes' rows, a read of a few rows however many visitors there are.

    Kept by the writes of visits (`services.visits_record`): a visitor seen anew adds one to
    the minute it was seen in and takes one from the minute it was last seen in before, so
    that each `Presence` row is counted in exactly one minute (the one of its `last_seen`).
    Spread over a few rows per minute (`shard`) as `DailyVisits` is; one shard may hold a
    negative figure, the minute's sum never does. Pruned with the presence rows."""

    minute = models.DateTimeField()
    kind = models.PositiveSmallIntegerField(choices=VisitorKind.choices)
    shard = models.PositiveSmallIntegerField(default=0)
    visitors = models.IntegerField(default=0)

    class Meta:
        verbose_name = "khách truy cập trong phút"
        verbose_name_plural = "khách truy cập theo phút"
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "kind", "shard"], name="traffic_onlineminute_minute_kind_shard"
            )
        ]

    def __str__(self) -> str:
        return f"{self.minute:%H:%M} {self.get_kind_display()}: {self.visitors}"


class DailyVisits(models.Model):
    """Visits of one day (Vietnam time), spread over a few rows (`shard`) so that concurrent
    visitors do not all queue on one row lock; a day's figure is the sum of its rows."""

    day = models.DateField()
    shard = models.PositiveSmallIntegerField(default=0)
    visits = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "lượt truy cập trong ngày"
        verbose_name_plural = "lượt truy cập theo ngày"
        constraints = [
            models.UniqueConstraint(fields=["day", "shard"], name="traffic_dailyvisits_day_shard")
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}: {self.visits}"


class LinkPlacement(models.TextChoices):
    BANNER = "banner", "Banner (ảnh lớn)"
    LINK = "link", "Liên kết (ảnh nhỏ)"


class Link(models.Model):
    """A banner or link of the "Liên kết" block, managed by editors (a Wagtail snippet)."""

    title = models.CharField("tiêu đề", max_length=200)
    url = models.URLField("địa chỉ liên kết", max_length=500)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="ảnh",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    placement = models.CharField(
        "vị trí", max_length=10, choices=LinkPlacement.choices, default=LinkPlacement.LINK
    )
    sort_order = models.PositiveIntegerField("thứ tự", default=0)
    active = models.BooleanField("đang hiển thị", default=True)
    clicks = models.PositiveBigIntegerField("lượt bấm", default=0, editable=False)

    class Meta:
        verbose_name = "liên kết"
        verbose_name_plural = "liên kết"
        ordering = ["placement", "sort_order", "pk"]

    def __str__(self) -> str:
        return self.title
