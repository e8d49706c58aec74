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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

GOALS = """\
Goals (issue 2): a province's annual report p50 under 50 ms on PostgreSQL at 10 million values;
p50 at 10 million no more than 1.5 times p50 at 1 million; bulk import at least 50,000 values
per second on PostgreSQL."""


def run_tier(database: str, tier: str, quick: bool) -> dict[str, object]:
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
        result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
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


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| database | tier | values | roll-up rows | import values/s | report p50 ms | "
        "report p95 ms | naive p50 ms | naive ÷ report | save p50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = float(r["naive_p50_ms"]) / float(r["report_p50_ms"])  # type: ignore[arg-type]
        lines.append(
            f"| {r['database']} | {r['tier']} | {r['values']:,} | {r['rollup_rows']:,} | "
            f"{r['import_values_per_s']:,} | {r['report_p50_ms']} | {r['report_p95_ms']} | "
            f"{r['naive_p50_ms']} | {ratio:,.0f}× | {r['save_p50_ms']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiers", default="1m")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    results = [
        run_tier(database, tier, args.quick)
        for tier in args.tiers.split(",")
        for database in args.databases.split(",")
    ]
    print(markdown(results))
    if args.write:
        args.write.write_text(
            "# Benchmarks\n\n"
            f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')} by `make bench`.\n\n"
            f"{GOALS}\n\n{markdown(results)}\n"
        )
    summary = {
        r["database"]: {
            k: r[k] for k in ("report_p50_ms", "naive_p50_ms", "import_values_per_s", "save_p50_ms")
        }
        for r in results
        if r["tier"] == args.tiers.split(",")[0]
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
