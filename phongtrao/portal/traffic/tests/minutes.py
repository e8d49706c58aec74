"""The figures of "đang truy cập" as kept (`OnlineMinute`) and as the presence rows say."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from phongtrao.portal.traffic.models import OnlineMinute, Presence, minute_of


def minutes_of_presence() -> dict[tuple[datetime, int], int]:
    """(minute, kind): visitors last seen in that minute, counted row by row."""
    return dict(
        Counter(
            (minute_of(seen), kind)
            for kind, seen in Presence.objects.values_list("kind", "last_seen")
        )
    )


def minutes_kept() -> dict[tuple[datetime, int], int]:
    """(minute, kind): the figures `OnlineMinute` keeps, its shards added, zeros left out."""
    kept: Counter[tuple[datetime, int]] = Counter()
    for minute, kind, visitors in OnlineMinute.objects.values_list("minute", "kind", "visitors"):
        kept[minute, kind] += visitors
    return {key: n for key, n in kept.items() if n}
