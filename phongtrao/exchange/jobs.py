"""Importing an uploaded file in the background, with progress the page polls.

The upload is saved to `MEDIA_ROOT/imports/`, an `ImportJob` row is made, and the import runs
in a thread of the process that received it (started once the row is committed): no worker
process to run beside gunicorn. While it runs, progress (bytes and values read, values
written) goes to a small JSON file beside the upload, not to the database: the import holds
its transaction open to the end (all or nothing), and on SQLite no other write could pass.
Any gunicorn worker of the machine can answer the poll. A job whose progress stops for
`STALE_AFTER` (the process died) is shown as failed. The end state and DHIS2's import summary
go to the row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connections, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from phongtrao.accounts.access import membership_of, unit_may_change
from phongtrao.exchange.formats import Format, FormatError, format_guess
from phongtrao.exchange.models import ImportJob, JobStatus
from phongtrao.exchange.readers import stream_with_progress
from phongtrao.exchange.services import datavalueset_import
from phongtrao.vn import format_number

logger = logging.getLogger(__name__)
STALE_AFTER = dt.timedelta(minutes=10)
REPORT_EVERY = 0.3  # seconds between two progress files
MAX_UPLOAD = 2 * 1024**3
FORMAT_CHOICES = [
    ("", "Tự nhận theo đuôi tệp"),
    (Format.JSON.value, "DHIS2 JSON"),
    (Format.XML.value, "DHIS2 XML"),
    (Format.CSV.value, "DHIS2 CSV"),
    (Format.ADX.value, "ADX"),
]


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _progress_path(job: ImportJob) -> Path:
    return Path(job.path).with_suffix(".progress.json")


class _Reporter:
    """Counts what the import has done and writes it to the progress file now and then."""

    def __init__(self, job: ImportJob) -> None:
        self.path = _progress_path(job)
        self.counts = {"bytes_read": 0, "values_read": 0, "values_written": 0}
        self.last = 0.0

    def add(self, name: str, amount: int) -> None:
        self.counts[name] += amount
        now = time.monotonic()
        if now - self.last >= REPORT_EVERY:
            self.last = now
            self.write()

    def write(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.counts))
        os.replace(temporary, self.path)  # readers never see half a file


def _thread_main(job_id: int) -> None:
    """The background thread: its own database connection, closed at the end."""
    close_old_connections()
    try:
        job_run(job_id)
    finally:
        connections.close_all()  # this thread's own connections: none must outlive it


def job_run(job_id: int) -> None:
    """Run one import job to its end (in the background thread; callable directly too)."""
    try:
        job = ImportJob.objects.select_related("user").get(pk=job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
        )
        reporter = _Reporter(job)
        reporter.write()
        user = job.user
        try:
            with open(job.path, "rb") as raw:
                stream = stream_with_progress(raw, lambda n: reporter.add("bytes_read", n))
                summary = datavalueset_import(
                    stream=stream,
                    format=job.format,
                    id_scheme=job.id_scheme,
                    dry_run=job.dry_run,
                    strategy=job.strategy,
                    user=user,
                    unit_allowed=lambda unit: unit_may_change(user, unit),
                    progress=lambda n: reporter.add("values_written", n),
                    on_read=lambda n: reporter.add("values_read", n),
                    chunk_size=10_000,
                )
        except Exception as error:  # the row must say it failed, whatever happened
            logger.exception("import job %s failed", job_id)
            ImportJob.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED,
                error=f"Lỗi khi nhập: {error}"[:2000],
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
                **reporter.counts,
            )
            return
        counts = reporter.counts
        counts["values_read"] = summary.read
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            summary=summary.as_dict(),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            **counts,
        )
    finally:
        _cleanup(job_id)


def _cleanup(job_id: int) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not job.path:
        return
    for path in (Path(job.path), _progress_path(job), _progress_path(job).with_suffix(".tmp")):
        path.unlink(missing_ok=True)


def job_start(job: ImportJob) -> threading.Thread:
    """Start the job in a background thread (the caller's transaction committed first)."""
    thread = threading.Thread(
        target=_thread_main, args=(job.pk,), name=f"import-job-{job.pk}", daemon=True
    )
    thread.start()
    return thread


@transaction.atomic
def job_create(
    *,
    user: Any,
    upload: UploadedFile,
    format: str,
    dry_run: bool,
    strategy: str,
    id_scheme: str,
) -> ImportJob:
    """Save the upload and queue its import; it starts when this transaction commits."""
    name = upload.name or "tep"
    fmt = Format(format) if format else format_guess(name)
    path = _folder() / f"{uuid.uuid4().hex}.upload"
    with open(path, "wb") as out:
        for piece in upload.chunks():
            out.write(piece)
    job = ImportJob.objects.create(
        user=user,
        filename=Path(name).name[:255],
        path=str(path),
        format=fmt.value,
        dry_run=dry_run,
        strategy=strategy,
        id_scheme=id_scheme,
        size=path.stat().st_size,
    )
    if getattr(settings, "IMPORT_JOBS_START", True):
        transaction.on_commit(lambda: job_start(job))
    return job


def job_progress_read(job: ImportJob) -> dict[str, Any]:
    """Where a job stands, for the page: counts, percent, and the summary at the end."""
    counts = {
        "bytes_read": job.bytes_read,
        "values_read": job.values_read,
        "values_written": job.values_written,
    }
    status = job.status
    error = job.error
    if not job.finished:
        progress = _progress_path(job)
        try:
            counts.update(json.loads(progress.read_text()))
            moved = dt.datetime.fromtimestamp(progress.stat().st_mtime, tz=dt.UTC)
        except (OSError, ValueError):
            moved = job.heartbeat_at or job.created_at
        if status == JobStatus.RUNNING and timezone.now() - moved > STALE_AFTER:
            status, error = JobStatus.FAILED, "Lượt nhập bị gián đoạn (máy chủ đã khởi động lại)."
    size = job.size or 1
    percent = 100 if status == JobStatus.DONE else min(99, counts["bytes_read"] * 100 // size)
    return {
        "id": job.pk,
        "status": status,
        "statusLabel": JobStatus(status).label,
        "finished": status in (JobStatus.DONE, JobStatus.FAILED),
        "percent": percent,
        "bytesRead": counts["bytes_read"],
        "size": job.size,
        "valuesRead": counts["values_read"],
        "valuesWritten": counts["values_written"],
        "text": (
            f"Đã đọc {format_number(counts['values_read'])} giá trị, "
            f"đã xử lý {format_number(counts['values_written'])} giá trị ({percent}%)."
        ),
        "summary": job.summary,
        "error": error,
    }


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
