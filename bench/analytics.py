"""Country-sized analytics: `/api/analytics` questions timed on SQLite and PostgreSQL.

`make bench-analytics` builds the 10 million tier as `make bench` does (bench/measure.py's
generator: the 2025 structure, 10 chi hội under every commune, monthly values generated in
SQL, then `rollups_rebuild`), here over the 60 months of 2021–2025, and times the answer of
`/api/analytics` (parsed, access-checked, read set-wise, written as JSON to nowhere):

- light: 1 indicator × 1 month × 1 commune;
- medium: 10 indicators × the 12 months of 2025 × the communes of a province;
- heavy_provinces: the 73 indicators × 60 months × the 34 provinces;
- heavy_dhis2_shape: 27 indicators × every year × the communes under 18 provinces
  (`LEVEL-4` with 18 `ou` items: DHIS2's slow request in the Citus benchmark);
- heavy_communes: the 73 indicators × 5 years × every commune of the country (~1.2 million
  cells), in a process of its own whose peak resident memory is reported.

Before timing, each answer is checked: every cell of the light and medium answers, and for
the heavy ones a sample of cells, against `unit_totals_naive`; the grand total of every summed
indicator of each answer against one naive SUM over the raw values. One JSON line is printed
last: per database, the p50 of each question and the heavy communes' peak memory.

    python bench/analytics.py --tiers 10m [--databases sqlite,postgresql] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOC = ROOT / "docs" / "benchmarks" / "analytics.md"
YEARS = (2021, 2022, 2023, 2024, 2025)
REPEATS = {"light": 30, "medium": 15, "heavy_provinces": 5, "heavy_dhis2_shape": 5}
COMMUNES_REPEAT = 3
SAMPLE_CELLS = 25


def setup() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- one database, one tier (a child process) --------------------------------------------


def questions() -> dict[str, dict[str, Any]]:
    """The requests, as `analytics_plan` keywords, built on the loaded structure."""
    from phongtrao.catalog.models import Indicator
    from phongtrao.orgs.models import Edition, Level, Unit

    edition = Edition.objects.get(code="2025")
    provinces = list(Unit.objects.filter(edition=edition, level=Level.PROVINCE).order_by("code"))
    communes = list(
        Unit.objects.filter(edition=edition, level=Level.COMMUNE).order_by("code")[:200]
    )
    everything = [i.uid for i in Indicator.objects.order_by("sort_order", "code")]
    summed = [
        i.uid for i in Indicator.objects.filter(formula="", time_aggregation="sum").order_by("code")
    ]
    months = ";".join(f"{y}{m:02d}" for y in YEARS for m in range(1, 13))
    years = ";".join(str(y) for y in YEARS)
    ten = ";".join(summed[:10])
    return {
        "light": {
            "make": lambda i: [
                f"dx:{summed[i % len(summed)]}",
                f"pe:2025{1 + i % 12:02d}",
                f"ou:{communes[i % len(communes)].uid}",
            ],
        },
        "medium": {
            "make": lambda i: [
                f"dx:{ten}",
                "pe:" + ";".join(f"2025{m:02d}" for m in range(1, 13)),
                f"ou:{provinces[i % len(provinces)].uid};LEVEL-4",
            ],
        },
        "heavy_provinces": {
            "make": lambda i: ["dx:" + ";".join(everything), f"pe:{months}", "ou:LEVEL-2"],
        },
        "heavy_dhis2_shape": {
            "make": lambda i: [
                "dx:" + ";".join(everything[:27]),
                f"pe:{years}",
                "ou:LEVEL-4;" + ";".join(p.uid for p in provinces[(i % 2) * 16 :][:18]),
            ],
        },
        "heavy_communes": {
            "make": lambda i: ["dx:" + ";".join(everything), f"pe:{years}", "ou:LEVEL-4"],
        },
    }


def superuser() -> Any:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(username="bench_analytics").first()
    return user or user_model.objects.create_superuser("bench_analytics", password="x")


def answer(dimensions: list[str]) -> int:
    """The whole JSON answer written to nowhere; its size in characters."""
    from phongtrao.analytics.query import analytics_plan
    from phongtrao.exchange.writers import analytics_write_json

    plan = analytics_plan(user=superuser(), dimensions=dimensions)
    return sum(len(piece) for piece in analytics_write_json(plan))


def check(dimensions: list[str], every_cell: bool, seed: int) -> int:
    """The answer's cells against `unit_totals_naive` (all or a sample) and its grand totals
    of summed indicators against one naive SUM; returns the number of cells checked."""
    from django.db import connection

    from phongtrao.analytics.query import analytics_plan, analytics_rows
    from phongtrao.analytics.selectors import unit_totals_naive

    plan = analytics_plan(user=superuser(), dimensions=dimensions)
    indicators, period_list, unit_list = (plan.items[n] for n in ("dx", "pe", "ou"))
    got: dict[tuple[str, str, str], Decimal] = {}
    grand: dict[str, Decimal] = {}
    for dx, pe, ou, value in analytics_rows(plan):
        got[(dx, pe, ou)] = Decimal(value)
        grand[dx] = grand.get(dx, Decimal(0)) + Decimal(value)
    rng = random.Random(seed)
    pairs = [(u, p) for u in unit_list for p in period_list]
    chosen = pairs if every_cell else rng.sample(pairs, min(SAMPLE_CELLS, len(pairs)))
    checked = 0
    for unit, period in chosen:
        naive = unit_totals_naive(unit, period, indicators)
        for indicator in indicators:
            key = (indicator.uid, period.code, unit.uid)
            expected = naive[indicator.pk].value if naive[indicator.pk].count else None
            assert got.get(key) == expected, (key, got.get(key), expected)
            checked += 1
    # Grand totals: summed indicators over monthly values, units and periods not overlapping.
    months = [p for p in period_list if p.period_type in ("MONTHLY", "YEARLY")]
    if len({p.period_type for p in months}) == 1 and len(months) == len(period_list):
        start, end = min(p.start for p in months), max(p.end for p in months)
        like = "GLOB" if connection.vendor == "sqlite" else "LIKE"
        for indicator in indicators:
            if indicator.formula or indicator.time_aggregation != "sum":
                continue
            prefixes = [u.path + ("*" if like == "GLOB" else "%") for u in unit_list]
            if len(unit_list) > 500:  # every commune under some provinces: those provinces
                parents = {u.path[: u.path.rstrip("/").rfind("/") + 1] for u in unit_list}
                prefixes = [path + ("*" if like == "GLOB" else "%") for path in parents]
            match = " OR ".join([f"u.path {like} %s"] * len(prefixes))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COALESCE(SUM(dv.value), 0) FROM data_datavalue dv "  # noqa: S608
                    "JOIN orgs_unit u ON u.id = dv.unit_id "
                    "JOIN data_period p ON p.id = dv.period_id "
                    f'WHERE dv.indicator_id = %s AND p.start >= %s AND p."end" <= %s AND ({match})',
                    [indicator.pk, start, end, *prefixes],
                )
                naive_sum = Decimal(cursor.fetchone()[0])
            assert grand.get(indicator.uid, Decimal(0)) == naive_sum, (indicator.code, naive_sum)
    return checked


def measure(tier: str, reuse: bool = False, only: set[str] | None = None) -> dict[str, Any]:
    """Build the tier in the database of DATABASE_URL and time the questions (`only` those);
    `reuse`: a database that already holds a built tier is measured as it is."""
    setup()
    import measure as base  # bench/measure.py: the generator of `make bench`
    from django.core.management import call_command
    from django.db import connection

    from phongtrao.analytics.rebuild import rollups_rebuild
    from phongtrao.catalog.models import Indicator
    from phongtrao.data.models import DataValue
    from phongtrao.orgs.models import Edition

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if reuse and DataValue.objects.exists():
        return timed_questions(tier, DataValue.objects.count(), 0.0, only)
    call_command("load_admin_units", verbosity=0)
    leaves = base.build_branches(Edition.objects.get(code="2025"))
    raw = list(Indicator.objects.filter(formula="").exclude(code="CS_TOT_TL"))
    assert not DataValue.objects.exists(), "the benchmark needs a fresh database"
    if connection.vendor == "postgresql":
        # The generated values reference rows just read: their foreign keys are not checked
        # row by row (three index lookups per value, minutes at 10 million).
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    stored = base.load_base(leaves, raw, TIERS[tier], YEARS)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    rollups_rebuild()
    base.analyze()
    return timed_questions(tier, stored, time.perf_counter() - started, only)


def timed_questions(
    tier: str, stored: int, build_s: float, only: set[str] | None = None
) -> dict[str, Any]:
    """Each question checked against the naive sum, then timed (`only`: these questions)."""
    from django.db import connection

    result: dict[str, Any] = {"database": connection.vendor, "tier": tier, "values": stored}
    result["build_s"] = round(build_s, 1)
    asked = questions()
    for name, repeat in REPEATS.items():
        if only is not None and name not in only:
            continue
        make = asked[name]["make"]
        result[f"{name}_checked_cells"] = check(make(0), name in ("light", "medium"), seed=1)
        if name == "light":
            for i in range(1, 12):
                check(make(i), True, seed=i)
        answer(make(0))  # warm the caches once, as a running server has them
        samples = []
        size = 0
        for i in range(repeat):
            begin = time.perf_counter()
            size = answer(make(i))
            samples.append((time.perf_counter() - begin) * 1000)
        result[f"{name}_p50_ms"] = round(statistics.median(samples), 2)
        result[f"{name}_chars"] = size
    if only is not None and "heavy_communes" not in only:
        result["load_average"] = load_average()
        return result
    communes = asked["heavy_communes"]["make"](0)
    result["heavy_communes_checked_cells"] = check(communes, False, seed=3)
    connection.close()
    runs = [
        json.loads(
            subprocess.run(
                [PYTHON, __file__, "--communes-once", json.dumps(communes)],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            ).stdout.splitlines()[-1]
        )
        for _ in range(COMMUNES_REPEAT)
    ]
    result["heavy_communes_p50_ms"] = round(statistics.median(r["ms"] for r in runs), 2)
    result["heavy_communes_peak_mb"] = max(r["peak_mb"] for r in runs)
    result["heavy_communes_chars"] = runs[0]["chars"]
    result["load_average"] = load_average()
    return result


def peak_resident_kb() -> int:
    """This process's peak resident memory since it was started (`VmHWM`).

    Not `getrusage`'s `ru_maxrss`: Linux carries into it the size of the process that
    forked this one (the measuring process, which holds the checked answer), so it reported
    the parent's 430 MB rather than the answer's own peak.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def communes_once(dimensions: list[str]) -> None:
    """One heavy communes answer in a fresh process: its time and peak resident memory."""
    setup()
    begin = time.perf_counter()
    size = answer(dimensions)
    ms = (time.perf_counter() - begin) * 1000
    peak_mb = peak_resident_kb() / 1024
    print(json.dumps({"ms": round(ms, 2), "peak_mb": round(peak_mb, 1), "chars": size}))


TIERS = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}


# --- the driver: fresh databases, the JSON line, the document ------------------------------


def run_tier(database: str, tier: str) -> dict[str, Any]:
    command = [PYTHON, __file__, "--measure", tier]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="phongtrao-bench-analytics-") as tmp:
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            env.pop("DATABASE_URL", None)
            command = [PYTHON, str(ROOT / "scripts" / "with_postgres.py"), *command]
        out = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            sys.stderr.write(out.stdout[-5000:] + out.stderr[-5000:])
            raise SystemExit(f"benchmark failed: {database} {tier}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result), flush=True)
        return result


KEYS = (
    "light_p50_ms",
    "medium_p50_ms",
    "heavy_provinces_p50_ms",
    "heavy_dhis2_shape_p50_ms",
    "heavy_communes_p50_ms",
    "heavy_communes_peak_mb",
)
GOALS = {
    "light_p50_ms": (20, "105–245 ms (mean, light class)"),
    "medium_p50_ms": (200, "0,75–3,5 s (mean, medium class)"),
    "heavy_provinces_p50_ms": (1000, "140–230 s (mean, heavy class)"),
    "heavy_dhis2_shape_p50_ms": (1000, "35,4 s PostgreSQL, 38 s Citus 8 nodes"),
    "heavy_communes_p50_ms": (10_000, "140–230 s (heavy class)"),
    "heavy_communes_peak_mb": (300, "—"),
}


def document(results: list[dict[str, Any]], note: str) -> str:
    lines = [
        "# Analytics at the scale of the country (`make bench-analytics`)",
        "",
        f"{time.strftime('%Y-%m-%d')}. {note}",
        "",
        "The questions, and how each answer is checked before timing: `bench/analytics.py`. "
        "DHIS2's figures: its performance suite (dhis2/performance-tests-gatling, HMIS "
        "database) by class, and its Citus benchmark (4-core machines) for the request of "
        "27 data items × 10 years × the units at one level under 18 org units; DHIS2's "
        "figures are as fresh as its last analytics-table run (30 minutes on that database), "
        "ours as the last save.",
        "",
        "How a request is answered: units in batches of 400, each batch's sums read set-wise "
        "(roll-ups, kept down to the communes, one index probe per unit and period), then "
        "one row per cell written straight from the sums (`grid_figures`, no "
        "object per cell, formulas parsed once, identifiers JSON-encoded once); the rows of a "
        "batch are sent before the next is read. The heavy communes question runs in a "
        "process of its own, whose peak resident memory (Django included) is reported.",
        "",
        "| database | tier | values | load average | "
        + " | ".join(k.replace("_", " ") for k in KEYS)
        + " |",
        "|---|---|---:|---|" + "---:|" * len(KEYS),
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['tier']} | {r['values']:,} | {r['load_average']} | "
            + " | ".join(f"{r[k]:,}" for k in KEYS)
            + " |"
        )
    lines += ["", "| figure | goal (PostgreSQL, 10 million) | DHIS2 |", "|---|---:|---|"]
    for key in KEYS:
        goal, dhis2 = GOALS[key]
        lines.append(f"| {key.replace('_', ' ')} | under {goal:,} | {dhis2} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiers", default="10m")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(ROOT)}")
    parser.add_argument("--note", default="")
    parser.add_argument("--measure", choices=TIERS)
    parser.add_argument("--communes-once")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --measure: time the tier already built in DATABASE_URL (no build)",
    )
    parser.add_argument("--only", help="with --measure: these questions (comma-separated)")
    args = parser.parse_args()
    if args.measure:
        only = set(args.only.split(",")) if args.only else None
        print(json.dumps(measure(args.measure, reuse=args.reuse, only=only)))
        return
    if args.communes_once:
        communes_once(json.loads(args.communes_once))
        return
    results = [
        run_tier(database, tier)
        for tier in args.tiers.split(",")
        for database in args.databases.split(",")
    ]
    if args.write:
        DOC.write_text(document(results, args.note or "Measured in one run of the benchmark."))
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "run.py"), "--write", "docs/benchmarks.md"]
            + ["--sections-only"],
            check=True,
            cwd=ROOT,
        )
    first = results[0]["tier"]
    summary: dict[str, Any] = {
        r["database"]: {k: r[k] for k in KEYS} for r in results if r["tier"] == first
    }
    summary["tier"] = first
    summary["load_average"] = load_average()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
