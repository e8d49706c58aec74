"""Import speed of DHIS2 files: 1,000,000 values from JSON, CSV and ADX through `import_data`.

Run on a fresh database (the one DATABASE_URL names; `scripts/with_postgres.py` for
PostgreSQL). Loads the real units of the 2025 edition, writes one file per format (every
commune × 12 months × 25 indicators ≈ 1 million values, uid scheme), then for each format
empties the value tables and runs `manage.py import_data FILE` in a child process, timing it
and reading its peak memory (its own `VmHWM`, read while it runs). Prints one JSON line per
format and appends them to bench/results/exchange-<database>.jsonl. See docs/benchmarks/exchange.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from fileimport import resident_peak_mb  # noqa: E402

from phongtrao import periods  # noqa: E402
from phongtrao.catalog.models import Indicator, TimeAggregation  # noqa: E402
from phongtrao.data.models import DataValue  # noqa: E402
from phongtrao.orgs.models import Edition, Level, Unit  # noqa: E402

MONTHS = [f"2024{m:02d}" for m in range(1, 13)]
FORMATS = {"dhis2-json": ".json", "dhis2-csv": ".csv", "adx": ".adx.xml"}
TABLES = ("data_datavalue", "data_datavalueaudit", "analytics_rollup", "analytics_activity")


def cells(count: int) -> tuple[list[tuple[str, str]], list[str]]:
    """(commune uid, month) pairs and indicator uids giving about `count` values."""
    edition = Edition.objects.get(code="2025")
    communes = list(
        Unit.objects.filter(edition=edition, level=Level.COMMUNE)
        .order_by("path")
        .values_list("uid", flat=True)
    )
    indicators = list(
        Indicator.objects.filter(formula="", time_aggregation=TimeAggregation.SUM, parent=None)
        .order_by("sort_order", "code")
        .values_list("uid", flat=True)
    )
    per_cell = max(1, min(len(indicators), round(count / (len(communes) * len(MONTHS)))))
    return [(c, m) for c in communes for m in MONTHS], indicators[:per_cell]


def write_file(path: Path, fmt: str, pairs: list[tuple[str, str]], des: list[str]) -> int:
    """The file, written as a stream; returns how many values it holds."""
    n = 0
    with path.open("w", encoding="utf-8") as out:
        if fmt == "dhis2-json":
            out.write('{"dataValues": [\n')
            sep = ""
            for ou, pe in pairs:
                for i, de in enumerate(des):
                    out.write(
                        f'{sep}{{"dataElement":"{de}","period":"{pe}","orgUnit":"{ou}",'
                        f'"value":"{(n * 7 + i) % 500}"}}'
                    )
                    sep = ",\n"
                    n += 1
            out.write("\n]}\n")
        elif fmt == "dhis2-csv":
            out.write("dataelement,period,orgunit,catoptcombo,attroptcombo,value\n")
            for ou, pe in pairs:
                for i, de in enumerate(des):
                    out.write(f"{de},{pe},{ou},,,{(n * 7 + i) % 500}\n")
                    n += 1
        else:
            out.write(
                '<?xml version="1.0" encoding="UTF-8"?>\n<adx xmlns="urn:ihe:qrph:adx:2015">\n'
            )
            for ou, pe in pairs:
                out.write(f'<group orgUnit="{ou}" period="{periods.to_adx(pe)}">\n')
                for i, de in enumerate(des):
                    out.write(f'<dataValue dataElement="{de}" value="{(n * 7 + i) % 500}"/>\n')
                    n += 1
                out.write("</group>\n")
            out.write("</adx>\n")
    return n


def empty_tables() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(TABLES)}")
        else:
            for table in TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def import_file(path: Path) -> tuple[float, int, dict[str, object]]:
    """Run import_data in a child: wall seconds, peak memory (KiB), the summary.

    The peak is the child's own `VmHWM`, read every 50 ms while it runs (its last reading):
    `wait4`'s `ru_maxrss` would carry in the peak of this process, which started it.
    """
    start = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "import_data", str(path), "--verbosity", "0"],
        stdout=subprocess.PIPE,
        env=os.environ.copy(),
    )
    peak_kib = [0]

    def watch() -> None:
        # Until the child has ended (a zombie shows no memory); not `poll()`, which would
        # reap it before `wait4` below.
        while (mb := resident_peak_mb(child.pid)) is not None:
            peak_kib[0] = max(peak_kib[0], round(mb * 1024))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"import_data failed ({child.returncode}): {output[-2000:]!r}")
    watcher.join()
    return seconds, peak_kib[0] or usage.ru_maxrss, json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="*", default=list(FORMATS))
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    pairs, des = cells(args.values)
    vendor = connection.vendor
    results = ROOT / "bench" / "results" / f"exchange-{vendor}.jsonl"
    with tempfile.TemporaryDirectory() as folder:
        for fmt in args.formats:
            path = Path(folder) / f"bench{FORMATS[fmt]}"
            start = time.perf_counter()
            count = write_file(path, fmt, pairs, des)
            write_s = time.perf_counter() - start
            empty_tables()
            connection.close()  # the child imports; this process holds no lock meanwhile
            seconds, maxrss_kib, summary = import_file(path)
            imported = summary["importCount"]["imported"]  # type: ignore[index]
            assert imported == count == DataValue.objects.count(), (imported, count)
            line = {
                "bench": "exchange",
                "database": vendor,
                "format": fmt,
                "values": count,
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "write_file_s": round(write_s, 1),
                "import_s": round(seconds, 1),
                "values_per_s": round(count / seconds),
                "peak_rss_mb": round(maxrss_kib / 1024, 1),
                "status": summary["status"],
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            print(json.dumps(line), flush=True)
            with results.open("a") as out:
                out.write(json.dumps(line) + "\n")
            path.unlink()


if __name__ == "__main__":
    main()
