"""No lost update: views and ratings counted from many threads at once (PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from phongtrao.portal.models import ArticleStats, Rating
from phongtrao.portal.services import AlreadyRated, article_view_add, rating_add

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _in_thread(work):
    def run(n):
        try:
            return work(n)
        finally:
            connection.close()

    return run


def test_concurrent_views_add_exactly_n(portal):
    seed_id = portal["seed"].pk
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(_in_thread(lambda n: article_view_add(article_id=seed_id)), range(400)))
    assert ArticleStats.objects.get(article_id=seed_id).views == 400


def test_concurrent_marks_of_one_voter_count_once(portal):
    seed = portal["seed"]

    def mark(n):
        try:
            rating_add(article=seed, voter=f"s:{n % 10}", score=1 + n % 5)
            return True
        except AlreadyRated:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        accepted = sum(pool.map(_in_thread(mark), range(100)))
    stats = ArticleStats.objects.get(article=seed)
    assert accepted == 10 == stats.rating_count == Rating.objects.count()
    assert stats.rating_total == sum(Rating.objects.values_list("score", flat=True))
