"""Exact counts under concurrency: many threads, each with its own database connection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from phongtrao.portal.traffic.models import DailyVisits, Link, Presence, VisitorKind
from phongtrao.portal.traffic.services import link_click_record, visit_record, visits_record
from phongtrao.portal.traffic.tests.minutes import minutes_kept, minutes_of_presence

# serialized_rollback: its flush must not let post_migrate recreate content types that the
# later serialized-rollback tests restore with their own ids.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
THREADS = 16


def run_in_threads(work, items):
    def call(item):
        try:
            return work(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(call, items))


def visits():
    return DailyVisits.objects.aggregate(n=Sum("visits"))["n"] or 0


def test_distinct_visitors_add_exactly_one_visit_each():
    counted = run_in_threads(
        lambda i: visit_record(key=f"v{i:021d}", kind=VisitorKind.GUEST), range(800)
    )
    assert all(counted)
    assert visits() == 800
    assert Presence.objects.count() == 800


def test_one_visitor_hammering_adds_one_visit_per_window():
    at = timezone.now()
    counted = run_in_threads(
        lambda i: visit_record(key="vSame", kind=VisitorKind.GUEST, at=at), range(400)
    )
    assert counted.count(True) == 1
    later = at + timedelta(minutes=31)
    counted = run_in_threads(
        lambda i: visit_record(key="vSame", kind=VisitorKind.GUEST, at=later), range(400)
    )
    assert counted.count(True) == 1
    assert visits() == 2


def test_concurrent_batches_stay_exact_and_do_not_deadlock():
    """Batches of several processes at once (phongtrao.batched): each new visitor counted once
    however the batches overlap, and none refused (a deadlock on the day's rows would be)."""
    at = timezone.now()
    batches = [
        [(f"v{(b * 7 + i) % 300:021d}", VisitorKind.GUEST, at) for i in range(60)]
        for b in range(40)
    ]
    counted = run_in_threads(lambda batch: visits_record(visits=batch), batches)
    assert sum(counted) == visits() == Presence.objects.count()
    assert visits() == len({key for batch in batches for key, _, _ in batch})


def test_concurrent_batches_keep_the_minutes_figures_of_their_visitors():
    """Batches seeing the same known visitors anew at once, in other minutes and as other
    kinds: each visitor is still counted in exactly the minute it was last seen in."""
    at = timezone.now()
    visits_record(visits=[(f"v{i:021d}", VisitorKind.GUEST, at) for i in range(300)])
    kinds = [VisitorKind.GUEST, VisitorKind.MEMBER]
    batches = [
        [
            (f"v{(b * 7 + i) % 330:021d}", kinds[(b + i) % 2], at + timedelta(minutes=b % 4))
            for i in range(60)
        ]
        for b in range(40)
    ]
    run_in_threads(lambda batch: visits_record(visits=batch), batches)
    assert minutes_kept() == minutes_of_presence()
    assert sum(minutes_kept().values()) == Presence.objects.count() == 330


def test_link_clicks_are_not_lost():
    link = Link.objects.create(title="Hội LHPN Việt Nam", url="https://hoilhpn.org.vn/")
    run_in_threads(lambda i: link_click_record(link=link), range(500))
    link.refresh_from_db()
    assert link.clicks == 500
