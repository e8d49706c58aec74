"""Report benchmark: p50 of each format for the province, and all demo reports of a year.

Needs the demo loaded (`manage.py load_demo`). Run alone on the machine:

    DATABASE_URL=... .venv/bin/python bench/reports.py --repeat 5 --year 2023

`--limit N` builds only the first N units of the second measure (to check the script at a
small size). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from phongtrao.orgs.models import Unit  # noqa: E402
from phongtrao.orgs.selectors import unit_children  # noqa: E402
from phongtrao.reports.builder import ReportEmpty, report_build  # noqa: E402
from phongtrao.reports.formats import FORMATS, report_render  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Đo thời gian lập báo cáo.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", default="2023")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    province = Unit.objects.get(code="70", edition__code="2008")
    p50: dict[str, float] = {}
    for fmt in FORMATS:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            report_render(report_build(province, args.year), fmt)
            times.append(time.perf_counter() - start)
        p50[fmt] = round(statistics.median(times), 3)
        print(f"{fmt}: p50 {p50[fmt]} s", flush=True)
    districts = list(unit_children(province))
    units = districts + [c for d in districts for c in unit_children(d)]
    if args.limit:
        units = units[: args.limit]
    start = time.perf_counter()
    built = 0
    for unit in units:
        try:
            report_render(report_build(unit, args.year), "pdf")
            built += 1
        except ReportEmpty:
            pass
    every = round(time.perf_counter() - start, 2)
    print(f"{built} báo cáo PDF của {len(units)} đơn vị: {every} s", flush=True)
    print(
        json.dumps(
            {
                "p50_seconds": p50,
                "units": len(units),
                "reports_pdf": built,
                "all_seconds": every,
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
