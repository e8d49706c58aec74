"""A DHIS2 JSON file imported the ways users import it: queued and run by a real worker
process (the upload page, `/api/nhap-tep/`), and posted to `/api/dataValueSets`.

Used by bench/measure.py (the keys `file_import_values_per_s`, `file_import_peak_mb` and
`api_import_values_per_s` of `make bench-quick`) and bench/exchange.py (`--via worker`).
Alone (`python bench/fileimport.py --values N`, on a fresh database): loads the 2025 units,
then imports a file of N values each way and prints one JSON line; `--formats json,csv,adx`
then queues a file of N new values in each further format (a year of its own each) and adds
its keys (`csv_import_values_per_s`...). The time is from queuing (the upload stored, the job
row made) to the job seen done, with a worker already running as in production (started and
warmed by a small dry run before the clock starts; it polls every 0.2 s, as the systemd unit's);
`*_job_values_per_s` times the job alone (its started and finished marks).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from phongtrao.catalog.models import Indicator, TimeAggregation  # noqa: E402
from phongtrao.exchange.jobs import job_create  # noqa: E402
from phongtrao.exchange.models import ImportJob, JobStatus  # noqa: E402
from phongtrao.orgs.models import Edition, Level, Unit  # noqa: E402

PASSWORD = "bench-import-password"  # noqa: S105 - a throw-away bench database's account


def cells(count: int, year: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(commune uid, month) pairs of `year` and indicator uids giving about `count` values."""
    communes = list(
        Unit.objects.filter(edition=Edition.objects.get(code="2025"), level=Level.COMMUNE)
        .order_by("path")
        .values_list("uid", flat=True)
    )
    indicators = list(
        Indicator.objects.filter(formula="", time_aggregation=TimeAggregation.SUM, parent=None)
        .order_by("sort_order", "code")
        .values_list("uid", flat=True)
    )
    months = [f"{year}{m:02d}" for m in range(1, 13)]
    pairs = [(c, m) for m in months for c in communes]
    per_cell = max(1, min(len(indicators), -(-count // len(pairs))))
    needed = -(-count // per_cell)
    return pairs[:needed], indicators[:per_cell]


def json_write(path: Path, count: int, year: int) -> int:
    """A DHIS2 JSON dataValueSet of `count` new values, written as a stream."""
    pairs, des = cells(count, year)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"dataValues": [\n')
        for ou, pe in pairs:
            for i, de in enumerate(des):
                if n == count:
                    break
                separator = ",\n" if n else ""
                out.write(
                    f'{separator}{{"dataElement":"{de}","period":"{pe}","orgUnit":"{ou}",'
                    f'"value":"{(n * 7 + i) % 500}"}}'
                )
                n += 1
        out.write("\n]}\n")
    return n


def csv_write(path: Path, count: int, year: int) -> int:
    """The same values as `json_write`, as a DHIS2 CSV file with a header row."""
    pairs, des = cells(count, year)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n")
        for ou, pe in pairs:
            for i, de in enumerate(des):
                if n == count:
                    break
                out.write(f"{de},{pe},{ou},,,{(n * 7 + i) % 500}\n")
                n += 1
    return n


def adx_write(path: Path, count: int, year: int) -> int:
    """The same values as `json_write`, as ADX: one group per unit and month."""
    pairs, des = cells(count, year)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<adx xmlns="urn:ihe:qrph:adx:2015">\n')
        for ou, pe in pairs:
            if n == count:
                break
            out.write(f'<group orgUnit="{ou}" period="{pe[:4]}-{pe[4:]}-01/P1M">\n')
            for i, de in enumerate(des):
                if n == count:
                    break
                out.write(f'<dataValue dataElement="{de}" value="{(n * 7 + i) % 500}"/>\n')
                n += 1
            out.write("</group>\n")
        out.write("</adx>\n")
    return n


# name: (the upload's format, its file's suffix, its writer)
FORMATS: dict[str, tuple[str, str, Any]] = {
    "json": ("dhis2-json", "json", json_write),
    "csv": ("dhis2-csv", "csv", csv_write),
    "adx": ("adx", "adx.xml", adx_write),
}
FORMATS_BY_UPLOAD = {upload: write for upload, _, write in FORMATS.values()}


def _importer() -> Any:
    user, _ = get_user_model().objects.get_or_create(
        username="bench-import", defaults={"is_superuser": True, "is_staff": True}
    )
    user.set_password(PASSWORD)
    user.save()
    return user


# As deploy/systemd/phongtrao-worker@.service runs it.
WORKER = ["db_worker", "--no-reload", "--queue-name", "*", "--interval", "0.2"]


def _queue(user: Any, path: Path, format: str, dry_run: bool = False) -> ImportJob:
    with transaction.atomic(), path.open("rb") as upload:
        job = job_create(
            user=user,
            upload=upload,
            format=format,
            dry_run=dry_run,
            strategy="CREATE_AND_UPDATE",
            id_scheme="UID",
            name=path.name,
        )
    connection.close()  # the worker imports; this process holds no lock meanwhile
    return job


def _done(job: ImportJob, worker: subprocess.Popen[bytes]) -> ImportJob:
    """The job once it has ended, polled every 20 ms on one connection (autocommit: each
    read sees what the worker has committed), closed at the end. Not a connection per
    read: 50 connections a second cost the machine (a server process started for each)
    about a tenth of a core, taken from the import being measured."""
    try:
        while True:
            job = ImportJob.objects.get(pk=job.pk)
            if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
                return job
            if worker.poll() is not None:
                raise SystemExit(f"db_worker ended ({worker.returncode}) before the job")
            time.sleep(0.02)
    finally:
        connection.close()


def resident_peak_mb(pid: int) -> float | None:
    """A running process's own peak resident memory (`VmHWM`), in MB; None without /proc.

    Not `wait4`'s `ru_maxrss`: a child started by `subprocess` (vfork, then exec) carries in
    it the peak of the process that started it. `make bench-quick` reported the measuring
    process's 383-397 MB (its tier built in Python) as the worker's peak, which was 206 MB.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int, children: bool = False) -> float:
    """A process's CPU seconds (user + system; with `children`, those of its children it has
    reaped too), from /proc; 0 without it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def server_cpu_s() -> float:
    """The CPU seconds of the whole PostgreSQL server so far (its postmaster, every process
    it runs and every one that has ended): what a job made the server do, whichever backend
    did it. 0 on SQLite."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    try:
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0.0
    total = _cpu_s(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == postmaster:
                total += _cpu_s(int(entry.name))
    return total


def worker_import(
    path: Path, format: str = "dhis2-json", cpu: dict[str, float] | None = None
) -> tuple[float, float, dict[str, Any], float]:
    """Queue the file as the upload page does; a real `db_worker` process, already running
    (as in production) and warmed by a small job, runs it.

    Returns the seconds from queuing (the upload stored, the job row made) to the job seen
    done, the worker's peak memory in MB (`resident_peak_mb`, the warm-up included), the
    job's import summary, and the seconds of the job alone (from its start to its end, as
    the worker marked them). `cpu`, when given, gets the CPU seconds the worker process and
    the database server spent from queuing to done (`worker`, `server`).
    """
    user = _importer()
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), *WORKER], env=os.environ.copy(), cwd=ROOT
    )
    try:
        # The warm-up: a dry run of the file's first values, in the same format.
        warm = path.with_name("warm-" + path.name)
        FORMATS_BY_UPLOAD[format](warm, 1_000, 2026)
        _done(_queue(user, warm, format, dry_run=True), worker)
        worker_cpu, server_cpu = _cpu_s(worker.pid), server_cpu_s()
        connection.close()
        started = time.perf_counter()
        job = _done(_queue(user, path, format), worker)
        seconds = time.perf_counter() - started
        if cpu is not None:
            cpu["worker"] = _cpu_s(worker.pid) - worker_cpu
            cpu["server"] = server_cpu_s() - server_cpu
            connection.close()
        peak_mb = resident_peak_mb(worker.pid)
    finally:
        worker.terminate()
    _, status, usage = os.wait4(worker.pid, 0)
    if job.status != JobStatus.DONE:
        raise SystemExit(f"import job ended {job.status}: {job.error}")
    assert job.started_at is not None and job.finished_at is not None
    job_seconds = (job.finished_at - job.started_at).total_seconds()
    return seconds, peak_mb or usage.ru_maxrss / 1024, dict(job.summary or {}), job_seconds


API_VALUES = 50_000


def api_import(path: Path) -> tuple[float, dict[str, Any]]:
    """POST the file to `/api/dataValueSets` (HTTP Basic), in this process; seconds, summary."""
    user = _importer()
    token = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    client = Client(HTTP_AUTHORIZATION=f"Basic {token}", HTTP_HOST="localhost")
    body = path.read_bytes()
    started = time.perf_counter()
    response = client.post(
        "/api/dataValueSets?atomicMode=ALL", data=body, content_type="application/json"
    )
    seconds = time.perf_counter() - started
    answer: dict[str, Any] = response.json()
    if response.status_code != 200:
        raise SystemExit(f"the API refused the import: {response.status_code} {str(answer)[:500]}")
    return seconds, answer.get("response", answer)


def figures(count: int, year: int) -> dict[str, Any]:
    """Both imports of `count` new values of `year` (the API's a year later): the bench keys."""
    call_command("migrate", database="progress", verbosity=0)  # SQLite: a file of its own
    with tempfile.TemporaryDirectory(prefix="phongtrao-file-") as folder:
        path = Path(folder) / "values.json"
        written = json_write(path, count, year)
        cpu: dict[str, float] = {}
        seconds, peak_mb, summary, job_seconds = worker_import(path, cpu=cpu)
        imported = summary["importCount"]["imported"]
        assert summary["status"] == "SUCCESS" and imported == written, summary
        # The API takes a body of at most 10 MB (config/limits.py): about 50,000 values.
        api_path = Path(folder) / "api.json"
        api_written = json_write(api_path, min(count, API_VALUES), year + 1)
        api_seconds, api_summary = api_import(api_path)
        assert api_summary["importCount"]["imported"] == api_written, api_summary
    return {
        "file_import_values": written,
        "file_import_s": round(seconds, 2),
        "file_import_values_per_s": round(written / seconds),
        "file_import_peak_mb": round(peak_mb, 1),
        "file_import_job_s": round(job_seconds, 2),
        "file_import_job_values_per_s": round(written / job_seconds),
        **_cpu_keys("file", cpu, written),
        "api_import_values": api_written,
        "api_import_values_per_s": round(api_written / api_seconds),
    }


def format_figures(name: str, count: int, year: int) -> dict[str, Any]:
    """A file of `count` new values of `year` in the format `name`, queued and run."""
    format, suffix, write = FORMATS[name]
    with tempfile.TemporaryDirectory(prefix="phongtrao-file-") as folder:
        path = Path(folder) / f"values.{suffix}"
        written = write(path, count, year)
        cpu: dict[str, float] = {}
        seconds, peak_mb, summary, job_seconds = worker_import(path, format, cpu)
        imported = summary["importCount"]["imported"]
        assert summary["status"] == "SUCCESS" and imported == written, summary
    return {
        f"{name}_import_values": written,
        f"{name}_import_s": round(seconds, 2),
        f"{name}_import_values_per_s": round(written / seconds),
        f"{name}_import_peak_mb": round(peak_mb, 1),
        f"{name}_import_job_values_per_s": round(written / job_seconds),
        **_cpu_keys(name, cpu, written),
    }


def _cpu_keys(name: str, cpu: dict[str, float], values: int) -> dict[str, float]:
    """CPU per value (µs) of the worker and of the server, queued to done: counts of the
    work done, meaningful beside other work where the seconds are not."""
    return {
        f"{name}_import_worker_cpu_us_per_value": round(cpu["worker"] * 1e6 / values, 2),
        f"{name}_import_server_cpu_us_per_value": round(cpu["server"] * 1e6 / values, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=200_000)
    parser.add_argument(
        "--formats", default="json", help="json, csv, adx: the formats queued (comma-separated)"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    line = {"database": connection.vendor, **figures(args.values, 2027)}
    # Years of their own (the API's file took 2028): every format imports new values.
    for year, name in enumerate((f for f in args.formats.split(",") if f != "json"), 2029):
        line.update(format_figures(name.strip(), args.values, year))
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
