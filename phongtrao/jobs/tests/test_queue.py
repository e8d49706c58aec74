"""The task queue: tasks wait in the database until a worker runs them."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from phongtrao.analytics.models import Rollup
from phongtrao.jobs.progress import Progress, progress_forget, progress_read
from phongtrao.jobs.worker import tasks_run_pending


@pytest.mark.django_db
def test_a_queued_rollup_rebuild_waits_for_a_worker_then_rebuilds(small_tree, indicators):
    out = io.StringIO()
    call_command("rebuild_rollups", "--queue", stdout=out)
    result = DBTaskResult.objects.get()
    assert "hàng đợi" in out.getvalue() and result.status == "READY"

    assert tasks_run_pending() == 1

    result.refresh_from_db()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"rollups": Rollup.objects.count(), "activity": 0}


@pytest.mark.django_db(databases=["default", "progress"])
def test_progress_is_written_at_once_and_forgotten():
    progress = Progress("t-1", values_read=0)
    progress.add("values_read", 5)  # the first report is written at once
    counts, heartbeat = progress_read("t-1")
    assert counts == {"values_read": 5} and heartbeat is not None

    progress_forget("t-1")

    assert progress_read("t-1") == ({}, None)


@pytest.mark.django_db(
    databases=["default", "progress"], transaction=True, serialized_rollback=True
)
def test_a_silent_task_keeps_its_heartbeat_while_it_runs(settings):
    """One long statement reports nothing: the heartbeat goes on from the worker's side, so
    a live task is never taken for dead; it stops when the task ends."""
    settings.JOBS_STALE_AFTER = 2  # a beat every half second
    progress = Progress("import-silent", values_read=0)
    progress.write()
    _, first = progress_read("import-silent")
    with progress.beating():
        deadline = time.monotonic() + 30
        while progress_read("import-silent")[1] == first and time.monotonic() < deadline:
            time.sleep(0.1)  # silent: no add(), no write()
        _, beaten = progress_read("import-silent")
    assert beaten is not None and first is not None and beaten > first
    time.sleep(1.2)  # more than two beats' time: nothing beats once the block ended
    assert progress_read("import-silent")[1] == beaten
    progress_forget("import-silent")
