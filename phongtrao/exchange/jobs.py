"""Importing an uploaded file in the background, on the task queue, with progress any server sees.

The upload is saved to the private storage (`storages["private"]`: a folder on one machine, the
private S3 bucket in a cluster, so that a worker on another machine reads what an app server
received) under `imports/`; an `ImportJob` row is made and a task queued in the same
transaction (`import_job_task`, Django's Tasks API with the database backend): a
`manage.py db_worker` process, on any machine, runs it. The import holds its own transaction
to the end, so a failure or a worker killed mid-way writes nothing; the counts go through the
`progress` connection meanwhile (`phongtrao.jobs.progress`), so every app server sees them at
once. A running job whose heartbeat stops for `JOBS_STALE_AFTER` seconds has died: it is marked
failed when next read, and its owner may run it again (`job_retry`), the upload being kept
until an import of it finishes. The end state and DHIS2's import summary go to the row.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import IO, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from phongtrao.accounts.access import membership_of, unit_may_change
from phongtrao.exchange.formats import Format, FormatError, format_guess
from phongtrao.exchange.models import ImportJob, JobStatus
from phongtrao.exchange.readers import stream_with_progress
from phongtrao.exchange.services import datavalueset_import
from phongtrao.jobs.progress import Progress, progress_forget, progress_read, stale_after
from phongtrao.jobs.uploads import upload_storage, upload_store
from phongtrao.vn import format_number

logger = logging.getLogger(__name__)
MAX_UPLOAD = 2 * 1024**3
COUNTS = ("bytes_read", "values_read", "values_written", "conflicts")
FORMAT_CHOICES = [
    ("", "Tự nhận theo đuôi tệp"),
    (Format.JSON.value, "DHIS2 JSON"),
    (Format.XML.value, "DHIS2 XML"),
    (Format.CSV.value, "DHIS2 CSV"),
    (Format.ADX.value, "ADX"),
]
INTERRUPTED = "Lượt nhập bị gián đoạn (tiến trình xử lý nền đã dừng); chưa ghi giá trị nào."


def upload_kept(name: str) -> bool:
    """Whether a job's upload is still stored (a path of the old local folder is not)."""
    return bool(name) and not Path(name).is_absolute() and upload_storage().exists(name)


def upload_save(upload: UploadedFile | IO[bytes]) -> tuple[str, int]:
    """Store an upload under `imports/`; its storage name and size."""
    return upload_store(upload, f"imports/{uuid.uuid4().hex}.upload")


@task()
def import_job_task(job_id: int) -> str:
    """The queued task: run one import job (see `job_run`)."""
    return job_run(job_id)


def job_run(job_id: int) -> str:
    """Run one queued import job to its end; returns its end status.

    A job no longer queued (already run, or run again meanwhile) is left as it is.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return str(job.status)
    progress = Progress(job.task_id or f"import-{job.pk}", **dict.fromkeys(COUNTS, 0))
    progress.write()
    user = job.user
    try:
        with (
            progress.beating(),
            upload_storage().open(job.path, "rb") as raw,
            transaction.atomic(),
        ):
            _commit_unawaited()
            stream = stream_with_progress(raw, lambda n: progress.add("bytes_read", n))
            summary = datavalueset_import(
                stream=stream,
                format=job.format,
                id_scheme=job.id_scheme,
                data_element_id_scheme=job.data_element_id_scheme or None,
                org_unit_id_scheme=job.org_unit_id_scheme or None,
                dry_run=job.dry_run,
                strategy=job.strategy,
                atomic=job.atomic,
                actor=user,
                unit_allowed=lambda unit: unit_may_change(user, unit),
                progress=lambda n: progress.add("values_written", n),
                on_read=lambda n: progress.add("values_read", n),
                chunk_size=10_000,
                read_thread=True,  # the worker: the file is parsed while the database writes
            )
    except BaseException as error:  # the row must say it failed, even on a worker's shutdown
        logger.exception("import job %s failed", job_id)
        _finish(job, progress, JobStatus.FAILED, error=f"Lỗi khi nhập: {error}"[:2000])
        raise
    progress.counts["values_read"] = summary.read
    progress.counts["conflicts"] = len(summary.as_dict().get("conflicts", []))
    _finish(job, progress, JobStatus.DONE, summary=summary.as_dict())
    upload_storage().delete(job.path)  # kept until now, for a retry
    return str(JobStatus.DONE)


def _commit_unawaited() -> None:
    """PostgreSQL: the import's commit does not wait for its WAL to reach the disk.

    Safe here, unlike in a request that answers once committed: the job is marked done by a
    later transaction that does wait, and the WAL is flushed in order, so a job seen done has
    its values on disk; a crash before that leaves the job failed and retryable (a retry of an
    import that did reach the disk finds its values stored and ignores them).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _finish(job: ImportJob, progress: Progress, status: JobStatus, **fields: Any) -> None:
    counts = {name: progress.counts.get(name, 0) for name in COUNTS}
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), **counts, **fields
    )
    progress_forget(progress.key)


def _enqueue(job: ImportJob) -> None:
    result = import_job_task.enqueue(job.pk)
    job.task_id = str(result.id)
    ImportJob.objects.filter(pk=job.pk).update(task_id=job.task_id)


@transaction.atomic
def job_create(
    *,
    user: Any,
    upload: UploadedFile | IO[bytes],
    format: str,
    dry_run: bool,
    strategy: str,
    id_scheme: str,
    atomic: bool = True,
    name: str = "",
    data_element_id_scheme: str = "",
    org_unit_id_scheme: str = "",
) -> ImportJob:
    """Save the upload (a file of the form, or a request body) and queue its import; a
    worker takes it once this transaction commits."""
    name = name or getattr(upload, "name", "") or "tep"
    fmt = Format(format) if format else format_guess(name)
    path, size = upload_save(upload)
    job = ImportJob.objects.create(
        user=user,
        filename=Path(name).name[:255],
        path=path,
        format=fmt.value,
        dry_run=dry_run,
        strategy=strategy,
        id_scheme=id_scheme,
        data_element_id_scheme=data_element_id_scheme,
        org_unit_id_scheme=org_unit_id_scheme,
        atomic=atomic,
        uid=uuid.uuid4().hex[:11],
        size=size,
    )
    _enqueue(job)
    return job


@transaction.atomic
def job_retry(*, actor: Any, job: ImportJob) -> ImportJob:
    """Queue a failed import again, from the kept upload (only its owner may)."""
    if job.user_id != getattr(actor, "pk", None):
        raise PermissionDenied("Đây không phải lượt nhập của bạn.")
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.FAILED or not upload_kept(job.path):
        raise ValueError("Chỉ nhập lại được lượt nhập bị lỗi khi tệp còn được giữ.")
    job.status, job.error, job.summary = JobStatus.QUEUED, "", None
    job.started_at = job.finished_at = job.heartbeat_at = None
    for name in COUNTS:
        setattr(job, name, 0)
    job.save()
    _enqueue(job)
    return job


def job_reap(job: ImportJob) -> ImportJob:
    """Mark a running job whose heartbeat stopped as failed (its worker died), and its task."""
    _, heartbeat = progress_read(job.task_id or f"import-{job.pk}")
    moved = heartbeat or job.heartbeat_at or job.created_at
    if job.status != JobStatus.RUNNING or timezone.now() - moved <= stale_after():
        return job
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, error=INTERRUPTED, finished_at=now
    )
    if job.task_id:
        DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
            status="FAILED", finished_at=now, exception_class_path="", traceback=INTERRUPTED
        )
    job.refresh_from_db()
    return job


def job_progress_read(job: ImportJob) -> dict[str, Any]:
    """Where a job stands, for the page: counts, percent, and the summary at the end."""
    job = job_reap(job)
    counts: dict[str, Any] = {name: getattr(job, name) for name in COUNTS}
    if not job.finished:
        counts.update(progress_read(job.task_id or f"import-{job.pk}")[0])
    status = JobStatus(job.status)
    size = job.size or 1
    percent = 100 if status == JobStatus.DONE else min(99, counts["bytes_read"] * 100 // size)
    if status == JobStatus.QUEUED:
        text = "Đang chờ tiến trình xử lý nền nhận lượt nhập này."
    else:
        text = (
            f"Đã đọc {format_number(counts['values_read'])} giá trị, "
            f"đã xử lý {format_number(counts['values_written'])} giá trị, "
            f"{format_number(counts['conflicts'])} xung đột ({percent}%)."
        )
    return {
        "id": job.pk,
        "status": status.value,
        "statusLabel": status.label,
        "finished": job.finished,
        "retryable": status == JobStatus.FAILED and upload_kept(job.path),
        "percent": percent,
        "bytesRead": counts["bytes_read"],
        "size": job.size,
        "valuesRead": counts["values_read"],
        "valuesWritten": counts["values_written"],
        "conflicts": counts["conflicts"],
        "text": text,
        "summary": job.summary,
        "error": job.error,
    }


def job_notifications(job: ImportJob) -> list[dict[str, Any]]:
    """DHIS2's notifications of an import job (`/api/system/tasks/DATAVALUE_IMPORT/<id>`),
    newest first as DHIS2 lists them; the newest says `completed: true` once it has ended."""
    progress = job_progress_read(job)
    category = "DATAVALUE_IMPORT"

    def note(when: Any, message: str, *, level: str = "INFO", completed: bool = False) -> Any:
        stamp = (when or job.created_at).isoformat(timespec="milliseconds")
        return {
            "uid": f"{job.uid[:9]}{len(notes):02d}",  # stable: the n-th note of the job
            "level": level,
            "category": category,
            "time": stamp,
            "message": message,
            "completed": completed,
        }

    notes: list[dict[str, Any]] = []
    notes.append(note(job.created_at, "Initiated DATAVALUE_IMPORT"))
    if job.started_at:
        notes.append(note(job.started_at, "Importing data values"))
    if progress["valuesRead"] and not progress["finished"]:
        notes.append(
            note(
                timezone.now(),
                f"Read {progress['valuesRead']} values, wrote {progress['valuesWritten']}",
            )
        )
    if progress["status"] == JobStatus.DONE:
        notes.append(note(job.finished_at, "Import done", completed=True))
    elif progress["status"] == JobStatus.FAILED:
        notes.append(
            note(
                job.finished_at, progress["error"] or "Import failed", level="ERROR", completed=True
            )
        )
    return notes[::-1]


# --- pages ---------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(label="Tệp số liệu (DHIS2 JSON, XML, CSV hoặc ADX)")
    format = forms.ChoiceField(label="Định dạng", choices=FORMAT_CHOICES, required=False)
    id_scheme = forms.ChoiceField(
        label="Mã định danh trong tệp",
        choices=[("UID", "UID (DHIS2)"), ("CODE", "Mã (CODE)")],
        initial="UID",
    )
    strategy = forms.ChoiceField(
        label="Cách nhập",
        choices=[
            ("CREATE_AND_UPDATE", "Thêm mới và cập nhật"),
            ("CREATE", "Chỉ thêm mới"),
            ("UPDATE", "Chỉ cập nhật"),
            ("DELETE", "Xóa các giá trị trong tệp"),
        ],
        initial="CREATE_AND_UPDATE",
    )
    dry_run = forms.BooleanField(label="Nhập thử (kiểm tra, không ghi)", required=False)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD:
            raise forms.ValidationError("Tệp quá lớn (tối đa 2 GB).")
        return upload


def _may_import(user: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    membership = membership_of(user)
    return membership is not None and unit_may_change(user, membership.unit)


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, user=_signed_in(request)).first()
    if job is None:
        raise Http404("Không tìm thấy lượt nhập.")
    return job


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file to import in the background; the user's recent imports below."""
    if not _may_import(request.user):
        raise PermissionDenied("Bạn không có quyền nhập số liệu.")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = job_create(
                user=request.user,
                upload=data["file"],
                format=data["format"],
                dry_run=data["dry_run"],
                strategy=data["strategy"],
                id_scheme=data["id_scheme"],
            )
        except FormatError as error:
            form.add_error("format", str(error))
        else:
            return redirect("exchange:import-job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=_signed_in(request))[:10]
    return render(
        request,
        "exchange/upload.html",
        {"form": form, "jobs": jobs},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Run a failed import again (the "Nhập lại" button)."""
    job = _own_job(request, pk)
    try:
        job_retry(actor=request.user, job=job)
    except ValueError as error:
        return render(
            request,
            "exchange/job.html",
            {"job": job, "progress": job_progress_read(job), "retry_error": str(error)},
            status=400,
        )
    return redirect("exchange:import-job", pk=job.pk)


@login_required
@require_GET
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: a progress bar the page updates, then DHIS2's summary."""
    job = _own_job(request, pk)
    return render(request, "exchange/job.html", {"job": job, "progress": job_progress_read(job)})


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The progress of one of the user's imports, as JSON for the page's polling."""
    return JsonResponse(
        job_progress_read(_own_job(request, pk)), json_dumps_params={"ensure_ascii": False}
    )


def _signed_in(request: HttpRequest) -> Any:
    """The signed-in user (the views are login_required): typed for the ORM's lookups."""
    return request.user
