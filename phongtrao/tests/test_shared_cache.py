"""The shared cache: Redis named by PHONGTRAO_CACHE_URL is every process's caches["default"],
so what one app server caches or invalidates holds on every other."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings as django_settings
from django.core.cache import cache

from config.settings import shared_cache


def in_another_server(code: str, cache_url: str) -> str:
    """Run `code` in another process configured as a cluster's app server; its output."""
    env = dict(os.environ, PHONGTRAO_CACHE_URL=cache_url, DJANGO_SETTINGS_MODULE="config.settings")
    setup = "import django; django.setup(); from django.core.cache import cache; "
    done = subprocess.run(
        [sys.executable, "-c", setup + code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_without_a_cache_url_each_process_keeps_its_own_cache() -> None:
    assert shared_cache("")["default"]["BACKEND"].endswith("LocMemCache")
    assert shared_cache("redis://cache:6379/0")["default"]["BACKEND"].endswith("RedisCache")


def test_what_one_server_caches_another_reads_and_invalidates(redis_url, settings) -> None:
    settings.CACHES = shared_cache(redis_url)

    in_another_server("cache.set('portal:menu', ['Tin tức'], 300)", redis_url)
    assert cache.get("portal:menu") == ["Tin tức"]

    cache.delete("portal:menu")  # published here: every server sees the entry gone
    assert in_another_server("print(cache.get('portal:menu'))", redis_url) == "None"


def test_sessions_are_read_through_the_shared_cache_from_the_database(redis_url) -> None:
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    engine = in_another_server(code, redis_url)

    assert engine == "django.contrib.sessions.backends.cached_db"
