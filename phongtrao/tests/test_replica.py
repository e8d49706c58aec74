"""Reads that tolerate lag on the PostgreSQL streaming replica (config/replica.py).

The routing rules run everywhere; the tests marked `replica` run against a real primary and
streaming replica made by `scripts/with_postgres.py --replica` (what `make test-postgres`
runs), and are skipped, saying so, on SQLite or without a replica.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.replica import (
    REPLICA,
    WROTE_COOKIE,
    ReplicaRouter,
    period_closed,
    reading_replica,
    replica_reads,
    tolerant,
)
from phongtrao.orgs.models import Unit
from phongtrao.reports import views as report_views
from phongtrao.tests.replica import needs_replica, replica_caught_up


def test_tolerant_reads_go_to_the_replica_and_writes_to_the_primary() -> None:
    router = ReplicaRouter()
    assert router.db_for_read(Unit) is None
    token = reading_replica.set(True)
    try:
        assert router.db_for_read(Unit) == REPLICA
        assert router.db_for_read(Session) is None  # who is signed in: always fresh
    finally:
        reading_replica.reset(token)
    read_there = Unit(name="Xã A")
    read_there._state.db = REPLICA
    assert router.db_for_write(Unit, instance=read_there) == "default"
    assert router.allow_migrate(REPLICA, "orgs") is False


def test_a_browser_that_writes_reads_the_primary_for_a_while(db, client, settings) -> None:
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 7

    response = client.post("/dang-nhap/", {"username": "ai-do", "password": "sai"})

    cookie = response.cookies[WROTE_COOKIE]
    assert cookie["max-age"] == 7 and cookie["httponly"]
    assert WROTE_COOKIE not in client.get("/dang-nhap/").cookies  # reads set nothing


def test_a_report_reads_the_replica_only_for_a_closed_period() -> None:
    this_year = str(timezone.localdate().year)
    get = RequestFactory().get("/bao-cao/x/2023/")
    for view in (report_views.report_page, report_views.report_download):
        assert tolerant(get, view, {"unit_uid": "x", "period": "2023"})
        assert not tolerant(get, view, {"unit_uid": "x", "period": this_year})  # still open
        assert not tolerant(get, view, {"unit_uid": "x", "period": "2023-sai"})
    wrote = RequestFactory().get("/bao-cao/x/2023/", HTTP_COOKIE=f"{WROTE_COOKIE}=1")
    assert not tolerant(wrote, report_views.report_page, {"period": "2023"})  # their own write
    posted = RequestFactory().post("/bao-cao/x/2023/loi-van/")
    assert not tolerant(posted, report_views.report_texts_edit, {"period": "2023"})
    assert period_closed("2023Q4") and not period_closed(f"{this_year}W60")


def test_without_a_replica_every_read_stays_on_the_primary(db, settings) -> None:
    if REPLICA in settings.DATABASES:
        pytest.skip("a replica is configured in this run; tested below against it")
    settings.REPLICA_READS = True
    with replica_reads() as on_replica:
        assert on_replica is False
        assert ReplicaRouter().db_for_read(Unit) is None


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_tolerant_reads_reach_the_real_replica(real_replica, small_tree) -> None:
    unit = small_tree["c1"]
    replica_caught_up()

    with CaptureQueriesContext(connections[REPLICA]) as on_replica, replica_reads() as used:
        names = list(Unit.objects.filter(uid=unit.uid).values_list("name", flat=True))

    assert used and names == [unit.name]
    assert any("orgs_unit" in query["sql"] for query in on_replica.captured_queries)
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True  # a standby, not the primary under another name


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_the_analytics_api_reads_the_replica_unless_the_user_just_wrote(
    real_replica, client, province_officer
) -> None:
    client.force_login(province_officer)
    replica_caught_up()

    read = client.get("/api/analytics", {"dimension": "pe:2023"})
    assert read.headers.get("X-Phongtrao-Db") == REPLICA

    client.post("/dang-nhap/", {"username": "ai-do", "password": "sai"})  # a write of theirs
    again = client.get("/api/analytics", {"dimension": "pe:2023"})
    assert "X-Phongtrao-Db" not in again.headers


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_reads_fall_back_to_the_primary_when_the_replica_is_down(
    real_replica, client, province_officer, tmp_path
) -> None:
    replica = connections[REPLICA]
    replica.close()
    nowhere = {**replica.settings_dict["OPTIONS"], "host": str(tmp_path)}  # no server there
    replica.settings_dict = {**replica.settings_dict, "OPTIONS": nowhere}
    client.force_login(province_officer)

    with replica_reads() as on_replica:
        assert on_replica is False
        assert ReplicaRouter().db_for_read(Unit) is None
    response = client.get("/api/analytics", {"dimension": "pe:2023"})
    assert response.status_code < 500 and "X-Phongtrao-Db" not in response.headers


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_a_report_of_a_closed_period_is_read_on_the_replica(
    real_replica, client, admin_user, small_tree
) -> None:
    client.force_login(admin_user)
    unit = small_tree["province"]
    replica_caught_up()

    closed = client.get(f"/bao-cao/{unit.uid}/2023/")
    still_open = client.get(f"/bao-cao/{unit.uid}/{timezone.localdate().year}/")

    assert closed.status_code in (200, 404) and closed.headers.get("X-Phongtrao-Db") == REPLICA
    assert still_open.status_code in (200, 404) and "X-Phongtrao-Db" not in still_open.headers


@needs_replica
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])
def test_the_heavy_reads_raw_sql_goes_to_the_replica_too(real_replica, small_tree) -> None:
    """The country-sized questions read roll-ups and values by raw SQL (`grid_totals`, the
    naive sums): inside a tolerant view they take the replica's cursor, not the primary's."""
    from phongtrao.analytics.selectors.grid import grid_totals
    from phongtrao.analytics.selectors.naive import naive_subtree_totals
    from phongtrao.catalog.models import Indicator
    from phongtrao.data.rollups import period_rows

    period = period_rows(["2023"])["2023"]
    indicators = list(Indicator.objects.filter(code__startswith="HV_"))
    units = [small_tree[key] for key in ("province", "d1", "c1")]
    replica_caught_up()

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
        replica_reads() as used,
    ):
        grid_totals(units, [period], indicators)
        naive_subtree_totals(small_tree["province"], period, indicators)

    assert used
    tables = ("analytics_rollup", "data_value")
    assert [q for q in on_replica.captured_queries if any(t in q["sql"] for t in tables)]
    assert not [q for q in on_primary.captured_queries if any(t in q["sql"] for t in tables)]
