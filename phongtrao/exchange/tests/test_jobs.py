"""Web upload: the import runs in the background; the page polls progress and the summary."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from phongtrao.data.models import DataValue
from phongtrao.exchange.jobs import job_run
from phongtrao.exchange.models import ImportJob, JobStatus

# The catalog's forms close 15 days after the period; these tests write 2023 as officers.
pytestmark = pytest.mark.usefixtures("no_deadlines")

UPLOAD = "/api/nhap-tep/"


def payload(indicators, small_tree, values=(("c1", "5"), ("c2", "7"))) -> bytes:
    return json.dumps(
        {
            "period": "2023",
            "dataValues": [
                {"dataElement": indicators["TH_HD"].uid, "orgUnit": small_tree[u].uid, "value": v}
                for u, v in values
            ],
        }
    ).encode()


def upload(client, data: bytes, name: str = "so-lieu.json", **fields):
    form = {"file": SimpleUploadedFile(name, data), "id_scheme": "UID", **fields}
    form.setdefault("strategy", "CREATE_AND_UPDATE")
    return client.post(UPLOAD, form)


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def no_thread(settings):
    settings.IMPORT_JOBS_START = False


@pytest.mark.django_db
def test_upload_then_run_then_summary(client, api_people, small_tree, indicators, no_thread):
    client.force_login(api_people["huyen"])

    response = upload(client, payload(indicators, small_tree))

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/api/nhap-tep/{job.pk}/"
    assert (job.status, job.format, job.size) == (JobStatus.QUEUED, "dhis2-json", job.size)
    job_run(job.pk)
    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["finished"] and progress["status"] == "done"
    assert progress["percent"] == 100 and progress["valuesRead"] == 2
    assert progress["summary"]["importCount"]["imported"] == 2
    assert "Đã đọc 2 giá trị" in progress["text"]
    assert DataValue.objects.count() == 2
    page = client.get(f"/api/nhap-tep/{job.pk}/").content.decode()
    assert "SUCCESS" in page and "Xong" in page
    assert "so-lieu.json" in client.get(UPLOAD).content.decode()
    assert not Path(job.path).exists()  # the upload is removed once imported


@pytest.mark.django_db
def test_conflicts_are_shown_and_nothing_written(
    client, api_people, small_tree, indicators, no_thread
):
    client.force_login(api_people["huyen"])
    # c3 lies in the other district: not the district officer's to change.
    upload(client, payload(indicators, small_tree, (("c1", "5"), ("c3", "9"))))
    job = ImportJob.objects.get()

    job_run(job.pk)

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["summary"]["status"] == "ERROR"
    assert small_tree["c3"].uid in progress["summary"]["conflicts"][0]["object"]
    assert DataValue.objects.count() == 0


@pytest.mark.django_db
def test_bad_files_fail_cleanly(client, api_people, no_thread):
    client.force_login(api_people["huyen"])

    response = upload(client, b"{}", name="so-lieu.doc")
    assert response.status_code == 400 and "Không đoán được định dạng" in response.content.decode()
    upload(client, b'{"dataValues": [', name="hong.json")
    job_run(ImportJob.objects.get().pk)

    summary = ImportJob.objects.get().summary
    assert summary["status"] == "ERROR" and "JSON" in summary["conflicts"][0]["value"]


@pytest.mark.django_db
def test_only_the_owner_sees_a_job(client, api_people, small_tree, indicators, no_thread):
    client.force_login(api_people["huyen"])
    upload(client, payload(indicators, small_tree))
    job = ImportJob.objects.get()
    client.force_login(api_people["xa_ngoai"])

    for url in (f"/api/nhap-tep/{job.pk}/", f"/api/nhap-tep/{job.pk}/tien-do/"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_viewers_may_not_upload(client, small_tree, no_thread):
    from django.contrib.auth import get_user_model

    from phongtrao.accounts.models import Role
    from phongtrao.accounts.services import membership_set

    viewer = get_user_model().objects.create_user("xem", password="x")
    membership_set(actor=None, user=viewer, unit=small_tree["d1"], roles=(Role.VIEW,))
    client.force_login(viewer)

    assert client.get(UPLOAD).status_code == 403
    assert client.get("/api/nhap-tep/").status_code == 403


@pytest.mark.django_db
def test_a_job_whose_worker_died_shows_as_failed(client, api_people, no_thread):
    client.force_login(api_people["huyen"])
    job = ImportJob.objects.create(
        user=api_people["huyen"],
        filename="x.json",
        path="/nonexistent/x.upload",
        format="dhis2-json",
        status=JobStatus.RUNNING,
        size=10,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()

    assert progress["status"] == "failed" and progress["finished"]
    assert "gián đoạn" in progress["error"]


def _job_thread(job: ImportJob) -> threading.Thread:
    for thread in threading.enumerate():
        if thread.name == f"import-job-{job.pk}":
            return thread
    raise AssertionError("no thread runs the job")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_background_thread_runs_it(client, api_people, small_tree, indicators):
    client.force_login(api_people["huyen"])
    upload(client, payload(indicators, small_tree))
    job = ImportJob.objects.get()

    # On SQLite no other write (a session save) can pass while an import writes: wait for it.
    _job_thread(job).join(timeout=60)

    progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
    assert progress["status"] == "done", progress
    assert DataValue.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_while_it_runs(client, api_people, small_tree, indicators):
    """On PostgreSQL the page polls during the import and sees the counts grow."""
    units = [small_tree[k] for k in ("c1", "c2")]
    periods = [f"{year}{month:02d}" for year in range(2000, 2025) for month in range(1, 13)]
    values = [
        {"dataElement": i.uid, "orgUnit": u.uid, "period": p, "value": "1"}
        for i in list(indicators.values())[:40]
        if not i.formula and i.time_aggregation == "sum"
        for u in units
        for p in periods
    ]
    client.force_login(api_people["huyen"])
    upload(client, json.dumps({"dataValues": values}).encode())
    job = ImportJob.objects.get()

    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = client.get(f"/api/nhap-tep/{job.pk}/tien-do/").json()
        seen.append((progress["status"], progress["valuesRead"], progress["percent"]))
        if progress["finished"]:
            break
        time.sleep(0.05)

    assert progress["status"] == "done", progress
    assert progress["summary"]["importCount"]["imported"] == len(values)
    assert any(status == "running" and 0 < pct < 100 for status, _, pct in seen), seen
