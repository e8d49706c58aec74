"""Measure one tier on one database (the one DATABASE_URL names); print one JSON line.

Builds the national data set on the 2025 structure (34 provinces, 3,321 communes, 10 chi hội
under each) with a tier of monthly values over 2022-2025, then times: a year of new values
imported through the import service, a province's annual report from the roll-ups and the
same figures summed naively, and one value saved with its roll-ups. Run by bench/run.py;
see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from phongtrao.analytics.rebuild import rollups_rebuild  # noqa: E402
from phongtrao.analytics.rollups import period_rows  # noqa: E402
from phongtrao.analytics.selectors import (  # noqa: E402
    unit_completeness,
    unit_report,
    unit_totals_naive,
)
from phongtrao.catalog.models import Indicator  # noqa: E402
from phongtrao.data.bulk import BulkValue, datavalues_import  # noqa: E402
from phongtrao.data.models import DataValue, Period, Target  # noqa: E402
from phongtrao.data.services import datavalue_save, target_set  # noqa: E402
from phongtrao.orgs.models import Edition, Kind, Level, Unit, uid_from  # noqa: E402

TIERS = {"1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}
IMPORT_SAMPLE = 200_000  # values imported through the service at every tier
YEARS = (2022, 2023, 2024, 2025)  # 48 months of data; the report asks 2025 against 2024
BRANCHES_PER_COMMUNE = 10


def build_branches(edition: Edition) -> list[Unit]:
    """Ten chi hội under every commune of the edition (created once)."""
    communes = list(Unit.objects.filter(edition=edition, level=Level.COMMUNE).order_by("id"))
    if not Unit.objects.filter(edition=edition, level=Level.BRANCH).exists():
        branches = [
            Unit(
                uid=uid_from(f"bench:{c.code}:{n}"),
                code=f"{c.code}-CH{n:02d}",
                name=f"Chi hội {n}",
                level=Level.BRANCH,
                kind=Kind.BRANCH,
                parent=c,
                edition=edition,
                valid_from=edition.valid_from,
                path="",
            )
            for c in communes
            for n in range(1, BRANCHES_PER_COMMUNE + 1)
        ]
        created = Unit.objects.bulk_create(branches, batch_size=5000)
        parents = {c.pk: c.path for c in communes}
        for unit in created:
            assert unit.parent_id is not None
            unit.path = f"{parents[unit.parent_id]}{unit.pk}/"
        Unit.objects.bulk_update(created, ["path"], batch_size=5000)
    return list(Unit.objects.filter(edition=edition, level=Level.BRANCH).order_by("id"))


def cells(
    leaves: list[Unit], indicators: list[Indicator], months: list[str], total: int, seed: int
) -> Iterator[tuple[Unit, Indicator, Period, Decimal]]:
    """About `total` monthly values spread over leaves, months and indicators at random.

    The periods are read before the first value is asked for (a COPY may be under way then).
    """
    rng = random.Random(seed)
    period_by_code = period_rows(months)
    density = total / (len(leaves) * len(months) * len(indicators))
    per_cell = min(len(indicators), density * len(indicators))
    whole, fraction = int(per_cell), per_cell - int(per_cell)

    def generate() -> Iterator[tuple[Unit, Indicator, Period, Decimal]]:
        for unit in leaves:
            for month in months:
                k = whole + (1 if rng.random() < fraction else 0)
                if not k:
                    continue
                period = period_by_code[month]
                for indicator in rng.sample(indicators, k):
                    yield unit, indicator, period, Decimal(rng.randint(0, 500))

    return generate()


def load_base(leaves: list[Unit], indicators: list[Indicator], total: int) -> int:
    """The tier's history, written straight into the values table, then rolled up.

    Building 100 million values through the import service would take hours here; the base
    is written with COPY / executemany and the roll-ups computed by `rollups_rebuild`, the
    set-wise path that the tests hold equal to the incremental one. The import service is
    measured separately, on new values added to the loaded base.
    """
    months = [f"{y}{m:02d}" for y in YEARS for m in range(1, 13)]
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    columns = "indicator_id, unit_id, period_id, value, comment, follow_up, version, updated_at"
    written = 0
    with connection.cursor() as cursor:
        rows = (
            (indicator.id, unit.id, period.id, value, "", False, 1, stamp)
            for unit, indicator, period, value in cells(
                leaves, indicators, months, total, seed=2025
            )
        )
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY data_datavalue ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            while batch := list(islice(rows, 100_000)):
                marks = ", ".join(["%s"] * 8)
                cursor.executemany(
                    f"INSERT INTO data_datavalue ({columns}) VALUES ({marks})", batch
                )
                written += len(batch)
    return written


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(fn: Callable[[int], object], repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--naive-repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_admin_units", verbosity=0)
    edition = Edition.objects.get(code="2025")
    leaves = build_branches(edition)
    provinces = list(Unit.objects.filter(edition=edition, level=Level.PROVINCE).order_by("code"))
    indicators = list(Indicator.objects.filter(formula="").exclude(code="CS_TOT_TL"))
    setup_s = time.perf_counter() - started

    target = TIERS[args.tier]
    assert not DataValue.objects.exists(), "the benchmark needs a fresh database"
    start = time.perf_counter()
    with transaction.atomic():
        base = load_base(leaves, indicators, target)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    rollups_rebuild()
    rebuild_s = time.perf_counter() - start
    analyze()

    # The import service, measured on a year of new values added to the loaded base.
    extra = min(IMPORT_SAMPLE, target)
    new_months = [f"2026{m:02d}" for m in range(1, 13)]
    start = time.perf_counter()
    result = datavalues_import(
        values=(
            BulkValue(unit.id, unit.path, indicator, period, value)
            for unit, indicator, period, value in cells(
                leaves, indicators, new_months, extra, seed=2026
            )
        )
    )
    import_s = time.perf_counter() - start
    stored = base + result.imported

    everything = list(Indicator.objects.all())
    for province in provinces:
        target_set(
            indicator=Indicator.objects.get(code="HV_PTM"),
            unit=province,
            period=period_rows(["2025"])["2025"],
            value=Decimal(2100),
        )
    assert Target.objects.count() >= len(provinces)

    def report(i: int) -> None:
        province = provinces[i % len(provinces)]
        unit_report(province, "2025", everything)
        unit_completeness(province, "2025")

    def naive(i: int) -> None:
        province = provinces[i % len(provinces)]
        unit_totals_naive(province, "2025", everything)
        unit_totals_naive(province, "2024", everything)
        list(Target.objects.filter(unit=province))
        unit_completeness(province, "2025")

    # Same figures both ways, on one province (a check, not a measurement).
    check = provinces[0]
    fresh = {r.indicator.pk: r.value for r in unit_report(check, "2025", everything)}
    slow = {k: t.value for k, t in unit_totals_naive(check, "2025", everything).items()}
    assert fresh == slow, "roll-ups and the naive sum disagree"

    report(0)  # warm the caches once, as a running server has them
    report_ms = timed(report, args.repeat)
    naive_ms = timed(naive, args.naive_repeat)

    rng = random.Random(7)
    month = period_rows(["202512"])["202512"]
    sample_indicator = Indicator.objects.get(code="TH_HD")

    def save(i: int) -> None:
        unit = leaves[rng.randrange(len(leaves))]
        datavalue_save(
            indicator=sample_indicator, unit=unit, period=month, value=Decimal(rng.randint(1, 99))
        )

    save_ms = timed(save, args.repeat)

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM analytics_rollup")
        rollup_rows = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "tier": args.tier,
                "values": stored,
                "base_load_s": round(load_s, 1),
                "rebuild_s": round(rebuild_s, 1),
                "imported": result.imported,
                "rollup_rows": rollup_rows,
                "setup_s": round(setup_s, 1),
                "import_s": round(import_s, 1),
                "import_values_per_s": round(result.imported / import_s),
                "report_p50_ms": round(statistics.median(report_ms), 2),
                "report_p95_ms": round(percentile(report_ms, 95), 2),
                "naive_p50_ms": round(statistics.median(naive_ms), 2),
                "naive_p95_ms": round(percentile(naive_ms, 95), 2),
                "save_p50_ms": round(statistics.median(save_ms), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
