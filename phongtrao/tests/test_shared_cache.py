"""The shared cache: Redis named by PHONGTRAO_CACHE_URL is every process's caches["default"],
so what one app server caches or invalidates holds on every other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from config.settings import shared_cache
from phongtrao.tests.servers import AppServer, app_server, redis_server


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, AppServer]]:
    """A Redis server and another app server configured with it, for the module's tests
    (each start is a process; the other app server's, django.setup(), ~2 s of CPU)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url, app_server(url) as another:
        yield url, another


def test_without_a_cache_url_each_process_keeps_its_own_cache() -> None:
    assert shared_cache("")["default"]["BACKEND"].endswith("LocMemCache")
    assert shared_cache("redis://cache:6379/0")["default"]["BACKEND"].endswith("RedisCache")


def test_what_one_server_caches_another_reads_and_invalidates(cluster, settings) -> None:
    url, another = cluster
    settings.CACHES = shared_cache(url)

    another.run("from django.core.cache import cache; cache.set('portal:menu', ['Tin tức'], 300)")
    assert cache.get("portal:menu") == ["Tin tức"]

    cache.delete("portal:menu")  # published here: every server sees the entry gone
    assert another.run("from django.core.cache import cache; print(cache.get('portal:menu'))") == (
        "None"
    )


def test_sessions_are_read_through_the_shared_cache_from_the_database(cluster) -> None:
    _, another = cluster
    engine = another.run("from django.conf import settings; print(settings.SESSION_ENGINE)")

    assert engine == "django.contrib.sessions.backends.cached_db"
