"""Many members at once: list imports, the demo registry, the benchmark.

Rows are checked before they are kept (the caller's reader does the per-row checks,
`members_import` the duplicates inside the list and against the country's registry: the
registry's namesakes looked for while the list is written, on PostgreSQL, a namesake found
rolling the write back); members, their enrolments and their history are written set-wise in
one transaction: COPY on PostgreSQL, statements of 500 rows on SQLite, the members' ids taken
before their rows (from the sequence on PostgreSQL, but in the demo's seeded load) so the three
tables are written without reading anything back. The figures of each registry
touched move once, by what the rows add (`figures.figures_shift`): the same values as
admitting them one by one.
"""

from __future__ import annotations

import datetime as dt
import select
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.db.models import Max
from django.utils import timezone

from phongtrao.members.access import Actor, actor_name, actor_user, records_may_change
from phongtrao.members.choices import (
    EndKind,
    EventKind,
    StartKind,
    Status,
)
from phongtrao.members.figures import Span, figures_shift, registries_of
from phongtrao.members.models import Enrolment, Member, MemberEvent
from phongtrao.members.names import name_key
from phongtrao.members.services import MemberData, uids_new
from phongtrao.members.tallies import Move, tallies_move
from phongtrao.orgs.models import Unit, uid_from

CHUNK = 20_000
DUPLICATE_BATCH = 2_000  # pairs per query on SQLite: 4,000 parameters, under its limit
SQLITE_ROWS_PER_INSERT = 500  # rows per INSERT on SQLite, within its parameter limit


@dataclass(frozen=True)
class RowProblem:
    """Row `index` (0-based, in the caller's order) cannot be written, and why."""

    index: int
    message: str


MEMBER_COLUMNS = (
    "id", "uid", "full_name", "name_key", "birth_date", "ethnicity", "religion", "occupation",
    "education", "residence_unit_id", "address", "phone", "citizen_id", "card_number",
    "join_date", "by_residence", "unit_id", "unit_path", "status", "status_since", "purpose",
    "consent_on", "erased", "created_at", "updated_at",
)  # fmt: skip
ENROLMENT_COLUMNS = (
    "member_id", "unit_id", "unit_path", "start", "start_kind", "end", "end_kind",
    "by_residence",
)  # fmt: skip
EVENT_COLUMNS = (
    "member_id", "kind", "on", "from_unit_id", "to_unit_id", "reason", "actor_id",
    "actor_name", "at",
)  # fmt: skip
STATUS_OF_END = {EndKind.LEFT: Status.LEFT, EndKind.DECEASED: Status.DECEASED}


def rows_insert(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows fast: COPY on PostgreSQL, statements of many rows on SQLite.

    On SQLite each statement pays for itself (its indexes' cursors, the triggers' upkeep:
    the FTS5 name index writes out what it gathered at every statement's end); row by row
    (`executemany`) the registry's 181,941 demo members cost 7.2 s of CPU, 500 rows to a
    statement 2.5 s.
    """
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = max(1, min(SQLITE_ROWS_PER_INSERT, limit // len(columns)))
        one = "(" + ", ".join("%s" for _ in columns) + ")"
        iterator = iter(rows)
        while part := list(islice(iterator, size)):
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) VALUES {', '.join([one] * len(part))}",  # noqa: S608
                [value for row in part for value in row],
            )


def _namesake_queries(keys: Sequence[tuple[str, dt.date]]) -> Iterator[tuple[str, list[Any]]]:
    """The queries that find the active members with one of these (name key, birth date)
    pairs, each looked up in the name index (`member_name_birth`); each answers (name key,
    birth date, unit name) rows.

    On PostgreSQL one query: the pairs go as two texts split into arrays by the server
    (names, one a line: a key has no line break; days, by commas), cheaper to send than
    arrays made item by item by the driver; each pair looked up by a LATERAL subquery that the
    planner may not flatten (OFFSET 0): told there are 20,000 pairs, it would otherwise sort
    the whole registry for a merge join (1.9 s at a million members, minutes at 20 million).
    On SQLite a VALUES list of a few thousand pairs at a time, joined by the index.
    """
    postgres = connection.vendor == "postgresql"
    keys = [(key, birth) for key, birth in keys if key]  # a name has a key: no empty one
    size = len(keys) if postgres else DUPLICATE_BATCH
    for start in range(0, len(keys), size or 1):
        part = keys[start : start + size]
        if postgres:
            sql = (
                "SELECT w.name_key, w.birth_date, found.name "
                "FROM unnest(string_to_array(%s, E'\\n')::varchar[], "
                "string_to_array(%s, ',')::date[]) AS w (name_key, birth_date), "
                "LATERAL (SELECT u.name FROM members_member m "
                "JOIN orgs_unit u ON u.id = m.unit_id WHERE m.name_key = w.name_key "
                "AND m.birth_date = w.birth_date AND m.status = %s OFFSET 0) AS found"
            )
            params: list[Any] = [
                "\n".join(key for key, _ in part),
                ",".join(birth.isoformat() for _, birth in part),
            ]
        else:
            wanted = "VALUES " + ", ".join(["(%s, %s)"] * len(part))
            sql = (
                f"WITH wanted (name_key, birth_date) AS ({wanted}) "  # noqa: S608
                "SELECT m.name_key, m.birth_date, u.name FROM members_member m "
                "JOIN wanted w ON m.name_key = w.name_key AND m.birth_date = w.birth_date "
                "JOIN orgs_unit u ON u.id = m.unit_id WHERE m.status = %s"
            )
            params = [value for key, birth in part for value in (key, birth.isoformat())]
        yield sql, [*params, Status.ACTIVE]


Namesake = tuple[str, dt.date, str]  # name key, birth date, the unit of the active member


def _namesakes_now(keys: Sequence[tuple[str, dt.date]]) -> list[Namesake]:
    found: list[Namesake] = []
    with connection.cursor() as cursor:
        for sql, params in _namesake_queries(keys):
            cursor.execute(sql, params)
            found.extend(cursor.fetchall())
    return found


@contextmanager
def _namesakes_meanwhile(
    keys: Sequence[tuple[str, dt.date]],
) -> Iterator[Callable[[], list[Namesake]]]:
    """Look the pairs up on a connection of their own while the caller writes (PostgreSQL):
    the server answers them on another core meanwhile (at 20 million members a list of
    100,000 waited 0.7 s for them before writing). The caller holds nothing uncommitted on
    its own connection, so both see the same members. Yields the function that waits for
    the answer.
    """
    side = connections.create_connection(connection.alias)
    try:
        side.connect()
        raw = side.connection
        with raw.pipeline() as pipe:
            cursors = []
            for sql, params in _namesake_queries(keys):
                cursors.append(raw.cursor())
                cursors[-1].execute(sql, params)
            # Sent whole now, so that the server starts at once: a query larger than the
            # socket's buffer would otherwise wait, half sent, for the sync below.
            while raw.pgconn.flush():
                select.select([], [raw.pgconn.socket], [])

            def answer() -> list[Namesake]:
                pipe.sync()
                return [row for cursor in cursors for row in cursor.fetchall()]

            yield answer
    finally:
        side.close()


@dataclass(frozen=True)
class _Listed:
    """What a list says of itself: the rows repeating an earlier row, and the first row of
    each (name key, birth date) pair and of each citizen ID."""

    problems: list[RowProblem]
    keys: dict[tuple[str, dt.date], int]
    ids: dict[str, int]


def _listed(rows: Sequence[MemberData]) -> _Listed:
    listed = _Listed(problems=[], keys={}, ids={})
    for index, row in enumerate(rows):
        key = (name_key(row.full_name), row.birth_date)
        if key in listed.keys:
            listed.problems.append(
                RowProblem(index, f"Trùng họ tên và ngày sinh với dòng {listed.keys[key] + 1}.")
            )
        listed.keys.setdefault(key, index)
        if row.citizen_id:
            if row.citizen_id in listed.ids:
                first = listed.ids[row.citizen_id]
                listed.problems.append(RowProblem(index, f"Trùng số CCCD với dòng {first + 1}."))
            listed.ids.setdefault(row.citizen_id, index)
    return listed


def _ids_taken(seen_ids: dict[str, int]) -> list[RowProblem]:
    """The rows whose citizen ID a member of the registry has (any status)."""
    problems = []
    ids = list(seen_ids)
    for start in range(0, len(ids), DUPLICATE_BATCH):
        for citizen_id, unit_name in Member.objects.filter(
            citizen_id__in=ids[start : start + DUPLICATE_BATCH]
        ).values_list("citizen_id", "unit__name"):
            problems.append(
                RowProblem(
                    seen_ids[citizen_id], f"Số CCCD đã có trong sổ hội viên tại {unit_name}."
                )
            )
    return problems


def _namesake_problems(
    found: Iterable[Namesake], seen_keys: dict[tuple[str, dt.date], int]
) -> list[RowProblem]:
    problems = []
    for key, birth, unit_name in found:
        if not isinstance(birth, dt.date):
            birth = dt.date.fromisoformat(birth)
        problems.append(
            RowProblem(
                seen_keys[(key, birth)], f"Đã có hội viên cùng họ tên và ngày sinh tại {unit_name}."
            )
        )
    return problems


def duplicates_in(rows: Sequence[MemberData]) -> list[RowProblem]:
    """Rows that repeat another row or a member of the registry (country-wide), set-wise.

    The same checks as admitting one by one (`services.duplicates_find`): the same citizen
    ID as any member, or the same name (without diacritics) and birth date as an active one.
    The officer either fixes the file or admits that person on her own, the namesake
    confirmed.
    """
    return _duplicates(_listed(rows))


def _duplicates(listed: _Listed) -> list[RowProblem]:
    # In name order: the look-ups walk the name index forward rather than anywhere in it.
    found = _namesakes_now(sorted(listed.keys))
    problems = listed.problems + _namesake_problems(found, listed.keys) + _ids_taken(listed.ids)
    return sorted(problems, key=lambda p: p.index)


def _chunks(rows: Iterable[MemberData], size: int) -> Iterator[list[MemberData]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class _Tally:
    """What the rows written add, per unit: enrolments by span (plain tuples: one is made
    per row), the unit's path and its earliest day (for the tallies and the figures)."""

    spans: dict[int, Counter[tuple[int, int | None, bool]]]
    first_day: dict[int, dt.date]
    paths: dict[int, str]


def _member_rows(
    chunk: list[MemberData],
    *,
    ids: Sequence[int],
    uid_seed: str,
    fixed: tuple[Any, ...],
    event_by: tuple[Any, ...],
    enrolments: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
    tally: _Tally,
) -> Iterator[tuple[Any, ...]]:
    """The chunk's member rows (with `ids`, in order), made as the COPY takes them so that the
    server indexes the rows sent before meanwhile; their enrolments and history are added to
    `enrolments` and `events`, what they count to `tally`.

    In name order (then birth date), with fresh uids in their order (a run of this hour's,
    `uids_new`): most of a member's indexes are by name (one by uid), so each row's entries
    land beside the last row's rather than anywhere in the index (a fifth less of the
    server's time at 2 million members; more once the indexes outgrow the server's cache).
    """
    keys = [name_key(row.full_name) for row in chunk]
    order = sorted(range(len(chunk)), key=lambda i: (keys[i], chunk[i].birth_date))
    uids = [] if uid_seed else uids_new(len(chunk))
    for offset, index in enumerate(order):
        row = chunk[index]
        unit_id = row.unit_id
        if unit_id is None:
            raise ValueError(f"{row.full_name}: chưa có đơn vị sinh hoạt (unit_id).")
        pk = ids[offset]
        uid = uid_from(f"{uid_seed}:{pk}") if uid_seed else uids[offset]
        end = row.end
        status = STATUS_OF_END.get(EndKind(row.end_kind), Status.ACTIVE) if end else Status.ACTIVE
        yield (
            pk, uid, row.full_name, keys[index], row.birth_date,
            row.ethnicity, row.religion, row.occupation, row.education,
            row.residence_unit.pk if row.residence_unit else None,
            row.address, row.phone, row.citizen_id, row.card_number, row.join_date,
            row.by_residence, unit_id, row.unit_path, status, end or row.join_date, *fixed,
        )  # fmt: skip
        enrolments.append(
            (
                pk, unit_id, row.unit_path, row.join_date, StartKind.ADMITTED, end,
                row.end_kind, row.by_residence,
            )
        )  # fmt: skip
        events.append((pk, EventKind.ADMIT, row.join_date, None, unit_id, "", *event_by))
        if end:
            kind = EventKind.DECEASE if row.end_kind == EndKind.DECEASED else EventKind.LEAVE
            events.append((pk, kind, end, unit_id, None, row.end_reason, *event_by))
        tally.spans[unit_id][(row.join_date.year, end.year if end else None, row.by_residence)] += 1
        tally.paths[unit_id] = row.unit_path
        if unit_id not in tally.first_day or row.join_date < tally.first_day[unit_id]:
            tally.first_day[unit_id] = row.join_date


@transaction.atomic
def members_bulk_write(
    *,
    actor: Actor,
    rows: Iterable[MemberData],
    purpose: str,
    consent_on: dt.date,
    uid_seed: str = "",
    figures: bool = True,
) -> int:
    """Write members that were already checked, with enrolments and history; count them.

    The caller checked access, data and duplicates (`duplicates_in`). `uid_seed` makes the
    uids reproducible (the demo); otherwise they are new (`uids_new`). With `figures` the registry
    figures of the units touched move by what the rows add (`figures_shift`, once per
    registry); without, the caller counts them (the demo, the benchmark's load). The units'
    yearly tallies move either way (`tallies_move`).
    """
    now: Any = timezone.now()
    if connection.vendor == "sqlite":
        # Adapted once here rather than three times a row by the driver.
        now = connection.ops.adapt_datetimefield_value(now)
    name = actor_name(actor)[:150]
    user = actor_user(actor)
    user_id = user.pk if user is not None else None
    # The ids: from the sequence on PostgreSQL, as an admission takes hers (`_ids_new`); after
    # the largest on SQLite (its writers take turns) and for a seeded load (the demo: the same
    # ids, hence the same uids, on every machine), the sequence moved after them.
    postgres = connection.vendor == "postgresql"
    from_sequence = postgres and not uid_seed
    next_id = 0 if from_sequence else (Member.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    written = 0
    tally = _Tally(spans=defaultdict(Counter), first_day={}, paths={})
    for chunk in _chunks(rows, CHUNK):
        enrolments: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        first = next_id + written
        ids = _ids_new(len(chunk)) if from_sequence else range(first, first + len(chunk))
        made = _member_rows(
            chunk,
            ids=ids,
            uid_seed=uid_seed,
            fixed=(purpose, consent_on, False, now, now),
            event_by=(user_id, name, now),
            enrolments=enrolments,
            events=events,
            tally=tally,
        )
        rows_insert(Member._meta.db_table, MEMBER_COLUMNS, made)
        rows_insert(Enrolment._meta.db_table, ENROLMENT_COLUMNS, enrolments)
        rows_insert(MemberEvent._meta.db_table, EVENT_COLUMNS, events)
        written += len(chunk)
    if postgres and not from_sequence and written:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('members_member', 'id'), %s)",
                [next_id + written - 1],
            )
    tallies_move(
        Move(unit_id, tally.paths[unit_id], *key, times)
        for unit_id, counts in tally.spans.items()
        for key, times in counts.items()
    )
    if figures and tally.spans:
        _figures_move(tally.spans, tally.first_day)
    return written


def _ids_new(count: int) -> list[int]:
    """`count` ids from the members' sequence (PostgreSQL), as an admission takes hers: a
    member admitted while a list is written never gets one of the list's ids (the largest id
    plus one, the sequence moved at the end, gave an admission meanwhile an id of the list:
    one of the two failed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('members_member', 'id')")
        # The sequence as a constant: `nextval` of a value read by the query costs 7 times as
        # much (395 against 53 ms for 100,000).
        cursor.execute(
            "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
            [cursor.fetchone()[0], count],
        )
        return sorted(cursor.fetchone()[0])


def _figures_move(
    spans: dict[int, Counter[tuple[int, int | None, bool]]], first_day: dict[int, dt.date]
) -> None:
    """Shift the figures of each registry the written rows belong to, once per registry."""
    registry_of = registries_of(Unit.objects.filter(pk__in=list(spans)))
    by_registry: dict[int, tuple[Unit, Counter[Span], list[dt.date]]] = {}
    for unit_id, counts in spans.items():
        registry = registry_of.get(unit_id)
        if registry is not None:
            entry = by_registry.setdefault(registry.pk, (registry, Counter(), []))
            entry[1].update({Span(*key): times for key, times in counts.items()})
            entry[2].append(first_day[unit_id])
    for registry, moved, days in by_registry.values():
        figures_shift(unit=registry, days=[min(days)], spans=moved)


class ImportRejected(Exception):
    """The list was not imported: every problem, by row (nothing was written)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(problems)} dòng có lỗi")
        self.problems = problems


def members_import(
    *,
    actor: Actor,
    unit: Unit,
    rows: Sequence[MemberData],
    numbers: Sequence[int],
    purpose: str,
    consent_on: dt.date,
) -> int:
    """Admit a checked list into `unit`'s subtree, all or nothing; returns how many.

    Duplicates inside the list or against the country's registry raise `ImportRejected`
    with the list's row numbers, and nothing is written. The registry figures of the years
    touched move with it.

    The rows repeating each other or a citizen ID of the registry are found first; their
    namesakes in the registry (the same name and birth date as an active member) while the
    list is written, on PostgreSQL when this is the caller's whole transaction (a list
    import's task): on a connection of their own, the server looks for them on its other
    core. A namesake found then rolls the write back.
    """
    if not records_may_change(actor, unit):
        raise PermissionDenied("Bạn không có quyền cập nhật sổ hội viên của đơn vị này.")
    if any(not row.unit_path.startswith(unit.path) for row in rows):
        raise PermissionDenied("Danh sách có hội viên ngoài đơn vị của bạn.")
    meanwhile = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        listed = _listed(rows)
        if meanwhile and not listed.problems and not _ids_taken(listed.ids):
            with _namesakes_meanwhile(sorted(listed.keys)) as namesakes:
                written = members_bulk_write(
                    actor=actor, rows=rows, purpose=purpose, consent_on=consent_on
                )
                problems = _namesake_problems(namesakes(), listed.keys)
            if problems:
                raise ImportRejected(_numbered(problems, numbers))  # the write rolls back
            return written
        problems = _duplicates(listed)  # every problem of a wrong list, told at once
        if problems:
            raise ImportRejected(_numbered(problems, numbers))
        return members_bulk_write(actor=actor, rows=rows, purpose=purpose, consent_on=consent_on)


def _numbered(problems: list[RowProblem], numbers: Sequence[int]) -> list[tuple[int, str]]:
    return [(numbers[p.index], p.message) for p in sorted(problems, key=lambda p: p.index)]


__all__ = [
    "ImportRejected",
    "RowProblem",
    "duplicates_in",
    "members_bulk_write",
    "members_import",
    "rows_insert",
]
