"""The member registry at scale: counts, admission, list import and name search.

`bench/members.py --members N` runs on the database DATABASE_URL names (fresh, migrated
here): a synthetic tree (34 provinces × 100 communes × 5 chi hội, every commune keeping a
registry), N members spread over the chi hội written set-wise (`members_bulk_write`: COPY on
PostgreSQL), then times
- *province count*: members of a province active on a day (`members_count`), cycling;
- *admit*: `member_admit` into a chi hội, with its registry figures and their roll-ups;
- *import*: lists of `--import-size` rows through the import path (`members_import`:
  duplicate check against the country's registry, `members_bulk_write`, the figures moved),
  in members per second, the median of `IMPORT_LISTS` lists (each list's rate beside it);
- *name search*: the first page (50 by name) of a province's members for a name typed
  without diacritics (`members_page`, as the registry's page reads it), `--search-repeat`
  times (its own count: at 20 million a slow search must not hold the run for an hour), and
  the shared buffers each search read (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS) of each of its
  statements, exact whatever the load);
- *country search*: the same keys at the country's scope, active members (the registry's
  page for a central officer granted the records), each key once, and its buffers;
- *country count*: the registry page's count of that search (`MembersFound.count`: up to
  `COUNT_CAP` above a commune, one statement), each key once, and its buffers.
Prints one JSON line. `bench/members.py --run PG_MEMBERS SQLITE_MEMBERS` runs it on a
throw-away PostgreSQL (`scripts/with_postgres.py`) and a temporary SQLite file and prints, last,
`{"postgresql": {...}, "sqlite": {...}}`; `make bench-members` runs 20 million / 1 million.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PROVINCES, COMMUNES, BRANCHES = 34, 100, 5
ADMIT_COMMUNES = 20
IMPORT_LISTS = 3  # lists imported, each timed; the median is the figure
FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Thị Thị Thị Ngọc Thanh Thu Kim Minh Hồng".split()
GIVEN = (
    "Hoa Lan Hương Mai Hạnh Hằng Nga Phương Trang Thảo Yến Loan Dung Tuyết Nhung Liên Hiền "
    "Thủy Vân Oanh Ánh Linh Ngân Diễm Hồng Cúc Đào Huệ Lệ Xuân Thúy Bích Quyên Nhàn Tâm"
).split()


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def say(text: str) -> None:
    """Progress on stderr, with the time of day (a 20 million run takes a while)."""
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def timed(fn: Callable[[int], object], repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


GENERATE_CHUNK = 1_000_000
MEMBER_SQL = """
INSERT INTO members_member (
    id, uid, full_name, name_key, birth_date, ethnicity, religion, occupation, education,
    residence_unit_id, address, phone, citizen_id, card_number, join_date, by_residence,
    unit_id, unit_path, status, status_since, purpose, consent_on, erased, created_at,
    updated_at)
SELECT g, 'b' || lpad(to_hex(g), 10, '0'),
    (%(family)s::text[])[1 + h1 %% %(nf)s] || ' ' || (%(middle)s::text[])[1 + h1 / %(nf)s %% %(nm)s]
        || ' ' || (%(given)s::text[])[1 + h1 / %(nfm)s %% %(ng)s],
    (%(family_key)s::text[])[1 + h1 %% %(nf)s] || ' '
        || (%(middle_key)s::text[])[1 + h1 / %(nf)s %% %(nm)s]
        || ' ' || (%(given_key)s::text[])[1 + h1 / %(nfm)s %% %(ng)s],
    DATE '1950-01-01' + h3 %% 20000, %(ethnicity)s, %(religion)s, %(occupation)s, '', NULL, '',
    '', '', '', DATE '2000-01-01' + h3 / 20000 %% 8000, true,
    branch.id, branch.path,
    %(status)s, DATE '2000-01-01' + h3 / 20000 %% 8000, 'benchmark', DATE '2020-01-01', false,
    now(), now()
FROM (
    SELECT g, hashint8(g) & 2147483647 AS h1, hashint8(g + 4000000000) & 2147483647 AS h2,
        hashint8(g + 8000000000) & 2147483647 AS h3
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
) AS drawn
JOIN bench_branch AS branch ON branch.n = 1 + h2 %% %(nb)s
"""
# The chi hội numbered from 1, joined to each drawn row (subscripting an array of 17,000 paths
# walks it for every row: most of the time of the load).
BRANCH_SQL = """
CREATE TEMPORARY TABLE bench_branch AS
SELECT n::int AS n, id, path FROM unnest(%s::int[], %s::text[]) WITH ORDINALITY AS b (id, path, n)
"""
ENROLMENT_SQL = """
INSERT INTO members_enrolment (member_id, unit_id, unit_path, start, start_kind, "end",
    end_kind, by_residence)
SELECT id, unit_id, unit_path, join_date, %s, NULL, '', by_residence
FROM members_member WHERE id BETWEEN %s AND %s
"""
EVENT_SQL = """
INSERT INTO members_memberevent (member_id, kind, "on", from_unit_id, to_unit_id, reason,
    actor_id, actor_name, at)
SELECT id, %s, join_date, NULL, unit_id, '', NULL, %s, now()
FROM members_member WHERE id BETWEEN %s AND %s
"""
# The yearly tallies of the enrolments (`members.tallies`), once after the load: all
# admitted, none ended.
TALLY_SQL = """
INSERT INTO members_enrolmenttally (unit_id, unit_path, year, starts, ends, residence_starts,
    residence_ends)
SELECT unit_id, unit_path, EXTRACT(YEAR FROM join_date)::int, COUNT(*), 0,
    COUNT(*) FILTER (WHERE by_residence), 0
FROM members_member GROUP BY 1, 2, 3
"""
TABLES = ["members_member", "members_enrolment", "members_memberevent"]


def generate_postgres(members: int, branches: list[Any], *, actor_name: str) -> int:
    """Make `members` members, their enrolments and admissions inside PostgreSQL.

    The same rows as `members_bulk_write` writes (an active member in a chi hội drawn at
    random, her enrolment, her admission), made by the server from `generate_series`: names
    drawn from the lists by a hash of the row number (their keys folded once here), so no
    row crosses the socket. The secondary indexes and foreign keys of the three tables are
    dropped for the load and made again after it: building an index once is many times
    cheaper than keeping it row by row. Their key triggers (`members/0008`, in place of
    foreign keys) are off during the load: the rows are right by construction. Progress on
    stderr.
    """
    from django.db import connection

    from phongtrao.members.choices import KINH, EventKind, Occupation, Religion, StartKind
    from phongtrao.members.choices import Status as MemberStatus
    from phongtrao.members.names import name_key

    params: dict[str, Any] = {
        "family": FAMILY,
        "middle": MIDDLE,
        "given": GIVEN,
        "family_key": [name_key(n) for n in FAMILY],
        "middle_key": [name_key(n) for n in MIDDLE],
        "given_key": [name_key(n) for n in GIVEN],
        "nf": len(FAMILY),
        "nm": len(MIDDLE),
        "ng": len(GIVEN),
        "nfm": len(FAMILY) * len(MIDDLE),
        "nb": len(branches),
        "ethnicity": KINH,
        "religion": Religion.NONE.value,
        "occupation": Occupation.OTHER.value,
        "status": MemberStatus.ACTIVE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [TABLES],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [TABLES],
        )
        indexes = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(BRANCH_SQL, [[b.pk for b in branches], [b.path for b in branches]])
        cursor.execute("ANALYZE bench_branch")
        for first in range(1, members + 1, GENERATE_CHUNK):
            last = min(members, first + GENERATE_CHUNK - 1)
            clock = [time.perf_counter()]
            cursor.execute(MEMBER_SQL, {**params, "first": first, "last": last})
            clock.append(time.perf_counter())
            cursor.execute(ENROLMENT_SQL, [StartKind.ADMITTED.value, first, last])
            clock.append(time.perf_counter())
            cursor.execute(EVENT_SQL, [EventKind.ADMIT.value, actor_name, first, last])
            clock.append(time.perf_counter())
            steps = ", ".join(f"{b - a:.1f}" for a, b in zip(clock, clock[1:], strict=False))
            say(f"{last:,} members written (members, enrolments, history: {steps} s)")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('members_member', 'id'), %s)", [members]
        )
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        started = time.perf_counter()
        cursor.execute(TALLY_SQL)
        say(f"yearly tallies: {time.perf_counter() - started:.1f} s")
        for name, definition in indexes:
            started = time.perf_counter()
            cursor.execute(definition)
            say(f"index {name}: {time.perf_counter() - started:.1f} s")
        for table, name, definition in foreign_keys:
            # NOT VALID: the rows loaded are right by construction and are not checked again
            # (minutes at 20 million); every row written from now on is, as before.
            started = time.perf_counter()
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
            say(f"foreign key {name}: {time.perf_counter() - started:.1f} s")
    return members


def measure(members: int, repeat: int, import_size: int, search_repeat: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from phongtrao.members.access import SystemActor
    from phongtrao.members.bulk import members_bulk_write, members_import
    from phongtrao.members.choices import Status
    from phongtrao.members.figures import figures_write, members_count
    from phongtrao.members.models import RegistryUnit
    from phongtrao.members.names import name_key
    from phongtrao.members.selectors import MembersFound, members_page
    from phongtrao.members.services import MemberData, member_admit
    from phongtrao.orgs.models import Level, Unit
    from phongtrao.orgs.services import editions_ensure

    call_command("migrate", verbosity=0)
    actor = SystemActor("benchmark")
    rng = random.Random(20)  # noqa: S311
    old, new = editions_ensure()

    def level(parents: list[Unit | None], count: int, lvl: int, prefix: str) -> list[Unit]:
        units = [
            Unit(
                uid=f"{prefix}{i:010d}"[-11:],
                code=f"{prefix}{i}",
                name=f"{prefix} {i}",
                level=lvl,
                edition=new,
                valid_from=new.valid_from,
                parent=parent,
                path="",
            )
            for p, parent in enumerate(parents)
            for i in range(p * count, (p + 1) * count)
        ]
        Unit.objects.bulk_create(units, batch_size=5000)
        units = list(Unit.objects.filter(code__startswith=prefix, level=lvl).order_by("id"))
        by_id = {u.pk: u for u in parents if u is not None}
        for unit in units:
            base = by_id[unit.parent_id].path if unit.parent_id else "/"
            unit.path = f"{base}{unit.pk}/"
        Unit.objects.bulk_update(units, ["path"], batch_size=5000)
        return units

    started = time.perf_counter()
    with transaction.atomic():
        root = level([None], 1, Level.CENTRAL, "R")
        provinces = level(root, PROVINCES, Level.PROVINCE, "P")  # type: ignore[arg-type]
        communes = level(provinces, COMMUNES, Level.COMMUNE, "C")  # type: ignore[arg-type]
        branches = level(communes, BRANCHES, Level.BRANCH, "B")  # type: ignore[arg-type]
        RegistryUnit.objects.bulk_create(
            [RegistryUnit(unit=c, since=dt.date(2020, 1, 1)) for c in communes]
        )
    del old

    def rows(count: int, seed: int) -> Iterator[MemberData]:
        draw = random.Random(seed)  # noqa: S311
        for _ in range(count):
            branch = branches[draw.randrange(len(branches))]
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=draw.randrange(20000))
            yield MemberData(
                full_name=f"{draw.choice(FAMILY)} {draw.choice(MIDDLE)} {draw.choice(GIVEN)}",
                birth_date=birth,
                join_date=dt.date(2000, 1, 1) + dt.timedelta(days=draw.randrange(8000)),
                unit_id=branch.pk,
                unit_path=branch.path,
            )

    written = 0
    chunk = 1_000_000
    if connection.vendor == "postgresql":
        written = generate_postgres(members, branches, actor_name="benchmark")
    while written < members:
        size = min(chunk, members - written)
        written += members_bulk_write(
            actor=actor,
            rows=rows(size, written),
            purpose="benchmark",
            consent_on=dt.date(2020, 1, 1),
            figures=False,
        )
        say(f"{written:,} members written")
    load_s = time.perf_counter() - started
    say(f"{written:,} members loaded: {load_s:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    vacuum_s = time.perf_counter() - started
    say(f"vacuum, analyze: {vacuum_s:.1f} s")
    # The communes admitted into have their figures counted once, as a registry in use has:
    # an admission then moves them (a commune's first change counts its book).
    in_use = communes[:ADMIT_COMMUNES]
    started = time.perf_counter()
    for commune in in_use:
        with transaction.atomic():
            figures_write(unit=commune, days=[dt.date(2020, 1, 1)])
    figures_s = time.perf_counter() - started
    say(f"figures of {len(in_use)} registries: {figures_s:.1f} s")
    admit_into = [b for b in branches if b.parent_id in {c.pk for c in in_use}]

    # Year ends and days in both halves of a year (the members joined from 2000 to 2021).
    days = [dt.date(2025, 12, 31), dt.date(2021, 6, 30), dt.date(2020, 10, 15)]
    for province in provinces[:3]:
        members_count(province, days[0])
    count_ms = timed(lambda i: members_count(provinces[i % PROVINCES], days[i % len(days)]), repeat)
    say(f"{repeat} counts: {sum(count_ms) / 1000:.1f} s")

    def admit(i: int) -> None:
        member_admit(
            actor=actor,
            unit=admit_into[rng.randrange(len(admit_into))],
            data=MemberData(
                full_name=f"Thử Thị Nhập {i}",
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i),
                join_date=dt.date.today(),  # noqa: DTZ011
            ),
            purpose="benchmark",
            consent_on=dt.date.today(),  # noqa: DTZ011
        )

    admit_ms = timed(admit, repeat)
    say(f"{repeat} admissions: {sum(admit_ms) / 1000:.1f} s")

    # Lists of distinct people (names made unique by a suffix word), each into a chi hội of
    # its own, each timed: one list is too short a measure to compare alone (two runs of the
    # same code differed by 42 %), so the median of `IMPORT_LISTS`.
    import_s_each = []
    for number in range(IMPORT_LISTS):
        branch = admit_into[number % len(admit_into)]
        batch = [
            r._replace(
                full_name=f"{r.full_name} Nhập{number}x{i}",
                unit_id=branch.pk,
                unit_path=branch.path,
            )
            for i, r in enumerate(rows(import_size, 10**9 + number))
        ]
        start = time.perf_counter()
        members_import(
            actor=actor,
            unit=branch,
            rows=batch,
            numbers=list(range(2, len(batch) + 2)),
            purpose="benchmark",
            consent_on=dt.date(2020, 1, 1),
        )
        import_s_each.append(time.perf_counter() - start)
        say(f"list {number + 1} of {import_size:,} imported: {import_s_each[-1]:.1f} s")
    import_s = statistics.median(import_s_each)

    # Given names (one word, most members of a province have a word starting with one of
    # them) and "<family> thi" (two words), without diacritics.
    keys = [name_key(g) for g in GIVEN] + [f"{name_key(f)} thi" for f in FAMILY]

    def search(i: int) -> None:
        members_page(actor=actor, unit=provinces[i % PROVINCES], query=keys[i % len(keys)])

    search_ms = timed(search, search_repeat)
    say(f"{search_repeat} searches: {sum(search_ms) / 1000:.1f} s")
    buffers = [_buffers(functools.partial(search, i)) for i in range(min(len(keys), search_repeat))]

    # The country's search as the registry's page reads it for a central officer granted the
    # records (its first page of active members, the page's default), each key once.
    def country(i: int) -> None:
        members_page(actor=actor, unit=root[0], query=keys[i % len(keys)], status=Status.ACTIVE)

    country_ms = timed(country, len(keys))
    say(f"{len(keys)} searches of the country: {sum(country_ms) / 1000:.1f} s")
    country_buffers = [_buffers(functools.partial(country, i)) for i in range(len(keys))]

    # The registry page's count of that search (capped at COUNT_CAP above a commune: one
    # statement), each key once.
    def counted(i: int) -> None:
        MembersFound(
            actor=actor, unit=root[0], query=keys[i % len(keys)], status=Status.ACTIVE
        ).count()

    count_page_ms = timed(counted, len(keys))
    say(f"{len(keys)} counts of the country's search: {sum(count_page_ms) / 1000:.1f} s")
    count_page_buffers = [_buffers(functools.partial(counted, i)) for i in range(len(keys))]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute(
                "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
            )
        size = cursor.fetchone()[0]
    return {
        "database": connection.vendor,
        "members": written,
        "load_s": round(load_s, 1),
        "vacuum_s": round(vacuum_s, 1),
        "figures_s": round(figures_s, 1),
        "province_count_p50_ms": round(statistics.median(count_ms), 2),
        "admit_p50_ms": round(statistics.median(admit_ms), 2),
        "import_members_per_s": round(import_size / import_s),
        "import_members_per_s_each": [round(import_size / t) for t in import_s_each],
        "name_search_p50_ms": round(statistics.median(search_ms), 2),
        "name_search_p95_ms": round(percentile(search_ms, 95), 2),
        # Shared buffers read or hit per search (PostgreSQL, all its statements, exact):
        # mean and largest over one search of each key.
        "name_search_buffers_mean": round(statistics.mean(buffers)) if buffers[0] else None,
        "name_search_buffers_max": max(buffers) if buffers[0] else None,
        "country_search_p50_ms": round(statistics.median(country_ms), 2),
        "country_search_p95_ms": round(percentile(country_ms, 95), 2),
        "country_search_buffers_mean": (
            round(statistics.mean(country_buffers)) if country_buffers[0] else None
        ),
        "country_search_buffers_max": max(country_buffers) if country_buffers[0] else None,
        "country_count_p50_ms": round(statistics.median(count_page_ms), 2),
        "country_count_p95_ms": round(percentile(count_page_ms, 95), 2),
        "country_count_buffers_mean": (
            round(statistics.mean(count_page_buffers)) if count_page_buffers[0] else None
        ),
        "country_count_buffers_max": max(count_page_buffers) if count_page_buffers[0] else None,
        "database_mb": round(size / 2**20),
        "load_average": os.getloadavg()[0],
    }


def _buffers(action: Callable[[], object]) -> int:
    """The shared buffers (read or hit) of the statements `action` runs, by
    EXPLAIN (ANALYZE, BUFFERS) of each once it has run (PostgreSQL; 0 elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    statements: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().lstrip("(").split(None, 1)[0].upper() in {"SELECT", "WITH"}:
            statements.append((sql, params))  # reads only (not `SET LOCAL jit = off`)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        action()
    total = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0][0]["Plan"]
            total += plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    return total


def run(
    pg_members: int, sqlite_members: int, repeat: int, import_size: int, search_repeat: int
) -> None:
    me = [sys.executable, str(Path(__file__).resolve())]
    result: dict[str, Any] = {}
    for database, count in (("postgresql", pg_members), ("sqlite", sqlite_members)):
        command = [*me, "--members", str(count), "--repeat", str(repeat)]
        command += ["--import-size", str(import_size), "--search-repeat", str(search_repeat)]
        env = dict(os.environ)
        with tempfile.TemporaryDirectory(prefix="phongtrao-bench-members-") as tmp:
            if database == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            else:
                env.pop("DATABASE_URL", None)
                command = [sys.executable, str(ROOT / "scripts" / "with_postgres.py"), *command]
            # Its progress (stderr) shows as it goes; its result is its last line of stdout.
            out = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
            if out.returncode != 0:
                sys.stderr.write(out.stdout)
                raise SystemExit(f"benchmark failed: {database}")
            result[database] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({database: result[database]}), flush=True)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int)
    parser.add_argument("--run", type=int, nargs=2, metavar=("PG_MEMBERS", "SQLITE_MEMBERS"))
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--import-size", type=int, default=100_000)
    parser.add_argument("--search-repeat", type=int, default=200)
    args = parser.parse_args()
    if args.run:
        run(args.run[0], args.run[1], args.repeat, args.import_size, args.search_repeat)
    else:
        result = measure(args.members, args.repeat, args.import_size, args.search_repeat)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
