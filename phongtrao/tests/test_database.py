from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_is_version_15():
    assert connection.pg_version // 10000 == 15  # type: ignore[attr-defined]
