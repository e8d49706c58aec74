"""Guests' counts written in batches (phongtrao/batched.py), as production does: exact, shown
at once with the reader's own view, kept when the database refuses a batch."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from phongtrao.batched import CountBuffer
from phongtrao.portal.models import ArticleStats
from phongtrao.portal.traffic.middleware import VISITS
from phongtrao.portal.traffic.models import DailyVisits
from phongtrao.portal.views import VIEWS

from .site import BROWSER_UA

pytestmark = pytest.mark.django_db


@pytest.fixture
def batched(settings):
    # No request would find the batch due before an hour: the test writes it itself.
    settings.COUNTS_FLUSH_SECONDS = 3600
    VIEWS.flush()
    VISITS.flush()
    yield
    VIEWS.flush()  # what the test left, into its transaction (not at the process's exit)
    VISITS.flush()


def _views(article) -> int:
    stats = ArticleStats.objects.filter(article=article).first()
    return stats.views if stats else 0


def _visits() -> int:
    return DailyVisits.objects.aggregate(n=Sum("visits"))["n"] or 0


def test_views_and_visits_of_many_guests_are_written_exactly_by_the_batch(portal, batched):
    seed = portal["seed"]
    shown = []
    for _ in range(12):
        response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
        assert response.status_code == 200
        found = re.search(r"article-views\">([\d.]+)<", response.content.decode())
        shown.append(found[1] if found else None)
    Client(HTTP_USER_AGENT=BROWSER_UA).get(portal["home"].url)
    assert _views(seed) == 0  # not yet written
    # Each reader saw the count with its own view in it, before any was written.
    assert shown == [str(n) for n in range(1, 13)]
    assert VIEWS.flush() == 12
    assert VISITS.flush() == 13
    assert _views(seed) == 12
    assert _visits() == 13
    assert VIEWS.pending(seed.pk) == 0
    assert VIEWS.flush() == 0  # nothing twice


def test_a_refused_batch_is_kept_for_the_next_turn():
    written: list[list[int]] = []
    refuse = [True]

    def write(items):
        if refuse[0]:
            raise RuntimeError("database is locked")
        written.append(list(items))

    counts: CountBuffer[int] = CountBuffer(write, what="test")
    counts.add(7)
    counts.add(7)
    assert counts.flush() == 0
    assert counts.pending(7) == 2
    counts.add(8)
    refuse[0] = False
    assert counts.flush() == 3
    assert written == [[7, 7, 8]]
    assert counts.pending(7) == 0


def test_the_request_that_finds_the_batch_due_writes_it(portal, settings):
    # Counts wait in the process until a request finishes after COUNTS_FLUSH_SECONDS: that
    # request writes every count waiting, its own included, once its response is out.
    settings.COUNTS_FLUSH_SECONDS = 3600
    VIEWS.flush()
    VISITS.flush()
    seed = portal["seed"]
    for _ in range(3):
        Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert _views(seed) == 0
    settings.COUNTS_FLUSH_SECONDS = 0.000_001
    Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert _views(seed) == 4
    assert _visits() == 4
    assert VIEWS.pending(seed.pk) == 0


def test_a_counted_hit_runs_no_query_and_shows_every_view(portal, batched, settings):
    """Batched, an article page from the guests' cache runs no query while the process knows
    the article's counters (PORTAL_STATE_SECONDS): each new reader still sees its own view,
    and the views written by the process's batch are shown from what the write returned."""
    settings.PORTAL_STATE_SECONDS = 60
    settings.PORTAL_GENERATION_SECONDS = 60  # the pages' generation read once, however slow
    seed = portal["seed"]
    Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)  # kept, counters read
    shown = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
        assert response["X-Portal-Cache"] == "hit"
        assert [q["sql"] for q in queries.captured_queries] == []
        shown.append(re.search(r"article-views\">([\d.]+)<", response.content.decode())[1])
    assert shown == ["2", "3", "4", "5", "6"]
    assert VIEWS.flush() == 6 and _views(seed) == 6
    with CaptureQueriesContext(connection) as queries:
        response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert [q["sql"] for q in queries.captured_queries] == []
    assert 'article-views">7<' in response.content.decode()
