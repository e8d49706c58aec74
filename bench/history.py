"""Reports across the 2025 reorganisation: what reading another structure's data costs.

Run on one fresh database (the one DATABASE_URL names; `scripts/with_postgres.py` for
PostgreSQL); prints one JSON line and appends it to bench/results/history-<database>.jsonl.

Loads the real units of both editions (with the mapping between them), the Bình Phước demo,
and a tier of monthly values entered on the pre-2025 communes over 2022-2023 (generated in
SQL, rolled up by `rollups_rebuild`, as bench/measure.py does). Then times, for the 2023
period (data entered on the 2008 structure):

- *demo*: Đồng Nai's 2023 report on the 2025 structure against Bình Phước's own on 2008
  (`report_build`: figures, narrative, appendix), and the figures alone (`unit_report`);
- *provinces*: `unit_report` + completeness of every 2025 province (from the old provinces'
  roll-ups through the mapping) against every 2008 province (its own roll-ups);
- *communes*: `unit_report` of 2025 communes (sums over their old communes' subtrees);
- the mapping rebuild (`orgs.mapping.mapping_rebuild`) over the whole country.

Query counts are those of one call. See docs/benchmarks/history.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from phongtrao.analytics.rebuild import rollups_rebuild  # noqa: E402
from phongtrao.analytics.selectors import (  # noqa: E402
    unit_completeness,
    unit_report,
    unit_totals_naive,
)
from phongtrao.catalog.models import Indicator  # noqa: E402
from phongtrao.data.rollups import period_rows  # noqa: E402
from phongtrao.demo.binh_phuoc import demo_binh_phuoc_load  # noqa: E402
from phongtrao.orgs.mapping import mapping_rebuild  # noqa: E402
from phongtrao.orgs.models import Level, Unit, UnitMapping  # noqa: E402
from phongtrao.reports.builder import report_build  # noqa: E402

BASE_SQL = """
INSERT INTO data_datavalue
    (indicator_id, unit_id, period_id, value, comment, follow_up, version, updated_at)
SELECT i.id, u.id, p.id, (u.id * 7919 + p.id * 104729 + i.id * 1299709) %% 501, '', %s, 1, %s
FROM orgs_unit u, data_period p, catalog_indicator i
WHERE u.level = 3 AND u.edition_id = %s AND u.id BETWEEN %s AND %s
  AND p.id IN ({periods}) AND i.id IN ({indicators})
  AND (u.id * 1103515245 + p.id * 12345 + i.id * 2654435761) %% 1000003 < %s
"""


def load_values(total: int) -> int:
    """About `total` monthly values of 2022-2023 on the pre-2025 communes, then roll-ups."""
    communes = list(
        Unit.objects.filter(edition__code="2008", level=Level.COMMUNE)
        .order_by("id")
        .values_list("id", "edition_id")
    )
    months = period_rows([f"{y}{m:02d}" for y in (2022, 2023) for m in range(1, 13)])
    indicators = list(Indicator.objects.filter(formula="").exclude(code="CS_TOT_TL"))
    cells = len(communes) * len(months) * len(indicators)
    threshold = min(1_000_003, round(total / cells * 1_000_003))
    sql = BASE_SQL.format(
        periods=",".join(str(p.id) for p in months.values()),
        indicators=",".join(str(i.id) for i in indicators),
    )
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    edition_id = communes[0][1]
    ids = [pk for pk, _ in communes]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 1000):
            batch = ids[start : start + 1000]
            with transaction.atomic():
                cursor.execute(sql, [False, stamp, edition_id, batch[0], batch[-1], threshold])
        cursor.execute("SELECT COUNT(*) FROM data_datavalue")
        count = int(cursor.fetchone()[0])
    rollups_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


def timed(fn: Callable[[int], object], repeat: int) -> dict[str, float | int]:
    fn(0)  # warm the caches once, as a running server has them
    with CaptureQueriesContext(connection) as queries:
        fn(0)
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "queries": len(queries),
    }


def cycling(
    units: Sequence[Unit], period: str, everything: list[Indicator]
) -> Callable[[int], None]:
    def run(i: int) -> None:
        unit = units[i % len(units)]
        unit_report(unit, period, everything)
        unit_completeness(unit, period)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    wall = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    rebuilt = mapping_rebuild()
    demo_binh_phuoc_load()
    start = time.perf_counter()
    stored = load_values(args.values) if args.values else 0
    load_s = time.perf_counter() - start

    everything = list(Indicator.objects.all())
    binh_phuoc = Unit.objects.get(edition__code="2008", code="70")
    dong_nai = Unit.objects.get(edition__code="2025", code="75")

    # The figures agree before anything is timed: Đồng Nai 2025 = old Đồng Nai + Bình Phước.
    new = {r.indicator.code: r.value for r in unit_report(dong_nai, "2023", everything)}
    old_dong_nai = Unit.objects.get(edition__code="2008", code="75")
    parts = [unit_totals_naive(u, "2023", everything) for u in (binh_phuoc, old_dong_nai)]
    for indicator in everything:
        if not indicator.formula:
            assert new[indicator.code] == sum(p[indicator.pk].value for p in parts), indicator

    old_provinces = list(Unit.objects.filter(edition__code="2008", level=Level.PROVINCE))
    new_provinces = list(Unit.objects.filter(edition__code="2025", level=Level.PROVINCE))
    new_communes = list(
        Unit.objects.filter(edition__code="2025", level=Level.COMMUNE).order_by("?")[:200]
    )
    repeat = args.repeat
    results: dict[str, Any] = {
        "database": connection.vendor,
        "values": stored,
        "load_s": round(load_s, 1),
        "mapping_rows": rebuilt.rows,
        "mapping_estimated_rows": rebuilt.estimated,
        "mapping_rebuild_s": round(rebuilt.seconds, 2),
        "demo_report_build_binh_phuoc_2008": timed(
            lambda i: report_build(binh_phuoc, "2023"), repeat
        ),
        "demo_report_build_dong_nai_2025": timed(lambda i: report_build(dong_nai, "2023"), repeat),
        "demo_unit_report_binh_phuoc_2008": timed(
            lambda i: unit_report(binh_phuoc, "2023", everything), repeat
        ),
        "demo_unit_report_dong_nai_2025": timed(
            lambda i: unit_report(dong_nai, "2023", everything), repeat
        ),
        "provinces_2008_same_structure": timed(cycling(old_provinces, "2023", everything), repeat),
        "provinces_2025_across": timed(cycling(new_provinces, "2023", everything), repeat),
        "communes_2025_across": timed(cycling(new_communes, "2023", everything), repeat),
        "mapping_table_rows": UnitMapping.objects.count(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores shared with other work",
    }
    same = results["provinces_2008_same_structure"]["p50_ms"]
    results["ratio_provinces_across_vs_same"] = round(
        results["provinces_2025_across"]["p50_ms"] / same, 2
    )
    results["ratio_demo_dong_nai_vs_binh_phuoc"] = round(
        results["demo_report_build_dong_nai_2025"]["p50_ms"]
        / results["demo_report_build_binh_phuoc_2008"]["p50_ms"],
        2,
    )
    results["wall_s"] = round(time.perf_counter() - wall, 1)
    line = json.dumps(results, ensure_ascii=False)
    print(line)
    out = ROOT / "bench" / "results" / f"history-{connection.vendor}.jsonl"
    with out.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


if __name__ == "__main__":
    main()
