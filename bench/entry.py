"""Server time of the entry page (GET, and a save POST) and of the dashboard, with the demo.

Measured in-process with Django's test client (no network, no browser): the time of the
request through middleware, view, queries and template. The database is the one of
DATABASE_URL; it is migrated and the demo loaded first when empty, e.g.

    DATABASE_URL=sqlite:////tmp/entry-bench.sqlite3 .venv/bin/python bench/entry.py
    .venv/bin/python scripts/with_postgres.py .venv/bin/python bench/entry.py

One JSON line per page on stdout and in bench/results/entry-<vendor>.jsonl.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50"))
GOAL_MS = 200


def _ensure_demo() -> None:
    if "auth_user" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not get_user_model().objects.filter(username="canbo_tinh").exists():
        call_command("load_demo", verbosity=0)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _measure(name: str, call: Any, expected: int) -> dict[str, Any]:
    response = call()  # warm: caches, period rows, templates
    assert response.status_code == expected, (name, response.status_code)
    times = []
    cpu = []
    queries = 0
    load_before = os.getloadavg()[0]
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = call()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == expected, (name, response.status_code)
        queries = len(captured)
    times.sort()
    return {
        "page": name,
        "vendor": connection.vendor,
        "requests": REQUESTS,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        # This process's CPU time (Python and, on SQLite, the database): what the page costs
        # whatever else runs on the two shared cores.
        "p50_cpu_ms": round(statistics.median(cpu), 1),
        "queries": queries,
        "goal_ms": GOAL_MS,
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 2),
    }


def main() -> None:
    from phongtrao.accounts.models import Membership
    from phongtrao.catalog.models import Indicator
    from phongtrao.data.models import DataValue
    from phongtrao.data.services import period_get

    _ensure_demo()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    units = {m.user.username: m.unit for m in Membership.objects.select_related("user", "unit")}
    province, commune = units["canbo_tinh"], units["canbo_xa"]
    tinh, xa = _client("canbo_tinh"), _client("canbo_xa")
    admin = get_user_model().objects.filter(is_superuser=True).first()
    assert admin is not None, "the demo creates an admin"
    saver = Client()
    saver.force_login(admin)

    entry_commune = f"/nhap-lieu/BC_NAM_XA/{commune.uid}/2023/"
    entry_province = f"/nhap-lieu/BC_NAM_TINH/{province.uid}/2023/"
    hd = Indicator.objects.get(code="TH_HD")
    period = period_get("2023")
    flip = {"n": 0}

    def save() -> Any:
        # One changed value with the version read, as the page posts it (a superuser: the
        # demo's 2023 is past its deadline for officers).
        current = DataValue.objects.filter(indicator=hd, unit=commune, period=period).first()
        shown = "" if current is None else format(current.value.normalize(), "f")
        flip["n"] += 1
        return saver.post(
            entry_commune,
            {
                f"v_{hd.pk}": str(400 + flip["n"] % 2),
                f"o_{hd.pk}": shown,
                f"ver_{hd.pk}": str(current.version if current else 0),
                "action": "save",
            },
        )

    pages = [
        ("entry GET commune", lambda: xa.get(entry_commune), 200),
        ("entry GET province", lambda: tinh.get(entry_province), 200),
        ("entry POST save (commune)", save, 302),
        ("dashboard province", lambda: tinh.get(f"/nhap-lieu/tong-quan/{province.uid}/2023/"), 200),
        ("dashboard commune", lambda: xa.get(f"/nhap-lieu/tong-quan/{commune.uid}/2023/"), 200),
    ]
    out = ROOT / "bench" / "results" / f"entry-{connection.vendor}.jsonl"
    with out.open("w") as handle:
        for name, call, expected in pages:
            result = _measure(name, call, expected)
            line = json.dumps(result, ensure_ascii=False)
            print(line, flush=True)
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
