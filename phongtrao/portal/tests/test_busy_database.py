"""Issue 14, failure 8: a busy SQLite never turns a guest's portal page into a 500.

The test database is copied to a file and the test's connection pointed at it; a second,
plain sqlite3 connection then holds the write lock (BEGIN IMMEDIATE) while a guest reads.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.db import connection

from phongtrao.portal.models import ArticleStats
from phongtrao.portal.tests.site import BROWSER_UA

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer"),
]


@pytest.fixture
def file_database(portal, tmp_path):
    """The portal's database as a file (WAL, as in production), used by the test client."""
    path = tmp_path / "busy.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    target = sqlite3.connect(path)
    memory.backup(target)
    target.close()
    original = connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    connection.ensure_connection()
    yield path
    connection.close()
    connection.settings_dict["NAME"] = original
    connection.connection = memory


@pytest.fixture
def write_lock(file_database):
    """Another process's long write transaction (as an import parsing a file would hold)."""
    other = sqlite3.connect(file_database, isolation_level=None, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE portal_articlestats SET views = views")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_article_and_home_pages_answer_200_while_another_connection_writes(
    client, portal, write_lock, caplog
):
    seed = portal["seed"]
    started = time.monotonic()
    article = client.get(seed.url, HTTP_USER_AGENT=BROWSER_UA)
    home = client.get("/", HTTP_USER_AGENT=BROWSER_UA)
    elapsed = time.monotonic() - started
    assert article.status_code == 200 and home.status_code == 200
    assert seed.title in article.content.decode()
    assert elapsed < 5, elapsed  # not the connection's 20 s timeout
    assert "dropped" in caplog.text


def test_counting_resumes_once_the_lock_is_gone(client, portal, file_database):
    seed = portal["seed"]
    other = sqlite3.connect(file_database, isolation_level=None, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    assert client.get(seed.url, HTTP_USER_AGENT=BROWSER_UA).status_code == 200
    other.execute("ROLLBACK")
    other.close()
    assert client.get(seed.url, HTTP_USER_AGENT=BROWSER_UA).status_code == 200
    assert ArticleStats.objects.get(article_id=seed.pk).views == 1
