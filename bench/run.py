"""Run the benchmark tiers on SQLite and PostgreSQL, one fresh database each.

`make bench-quick`: the 1-million tier on both databases; the last line printed is one JSON
object. `make bench`: all tiers, written to docs/benchmarks.md with the goals beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

GOALS = """\
Goals (issue 2): a province's annual report p50 under 50 ms on PostgreSQL at 10 million values;
p50 at 10 million no more than 1.5 times p50 at 1 million; bulk import at least 50,000 values
per second on PostgreSQL."""


METHOD = """\
How it is measured (`bench/measure.py`, one fresh database per database and tier): the 2025
structure (34 provinces, 3,321 communes, 10 chi hội under each: 36,566 units) with monthly
values of the 70 raw indicators over 2022–2025, spread at random over chi hội, months and
indicators until the tier's size. The base is generated in SQL (a deterministic hash picks the
cells and values) and rolled up by `rollups_rebuild` (the set-wise path the tests hold equal to
the incremental one): building 100 million values through the import service would take hours
here. Then:
*import*: 200,000 new values (2026) through `datavalues_import`, the service imports use
(validation, audit rows, roll-ups, all in one transaction); *report*: a province's 2025 report
(all 73 indicators, 2025 and 2024, targets, achievement, completeness of its communes) from
the roll-ups, cycling over the provinces; *naive*: the same figures summed from the raw values
of the subtree at query time; *save*: one value saved by `datavalue_save` with its roll-ups.
Before timing, the report and the naive sum are checked equal. What limits the import, and
the way to the goal: `docs/architecture.md`, "Performance"."""


def run_tier(database: str, tier: str, quick: bool) -> dict[str, Any]:
    command = [PYTHON, str(ROOT / "bench" / "measure.py"), "--tier", tier]
    if quick:
        command += ["--repeat", "15", "--naive-repeat", "3"]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="phongtrao-bench-") as tmp:
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            env.pop("DATABASE_URL", None)
            command = [PYTHON, str(ROOT / "scripts" / "with_postgres.py"), *command]
        started = time.perf_counter()
        out = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            sys.stderr.write(out.stdout + out.stderr)
            raise SystemExit(f"benchmark failed: {database} {tier}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        result["wall_s"] = round(time.perf_counter() - started, 1)
        print(json.dumps(result), flush=True)
        return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | tier | values | roll-up rows | base load s | rebuild s | import values/s | "
        "report p50 ms | report p95 ms | naive p50 ms | naive ÷ report | save p50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r["naive_p50_ms"] / r["report_p50_ms"]
        lines.append(
            f"| {r['database']} | {r['tier']} | {r['values']:,} | {r['rollup_rows']:,} | "
            f"{r['base_load_s']} | {r['rebuild_s']} | {r['import_values_per_s']:,} | "
            f"{r['report_p50_ms']} | {r['report_p95_ms']} | {r['naive_p50_ms']} | "
            f"{ratio:,.0f}× | {r['save_p50_ms']} |"
        )
    return "\n".join(lines)


def goals(results: list[dict[str, Any]]) -> str:
    """The issue's goals against what was measured."""
    by = {(r["database"], r["tier"]): r for r in results}
    lines = []
    pg10 = by.get(("postgresql", "10m"))
    pg1 = by.get(("postgresql", "1m"))
    if pg10:
        ok = pg10["report_p50_ms"] < 50
        lines.append(
            f"- Report p50 on PostgreSQL at 10 million values: {pg10['report_p50_ms']} ms "
            f"(goal under 50 ms): {'reached' if ok else 'NOT reached'}."
        )
    for database in ("postgresql", "sqlite"):
        small, large = by.get((database, "1m")), by.get((database, "10m"))
        if small and large:
            growth = large["report_p50_ms"] / small["report_p50_ms"]
            lines.append(
                f"- {database}: report p50 at 10 million ÷ at 1 million = {growth:.2f} "
                f"(goal at most 1.5): {'reached' if growth <= 1.5 else 'NOT reached'}."
            )
        huge = by.get((database, "100m"))
        if small and huge:
            growth = huge["report_p50_ms"] / small["report_p50_ms"]
            lines.append(f"- {database}: report p50 at 100 million ÷ at 1 million = {growth:.2f}.")
    for r in (pg1, pg10, by.get(("postgresql", "100m"))):
        if r:
            ok = r["import_values_per_s"] >= 50_000
            lines.append(
                f"- Import through the service on PostgreSQL at {r['tier']}: "
                f"{r['import_values_per_s']:,} values/s (goal at least 50,000): "
                f"{'reached' if ok else 'NOT reached'}."
            )
    return "\n".join(lines)


SECTIONS_MARK = "<!-- The sections below come from docs/benchmarks/*.md. -->"


def one_level_down(text: str) -> str:
    """The text's headings one level down (its title becomes a section); lines in fenced code
    blocks (a shell comment) are left as they are."""
    lines: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        lines.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(lines).strip()


def sections(doc: Path) -> str:
    """The other benchmarks' sections (portal, entry, exchange...), each kept in its own file."""
    files = sorted((doc.parent / "benchmarks").glob("*.md"))
    return "\n\n".join(one_level_down(f.read_text()) for f in files)


def sections_write(doc: Path) -> None:
    """Rewrite only the sections part of the benchmarks document, keeping the core tiers."""
    core = doc.read_text().split(SECTIONS_MARK)[0].rstrip()
    doc.write_text(f"{core}\n\n{SECTIONS_MARK}\n\n{sections(doc)}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiers", default="1m")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", type=Path)
    parser.add_argument(
        "--from-logs",
        nargs="+",
        type=Path,
        help="render from the result lines of earlier runs instead of measuring",
    )
    parser.add_argument("--note", default="", help="conditions of the runs, written as is")
    parser.add_argument(
        "--sections-only",
        action="store_true",
        help="with --write: refresh only the other benchmarks' sections (docs/benchmarks/*.md)",
    )
    args = parser.parse_args()
    if args.sections_only and args.write:
        sections_write(args.write)
        return
    if args.from_logs:
        results = [
            json.loads(line)
            for log in args.from_logs
            for line in log.read_text().splitlines()
            if line.startswith('{"database"')
        ]
        note = "Tiers measured in separate runs of `bench/run.py` on the same machine the same day."
    else:
        results = [
            run_tier(database, tier, args.quick)
            for tier in args.tiers.split(",")
            for database in args.databases.split(",")
        ]
        note = "Measured in one run of `make bench`."
    print(markdown(results))
    if args.write:
        args.write.write_text(
            "# Benchmarks\n\n"
            f"Machine: {machine()}. {time.strftime('%Y-%m-%d')}. {note} {args.note}\n\n"
            f"{GOALS}\n\n{markdown(results)}\n\n{goals(results)}\n\n{METHOD}\n"
        )
        sections_write(args.write)
    first_tier = results[0]["tier"]
    summary = {
        r["database"]: {
            k: r.get(k)
            for k in (
                "report_p50_ms",
                "naive_p50_ms",
                "import_values_per_s",
                "save_p50_ms",
                "file_import_values_per_s",
                "file_import_peak_mb",
                "api_import_values_per_s",
            )
        }
        for r in results
        if r["tier"] == first_tier
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
