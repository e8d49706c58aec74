"""Reads of the traffic app: the statistics block and the links, both cached briefly so that
a busy page costs no queries for them (two and one queries when the cache is cold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils import timezone

from phongtrao.portal.traffic.models import (
    DailyVisits,
    Link,
    LinkPlacement,
    OnlineMinute,
    VisitorKind,
    minute_of,
)

STATS_CACHE_KEY = "traffic:stats"
LINKS_CACHE_KEY = "traffic:links"
# The rendered side blocks (the same for every reader).
SIDEBAR_CACHE_KEY = "traffic:sidebar"
# Renditions of the links' images: banners across the sidebar, links as small tiles.
BANNER_RENDITION = "width-600"
LINK_RENDITION = "fill-300x150"


@dataclass(frozen=True)
class TrafficStats:
    """The figures of the "Thống kê truy cập" block."""

    online_bots: int
    online_guests: int
    online_members: int
    today: int
    month: int
    total: int

    @property
    def online(self) -> int:
        return self.online_bots + self.online_guests + self.online_members


@dataclass(frozen=True)
class LinkItem:
    """A link as the sidebar shows it (the image's rendition resolved once)."""

    pk: int
    title: str
    url: str
    placement: str
    image_url: str | None
    image_width: int | None
    image_height: int | None


def online_window() -> timedelta:
    """ "Đang truy cập" counts visitors seen within TRAFFIC_ONLINE_MINUTES (default 5), to the
    minute: every visitor last seen in the minute that was current that long ago or since
    (`OnlineMinute`; a browser's `last_seen` moves at most once a minute anyway). Shorter than
    the visit window, after which visitors are forgotten."""
    return timedelta(minutes=getattr(settings, "TRAFFIC_ONLINE_MINUTES", 5))


def traffic_stats_compute(*, at: datetime | None = None) -> TrafficStats:
    """The block's figures read from the database: two queries, each of a few rows per day
    or per minute (not one per visitor)."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    visits = DailyVisits.objects.aggregate(
        total=Sum("visits"),
        month=Sum("visits", filter=Q(day__gte=today.replace(day=1), day__lte=today)),
        today=Sum("visits", filter=Q(day=today)),
    )
    online = dict(
        OnlineMinute.objects.filter(minute__gte=minute_of(now - online_window()))
        .values_list("kind")
        .annotate(n=Sum("visitors"))
        .order_by()
    )
    return TrafficStats(
        online_bots=online.get(VisitorKind.BOT, 0),
        online_guests=online.get(VisitorKind.GUEST, 0),
        online_members=online.get(VisitorKind.MEMBER, 0),
        today=visits["today"] or 0,
        month=visits["month"] or 0,
        total=visits["total"] or 0,
    )


def traffic_stats() -> TrafficStats:
    """The block's figures, cached for TRAFFIC_STATS_CACHE_SECONDS (default 5)."""
    stats: TrafficStats | None = cache.get(STATS_CACHE_KEY)
    if stats is None:
        stats = traffic_stats_compute()
        cache.set(STATS_CACHE_KEY, stats, getattr(settings, "TRAFFIC_STATS_CACHE_SECONDS", 5))
    return stats


def links_compute() -> list[LinkItem]:
    """The active links in their order, with their images' renditions."""
    items = []
    for link in Link.objects.filter(active=True).select_related("image"):
        image_url = width = height = None
        if link.image is not None:
            spec = BANNER_RENDITION if link.placement == LinkPlacement.BANNER else LINK_RENDITION
            rendition = link.image.get_rendition(spec)
            image_url, width, height = rendition.url, rendition.width, rendition.height
        items.append(
            LinkItem(
                pk=link.pk,
                title=link.title,
                url=link.url,
                placement=link.placement,
                image_url=image_url,
                image_width=width,
                image_height=height,
            )
        )
    return items


def links_active() -> list[LinkItem]:
    """The sidebar's links, cached for TRAFFIC_LINKS_CACHE_SECONDS (default 60); editing a
    link in the CMS clears the cache (wagtail_hooks)."""
    links: list[LinkItem] | None = cache.get(LINKS_CACHE_KEY)
    if links is None:
        links = links_compute()
        cache.set(LINKS_CACHE_KEY, links, getattr(settings, "TRAFFIC_LINKS_CACHE_SECONDS", 60))
    return links


def links_cache_clear() -> None:
    cache.delete_many([LINKS_CACHE_KEY, SIDEBAR_CACHE_KEY])
