"""Imports run by real `manage.py db_worker` processes against the test database.

PostgreSQL only: SQLite's test database lives in this process's memory, where no other
process can reach it (the in-process worker of `tasks_run_pending` covers SQLite).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from phongtrao.data.models import DataValue
from phongtrao.exchange.models import ImportJob
from phongtrao.jobs.uploads import upload_storage
from phongtrao.jobs.worker import tasks_run_pending

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("no_deadlines"),
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases=["default", "progress"]
    ),
]
UPLOAD = "/api/nhap-tep/"


def worker(*args: str, media: Path) -> subprocess.Popen[bytes]:
    """A `manage.py db_worker` process on the test database, its errors to `media`/worker.log."""
    # The server's URL (scripts/with_postgres.py), on the test database.
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    env = {**os.environ, "DATABASE_URL": urlunsplit(url), "PRIVATE_MEDIA_ROOT": str(media)}
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*command, "--interval", "0.1", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(media / "worker.log").open("wb"),
    )


def many_values(indicators, small_tree) -> list[dict[str, str]]:
    periods = [f"{year}{month:02d}" for year in range(2000, 2025) for month in range(1, 13)]
    return [
        {"dataElement": i.uid, "orgUnit": small_tree[u].uid, "period": p, "value": "1"}
        for i in list(indicators.values())[:40]
        if not i.formula and i.time_aggregation == "sum"
        for u in ("c1", "c2")
        for p in periods
    ]


def post(client, values: list[dict[str, str]]) -> ImportJob:
    data = json.dumps({"dataValues": values}).encode()
    form = {"file": SimpleUploadedFile("so-lieu.json", data), "id_scheme": "UID"}
    client.post(UPLOAD, {**form, "strategy": "CREATE_AND_UPDATE"})
    return ImportJob.objects.get()


def wait_for(client, job: ImportJob, done, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
        if done(progress):
            return progress
        time.sleep(0.05)
    raise AssertionError(
        (
            progress,
            log.read_text()
            if (log := Path(upload_storage().path(job.path)).parent.parent / "worker.log").exists()
            else "",
        )
    )


def test_a_worker_process_imports_and_the_page_sees_it_run(
    client, api_people, small_tree, indicators, tmp_path
):
    values = many_values(indicators, small_tree)
    client.force_login(api_people["huyen"])
    job = post(client, values)
    process = worker(media=tmp_path)
    try:
        running = wait_for(client, job, lambda p: p["status"] == "running" and p["valuesRead"])
        progress = wait_for(client, job, lambda p: p["finished"])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    assert 0 < running["percent"] < 100
    assert progress["status"] == "done", progress
    assert progress["summary"]["importCount"]["imported"] == len(values)
    assert DataValue.objects.count() == len(values)


def test_a_killed_worker_leaves_nothing_written_and_the_job_runs_again(
    client, api_people, small_tree, indicators, tmp_path, settings
):
    values = many_values(indicators, small_tree)
    client.force_login(api_people["huyen"])
    job = post(client, values)
    process = worker(media=tmp_path)
    wait_for(client, job, lambda p: p["status"] == "running" and p["valuesWritten"])

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    settings.JOBS_STALE_AFTER = 0  # no heartbeat will come: the job is dead

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["status"] == "failed" and progress["retryable"], progress
    assert DataValue.objects.count() == 0  # the worker's transaction died with it
    assert client.post(f"/api/nhap-tep/{job.pk}/nhap-lai/").status_code == 302
    settings.JOBS_STALE_AFTER = 600
    assert tasks_run_pending() == 1
    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["status"] == "done" and DataValue.objects.count() == len(values)
