"""Writing a large batch of values set-wise: staged in a table, checked and written in SQL.

The same rules as `bulk.datavalues_import` (the per-value path, kept for forms and small
payloads), done by statements over the whole batch instead of a Python loop over values:
the importer streams its raw rows into a temporary table (COPY on PostgreSQL, executemany
on SQLite) and resolves its identifiers there; `stage_fill` then fills the staging table in
one statement (the importer's resolved rows, joined to the stored values and classified:
create, update, follow-up mark, delete, ignored), and `staged_write` checks what is left (a
key repeated in the batch, a submitted or approved report, a deadline passed, a guard of the
apps above), writes the values and their audit rows, and carries the changes to the
roll-ups with one grouped upsert per table. Every statement that touches every row is an
INSERT ... SELECT: the staging table is written once, and the checks after it only mark the
few rows they refuse (an UPDATE of every row writes a new version of every row on
PostgreSQL). Everything runs in the caller's transaction; with `atomic` one refused row
means nothing is written.

Stock indicators (last or first value over time) need the unit's other values to find the
change of a quarter or a year: their few changes go through `rollup_apply`; the roll-ups'
increments add up, so the split changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from phongtrao.actors import Actor, person
from phongtrao.audit.models import AuditAction
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.bulk import (
    LARGE_IMPORT,
    BulkProblem,
    BulkResult,
    BulkValue,
    StoredState,
    repeat_step,
)
from phongtrao.data.guards import guards_blocked
from phongtrao.data.models import LOCKED_STATUSES, Period
from phongtrao.data.rollups import (
    ACTIVITY,
    ROLLUP_MAX_LEVEL,
    ROLLUPS,
    Change,
    container_codes,
    period_rows,
    rollup_apply,
)
from phongtrao.data.workflow import deadline_locked_keys
from phongtrao.orgs.models import Unit

STAGE = "data_import_stage"
# The columns `staged_write` reads and fills; an importer adds its own raw columns.
STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("idx", "bigint"),  # the value's place in the file (from 0)
    ("unit_id", "bigint"),
    ("indicator_id", "bigint"),
    ("period_id", "bigint"),
    ("num", "numeric"),  # the value; NULL deletes the stored one
    ("comment", "text"),
    ("follow_up", "boolean"),
    ("kind", "text"),  # why the row is refused; NULL while it is not
    ("detail", "text"),
    ("dv_id", "bigint"),  # the stored value, when there is one
    ("old", "numeric"),
    ("old_version", "bigint"),
    ("old_follow_up", "boolean"),
    ("action", "text"),  # C create, U update, F follow-up mark, D delete, I ignored; NULL refused
    # X: a key the batch created, given again (dropped unseen, as DHIS2's batch handler)
    ("chained", "boolean"),  # a key stored before and given again: written by `_settled_write`
)
# The columns the importer's SELECT gives `stage_fill`, in this order.
FILL_COLUMNS = ("idx", "unit_id", "indicator_id", "period_id", "num", "comment", "follow_up")
BATCH = 10_000
WRITE_SLICE = 200_000  # places of the file written by one statement (progress moves between)
LOCKED = "Số liệu thuộc báo cáo đã gửi hoặc đã duyệt: đã khóa."
OVERDUE = "Đã quá hạn nộp báo cáo: số liệu đã khóa; liên hệ cấp trên để mở khóa."
# The refusals `staged_write` makes, as `BulkProblem`s: (DHIS2's code, message).
PROBLEMS = {"locked": ("E7642", LOCKED), "overdue": ("E7640", OVERDUE)}


def stage_create(raw_columns: Sequence[tuple[str, str]] = ()) -> None:
    """(Re)create the empty staging table, with the importer's own raw columns."""
    columns = ", ".join(f"{name} {kind}" for name, kind in (*STAGE_COLUMNS, *raw_columns))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_temp(STAGE)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({columns})")


def _temp(table: str) -> str:
    return f"temp.{table}" if connection.vendor == "sqlite" else table


def stage_drop() -> None:
    """Drop the staging table and its helpers (PostgreSQL drops them at the end of the
    transaction anyway; SQLite keeps temporary tables for the connection's life)."""
    with connection.cursor() as cursor:
        for table in (STAGE, *sorted(HELPERS)):
            cursor.execute(f"DROP TABLE IF EXISTS {_temp(table)}")


def stage_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], text: bytes | None = None
) -> int:
    """Stream rows into a (temporary) table: COPY on PostgreSQL, executemany on SQLite.

    Rows are taken `BATCH` at a time, so memory does not follow the number of rows. They
    must not query the database as they come (the connection is busy with the COPY).
    `text`: on PostgreSQL, the rows already in COPY's text format (written by the caller's
    reading thread, not row by row here), sent as they are in place of `rows`.
    """
    count = 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                if text is not None:
                    copy.write(text)
                    return text.count(b"\n")
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join("%s" for _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def helper_table(
    name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]
) -> None:
    """A small temporary table of keys computed in Python (units, periods, locks...),
    analysed once filled: joined to the whole stage, its size decides the plan."""
    HELPERS.add(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_temp(name)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns)})"
        )
    if stage_rows(name, [c for c, _ in columns], rows):
        stage_analyze(name)


HELPERS: set[str] = set()  # the helper tables made on this process's connections


def _execute(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def stage_refuse(kind: str, where: str, params: Sequence[Any] = ()) -> None:
    """Mark the rows still accepted that match `where` as refused for `kind`."""
    _execute(
        f"UPDATE {STAGE} SET kind = %s, action = NULL WHERE kind IS NULL AND ({where})",  # noqa: S608
        [kind, *params],
    )


def stage_fill(
    select: str,
    params: Sequence[Any] = (),
    *,
    create: bool = True,
    update: bool = True,
    empty_kind: str = "",
    analyze: bool = True,
) -> None:
    """Fill the staging table in one statement from the importer's `select`.

    `select` gives, per row, the `FILL_COLUMNS`, then `kind` (why the importer refuses the
    row, NULL when it does not) and `empty` (the value is empty and not marked deleted:
    DHIS2 deletes the stored value with it, and refuses it as `empty_kind` when there is
    none). The stored value of each key is joined here, and each accepted row classified
    as the import strategy allows (`create`, `update`). An importer that fills the stage
    in several statements (a part of the file each) passes `analyze=False` and calls
    `stage_filled` after the last.
    """
    columns = ", ".join(f"x.{c}" for c in FILL_COLUMNS)
    kind = (
        "COALESCE(x.kind, CASE WHEN x.empty AND d.id IS NULL THEN %s END)"
        if empty_kind
        else "x.kind"
    )
    _execute(
        f"INSERT INTO {STAGE} ({', '.join(FILL_COLUMNS)}, kind, dv_id, old, old_version, "  # noqa: S608
        "old_follow_up, action) "
        "SELECT y.*, CASE WHEN y.kind IS NOT NULL THEN NULL "
        "WHEN y.num IS NULL THEN CASE WHEN y.dv_id IS NULL THEN 'I' ELSE 'D' END "
        "WHEN y.dv_id IS NULL THEN CASE WHEN %s THEN 'C' ELSE 'I' END "
        "WHEN NOT %s THEN 'I' "
        "WHEN y.num <> y.old THEN 'U' "
        "WHEN y.follow_up = y.old_follow_up THEN 'I' ELSE 'F' END "
        f"FROM (SELECT {columns}, {kind} AS kind, d.id AS dv_id, d.value AS old, "
        "d.version AS old_version, d.follow_up AS old_follow_up "
        f"FROM ({select}) AS x {_stored_join()}) AS y",
        [create, update, *([empty_kind] if empty_kind else []), *params],
    )
    if analyze:
        stage_filled()


def stage_filled() -> None:
    """The stage is filled: analysed (PostgreSQL), on what the checks and writes filter."""
    stage_analyze(STAGE, ("kind", "action", "unit_id", "period_id"))


def _stored_join() -> str:
    """The stored value of each staged key, found by the values' unique index.

    On PostgreSQL a lateral look-up per row (its `LIMIT 1` keeps the planner from turning it
    into a join over the whole values table, which costs as much as the table is large: a
    hash of a million rows to import two hundred thousand); SQLite looks up by the index.
    """
    match = (
        "d.unit_id = x.unit_id AND d.indicator_id = x.indicator_id AND d.period_id = x.period_id"
    )
    if connection.vendor == "postgresql":
        return (
            "LEFT JOIN LATERAL (SELECT d.id, d.value, d.version, d.follow_up "  # noqa: S608
            f"FROM data_datavalue d WHERE {match} LIMIT 1) AS d ON TRUE"
        )
    return f"LEFT JOIN data_datavalue d ON {match}"


def stage_analyze(table: str = STAGE, columns: Sequence[str] = ()) -> None:
    """On PostgreSQL, give a filled temporary table statistics: autovacuum never analyses
    temporary tables, and without them the planner guesses its size from its pages and may
    choose nested loops over whole tables. `columns`: only those the plans filter or group
    on (the row count comes with any), not every text column of a large stage."""
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {table}" + (f" ({', '.join(columns)})" if columns else ""))


def staged_write(
    *,
    actor: Actor,
    source: str = "import",
    atomic: bool = True,
    progress: Callable[[int], None] | None = None,
    create: bool = True,
    update: bool = True,
) -> BulkResult:
    """Check and write the staged rows not yet refused, in the caller's transaction; the
    set-wise form of `bulk.datavalues_import` with the same results.

    The importer has filled the stage by `stage_fill`. Rows refused here get a `kind` and
    come back in `result.problems` in file order; with `atomic` and any refusal at all
    (the importer's too) nothing is written. `progress(n)` is told of the values written
    after each step of the write (audit, values, roll-ups), so that a watcher sees it move.
    `create`/`update`: the import strategy's, for a key given again (`_stored_repeats_settle`).
    """
    _locked_refuse()
    unit_ids, periods = _keys()
    _overdue_refuse(actor, unit_ids, periods)
    _guarded_refuse(source, unit_ids)
    settled = _stored_repeats_settle(create=create, update=update)
    result, counts = _counted()
    refused = counts.get(None, 0)
    result.problems = _problems() if refused else []
    if atomic and refused:
        _new_repeats_drop()  # nothing is written: the counts say what would have been
        fresh, _ = _counted()
        result.imported, result.dropped = fresh.imported, fresh.dropped
        return result
    if counts.get("C"):
        counts = _new_write(actor, source, counts, progress, result)
    else:
        _write(actor, source, counts, progress)
    if settled:
        _settled_write(actor)
    if counts.get("C", 0) + counts.get("U", 0) + counts.get("D", 0):
        _rollups_carry(unit_ids, periods)
    if result.imported + result.updated + result.deleted >= LARGE_IMPORT:
        _statistics_refresh(result.imported)
    return result


def _counted() -> tuple[BulkResult, dict[str | None, int]]:
    """The stage's rows per action (a refused row has none: the NULL group counts them),
    and the result's counts from them."""
    counts: dict[str | None, int] = {
        action: int(count)
        for action, count in _rows(f"SELECT action, COUNT(*) FROM {STAGE} GROUP BY action")  # noqa: S608
    }
    result = BulkResult()
    result.imported, result.updated = counts.get("C", 0), counts.get("U", 0) + counts.get("F", 0)
    result.deleted, result.ignored = counts.get("D", 0), counts.get("I", 0)
    result.dropped = counts.get("X", 0)
    return result, counts


def _new_write(
    actor: Actor,
    source: str,
    counts: dict[str | None, int],
    progress: Callable[[int], None] | None,
    result: BulkResult,
) -> dict[str | None, int]:
    """`_write`, trusting that no new key is given twice: the values' unique key says so
    as they are inserted (a grouping of every staged key cost a fifth of the checks).

    When one is (the insert fails on it, in a savepoint), the write is undone, the later
    occurrences dropped (`_new_repeats_drop`) and the write done again; `result` takes the
    new counts, and `progress` is not told twice of the same values. Returns the counts.
    """
    told = [0]

    def first(n: int) -> None:
        told[0] += n
        if progress is not None:
            progress(n)

    try:
        with transaction.atomic():
            _write(actor, source, counts, first)
        return counts
    except IntegrityError as error:
        if not _new_key_repeated(error):
            raise

    def again(n: int) -> None:
        skip = min(n, told[0])
        told[0] -= skip
        if progress is not None and n > skip:
            progress(n - skip)

    _new_repeats_drop()
    fresh, counts = _counted()
    result.imported, result.dropped = fresh.imported, fresh.dropped
    _write(actor, source, counts, again)
    return counts


def _new_key_repeated(error: IntegrityError) -> bool:
    """Whether an insert of values failed on their unique key (unit, indicator, period)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint is not None:
        return bool(constraint == UNIQUE_KEY)
    return "UNIQUE constraint failed: data_datavalue.unit_id" in str(error)


UNIQUE_KEY = "datavalue_unique_key"  # DataValue's constraint on (unit, indicator, period)


def _statistics_refresh(added: int) -> None:
    """After a large import, let the planner see the new sizes of the tables.

    On PostgreSQL only a table that held fewer rows than the import added values (or was
    never analysed: `reltuples` is -1) is analysed here, in the transaction: a table that
    small may have been planned as empty. A larger one keeps its plans, and autovacuum
    analyses it after the commit (sampling a million rows cost 2-3 s of a 200,000-value
    import under load).
    """
    if connection.vendor != "postgresql":
        _execute("PRAGMA optimize")
        return
    tables = [
        name
        for name, rows in _rows(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('data_datavalue', 'analytics_rollup') AND relkind = 'r'"
        )
        if rows < added
    ]
    if tables:
        _execute(f"ANALYZE {', '.join(sorted(tables))}")


def _new_repeats_drop() -> None:
    """A key the batch creates, given more than once: the first value is kept, the later
    ones dropped (action X), as DHIS2's import (and `bulk.datavalues_import`)."""
    _execute(
        f"UPDATE {STAGE} SET action = 'X' WHERE idx IN (SELECT idx FROM (SELECT idx, "  # noqa: S608
        "ROW_NUMBER() OVER (PARTITION BY unit_id, indicator_id, period_id ORDER BY idx) AS n "
        f"FROM {STAGE} WHERE kind IS NULL AND dv_id IS NULL AND action = 'C') AS r "
        "WHERE n > 1)"
    )


def _stored_repeats_settle(*, create: bool, update: bool) -> int:
    """A stored key given more than once, as DHIS2's import (and `bulk.datavalues_import`):
    changed once per occurrence, in file order, each against what the one before left
    (`bulk.repeat_step`; their rows `chained`, the audit row of each change, the final
    state written once by `_settled_write`). Returns the keys settled.

    Few rows repeat: they are walked in Python. (A new key given again is found by the
    values' unique key as they are written: `_new_write`.)
    """
    rows = _rows(
        "SELECT idx, dv_id, num, follow_up, action, old, old_version, old_follow_up "  # noqa: S608
        f"FROM {STAGE} WHERE kind IS NULL AND dv_id IN (SELECT dv_id FROM {STAGE} "
        "WHERE kind IS NULL AND dv_id IS NOT NULL GROUP BY dv_id HAVING COUNT(*) > 1) "
        "ORDER BY dv_id, idx"
    )
    if not rows:
        return 0
    letters = {
        AuditAction.CREATE: "C",
        AuditAction.UPDATE: "U",
        AuditAction.DELETE: "D",
        "F": "F",
    }
    steps: list[tuple[Any, ...]] = []
    finals: dict[int, StoredState] = {}
    holds: StoredState | None = None
    for idx, dv_id, num, follow_up, action, old, old_version, old_follow_up in rows:
        value = decimal(num)
        if holds is None or holds[0] != dv_id:
            holds = (dv_id, decimal(old), int(old_version), bool(old_follow_up))
            step = _first_step(action, value, bool(follow_up), holds)
        else:
            found = repeat_step(value, bool(follow_up), holds, create=create, update=update)
            step = (letters[found[0]], found[1]) if found else ("I", holds)
        steps.append((idx, step[0], holds[1], holds[2], holds[3]))
        if step[0] != "I":
            finals[dv_id] = step[1]
        holds = step[1]
    helper_table(
        "data_stage_chain",
        (
            ("idx", "bigint"),
            ("action", "text"),
            ("old", "numeric"),
            ("old_version", "bigint"),
            ("old_follow_up", "boolean"),
        ),
        steps,
    )
    _execute(
        f"UPDATE {STAGE} SET action = c.action, old = c.old, old_version = c.old_version, "  # noqa: S608
        "old_follow_up = c.old_follow_up, chained = TRUE FROM data_stage_chain c "
        f"WHERE c.idx = {STAGE}.idx"
    )
    helper_table(
        "data_stage_settled",
        (("dv_id", "bigint"), ("num", "numeric"), ("version", "bigint"), ("follow_up", "boolean")),
        finals.values(),
    )
    return len(finals)


def _first_step(
    action: str, value: Decimal | None, follow_up: bool, holds: StoredState
) -> tuple[str, StoredState]:
    """The first occurrence of a repeated stored key, as `stage_fill` classified it, and
    what the key holds after it."""
    pk, old, version, _ = holds
    if action == "U":
        return action, (pk, value, version + 1, follow_up)
    if action == "D":
        return action, (pk, None, version + 1, follow_up)
    if action == "F":
        return action, (pk, old, version, follow_up)
    return action, holds


def _settled_write(actor: Actor) -> None:
    """The final state of the stored keys given more than once: updated or deleted once."""
    who = person(actor)
    now: Any = timezone.now()
    if connection.vendor == "sqlite":
        now = connection.ops.adapt_datetimefield_value(now)
    _execute(
        "UPDATE data_datavalue SET value = t.num, follow_up = t.follow_up, version = t.version, "
        "updated_by_id = %s, updated_at = %s FROM data_stage_settled t "
        "WHERE data_datavalue.id = t.dv_id AND t.num IS NOT NULL",
        [who.pk if who is not None else None, now],
    )
    _execute(
        "DELETE FROM data_datavalue WHERE id IN "
        "(SELECT dv_id FROM data_stage_settled WHERE num IS NULL)"
    )


def _locked_refuse() -> None:
    """Values of a form whose report for the unit and period is submitted or approved."""
    marks = ", ".join("%s" for _ in LOCKED_STATUSES)
    stage_refuse(
        "locked",
        "EXISTS (SELECT 1 FROM data_submission s JOIN catalog_formindicator f "  # noqa: S608
        f"ON f.form_id = s.form_id WHERE s.unit_id = {STAGE}.unit_id "
        f"AND s.period_id = {STAGE}.period_id AND f.indicator_id = {STAGE}.indicator_id "
        f"AND s.status IN ({marks}))",
        [str(status) for status in LOCKED_STATUSES],
    )


def _keys() -> tuple[list[int], list[Period]]:
    """The units and periods of the rows still accepted (each apart: as many as there are
    units and periods, not (unit, period) pairs, which follow the file's size)."""
    where = f"FROM {STAGE} WHERE kind IS NULL"
    units = [u for (u,) in _rows(f"SELECT DISTINCT unit_id {where} ORDER BY 1")]  # noqa: S608
    periods = [p for (p,) in _rows(f"SELECT DISTINCT period_id {where}")]  # noqa: S608
    return units, list(Period.objects.filter(pk__in=periods))


def _overdue_refuse(actor: Actor, unit_ids: list[int], periods: list[Period]) -> None:
    """Values past their form's deadline, for an officer bound by it."""
    overdue = deadline_locked_keys(unit_ids=unit_ids, periods=periods, user=actor)
    if not overdue:
        return
    helper_table(
        "data_stage_overdue",
        (("unit_id", "bigint"), ("period_id", "bigint"), ("indicator_id", "bigint")),
        overdue,
    )
    stage_refuse(
        "overdue",
        "EXISTS (SELECT 1 FROM data_stage_overdue o WHERE o.unit_id = "  # noqa: S608
        f"{STAGE}.unit_id AND o.period_id = {STAGE}.period_id "
        f"AND o.indicator_id = {STAGE}.indicator_id)",
    )


def _guarded_refuse(source: str, unit_ids: list[int]) -> None:
    """Values the apps above `data` keep for themselves (`guards`), when they would change."""
    blocked = guards_blocked(unit_ids, source)
    if not blocked:
        return
    ids = dict(Indicator.objects.filter(code__in={c for _, c in blocked}).values_list("code", "pk"))
    helper_table(
        "data_stage_guard",
        (("unit_id", "bigint"), ("indicator_id", "bigint"), ("message", "text")),
        ((unit, ids[code], message) for (unit, code), message in blocked.items() if code in ids),
    )
    _execute(
        f"UPDATE {STAGE} SET kind = 'guard', action = NULL, detail = g.message "  # noqa: S608
        f"FROM data_stage_guard g WHERE {STAGE}.kind IS NULL AND g.unit_id = {STAGE}.unit_id "
        f"AND g.indicator_id = {STAGE}.indicator_id AND ("
        "(num IS NULL AND old IS NOT NULL) OR (num IS NOT NULL AND old IS NULL) OR num <> old)"
    )


def _problems() -> list[BulkProblem]:
    """The rows refused here, in file order, as the per-value path reports them."""
    rows = _rows(
        f"SELECT idx, kind, detail, unit_id, indicator_id, period_id, num FROM {STAGE} "  # noqa: S608
        "WHERE kind IN ('locked', 'overdue', 'guard') ORDER BY idx"
    )
    indicators = Indicator.objects.in_bulk({r[4] for r in rows})
    periods = Period.objects.in_bulk({r[5] for r in rows})
    problems = []
    for index, kind, detail, unit_id, indicator_id, period_id, num in rows:
        code, reason = PROBLEMS.get(kind, ("", detail))
        item = BulkValue(
            unit_id=unit_id,
            unit_path="",
            indicator=indicators[indicator_id],
            period=periods[period_id],
            value=decimal(num),
            position=index,
        )
        problems.append(BulkProblem(index, item, reason, code))
    return problems


def _write(
    actor: Actor,
    source: str,
    counts: dict[str | None, int],
    progress: Callable[[int], None] | None,
) -> None:
    """The audit rows, then the values: inserted, updated, marked, deleted.

    A large stage is written in slices of `WRITE_SLICE` places of the file (by an index on
    `idx`), so that `progress` moves while it is written; a statement with nothing to do
    (no update in a file of new values, say) is not run.
    """
    who = person(actor)
    user_id = who.pk if who is not None else None
    now: Any = timezone.now()
    if connection.vendor == "sqlite":
        now = connection.ops.adapt_datetimefield_value(now)
    accepted = sum(n for action, n in counts.items() if action is not None)
    span = int(_rows(f"SELECT COALESCE(MAX(idx), -1) + 1 FROM {STAGE}")[0][0])  # noqa: S608
    if span > WRITE_SLICE:
        _execute(f"CREATE INDEX {STAGE}_idx ON {STAGE} (idx)")
    told = 0
    for start in range(0, max(span, 1), WRITE_SLICE):
        end = start + WRITE_SLICE
        where = _slice("idx", start, end, span)
        if counts.get("C", 0) + counts.get("U", 0) + counts.get("D", 0):
            _execute(
                "INSERT INTO data_datavalueaudit (indicator_id, unit_id, period_id, action, "  # noqa: S608
                "old_value, new_value, version, user_id, at, source) "
                "SELECT indicator_id, unit_id, period_id, CASE action WHEN 'C' THEN %s "
                "WHEN 'U' THEN %s ELSE %s END, old, num, COALESCE(old_version, 0) + 1, "
                f"%s, %s, %s FROM {STAGE} WHERE action IN ('C', 'U', 'D') AND {where} "
                "ORDER BY idx",
                [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, user_id, now, source],
            )
        if counts.get("C"):
            _execute(
                "INSERT INTO data_datavalue (indicator_id, unit_id, period_id, value, comment, "  # noqa: S608
                "follow_up, version, updated_by_id, updated_at) "
                "SELECT indicator_id, unit_id, period_id, num, COALESCE(comment, ''), "
                f"follow_up, 1, %s, %s FROM {STAGE} WHERE action = 'C' AND chained IS NULL "
                f"AND {where} ORDER BY idx",
                [user_id, now],
            )
        if counts.get("U"):
            _execute(
                "UPDATE data_datavalue SET value = s.num, follow_up = s.follow_up, "  # noqa: S608
                "version = data_datavalue.version + 1, updated_by_id = %s, updated_at = %s "
                f"FROM {STAGE} s WHERE s.action = 'U' AND s.chained IS NULL "
                "AND data_datavalue.id = s.dv_id "
                f"AND {_slice('s.idx', start, end, span)}",
                [user_id, now],
            )
        if counts.get("F"):
            _execute(
                "UPDATE data_datavalue SET follow_up = s.follow_up "  # noqa: S608
                f"FROM {STAGE} s WHERE s.action = 'F' AND s.chained IS NULL "
                "AND data_datavalue.id = s.dv_id "
                f"AND {_slice('s.idx', start, end, span)}"
            )
        if counts.get("D"):
            _execute(
                f"DELETE FROM data_datavalue WHERE id IN (SELECT dv_id FROM {STAGE} "  # noqa: S608
                f"WHERE action = 'D' AND chained IS NULL AND {where})"
            )
        if progress is not None:
            share = accepted if end >= span else accepted * end // max(span, 1)
            progress(share - told)
            told = share


def _slice(column: str, start: int, end: int, span: int) -> str:
    """The condition of a slice of the stage (every row when there is only one)."""
    return f"{column} >= {start} AND {column} < {end}" if span > WRITE_SLICE else "1 = 1"


def _rollups_carry(unit_ids: list[int], periods: list[Period]) -> None:
    """The changes carried to the roll-ups and activity counts of every ancestor.

    The changed values are read once, summed per parent unit, indicator and the value's own
    period; the sums of the wider periods (quarters, half-years, years) and of the higher
    ancestors are built from those few sums, never from the values again. `unit_ids` and
    `periods`: those of the rows accepted before the write (`_keys`), a set that holds the
    changed rows' (the helper tables may hold a few more, which no changed row joins).
    """
    containers = period_rows({c for p in periods for c in container_codes(p.code)})
    helper_table(
        "data_stage_containers",
        (("period_id", "bigint"), ("container_id", "bigint")),
        ((p.pk, containers[code].pk) for p in periods for code in container_codes(p.code)),
    )
    paths = dict(_units_paths(unit_ids))
    chains = {u: [int(a) for a in path.strip("/").split("/")][:-1] for u, path in paths.items()}
    # Each parent and its own ancestors: the units a value's change reaches.
    lines = {ids[-1]: ids for ids in chains.values() if ids}
    keeping = set(
        Unit.objects.filter(
            pk__in={a for ids in lines.values() for a in ids}, level__lte=ROLLUP_MAX_LEVEL
        ).values_list("pk", flat=True)
    )
    helper_table(
        "data_stage_parents",
        (("unit_id", "bigint"), ("parent_id", "bigint")),
        ((u, ids[-1]) for u, ids in chains.items() if ids),
    )
    helper_table(
        "data_stage_ancestors",
        (("unit_id", "bigint"), ("ancestor_id", "bigint"), ("keeps", "boolean")),
        ((p, a, a in keeping) for p, ids in lines.items() for a in ids),
    )
    _stocks_carry(paths)
    amount = "COALESCE(s.num, 0) - COALESCE(s.old, 0)"
    count = (
        "(CASE WHEN s.num IS NULL THEN 0 ELSE 1 END) - (CASE WHEN s.old IS NULL THEN 0 ELSE 1 END)"
    )
    helper_table(
        "data_stage_own",
        (
            ("unit_id", "bigint"),
            ("indicator_id", "bigint"),
            ("period_id", "bigint"),
            ("amount", "numeric"),
            ("count", "bigint"),
        ),
        (),
    )
    # The only pass over the values: their changes summed per parent (`unit_id` here).
    _execute(
        "INSERT INTO data_stage_own (unit_id, indicator_id, period_id, amount, count) "  # noqa: S608
        f"SELECT p.parent_id, s.indicator_id, s.period_id, SUM({amount}), SUM({count}) "
        f"FROM {STAGE} s JOIN data_stage_parents p ON p.unit_id = s.unit_id "
        "JOIN catalog_indicator i ON i.id = s.indicator_id "
        "WHERE s.action IN ('C', 'U', 'D') AND i.time_aggregation = %s "
        "GROUP BY p.parent_id, s.indicator_id, s.period_id",
        [TimeAggregation.SUM],
    )
    stage_analyze("data_stage_own")
    total = "ROUND(SUM(o.amount), 10)" if connection.vendor == "sqlite" else "SUM(o.amount)"
    _execute(
        ROLLUPS.upsert(
            f"SELECT * FROM (SELECT a.ancestor_id, c.container_id, o.indicator_id, {total} "  # noqa: S608
            "AS value, SUM(o.count) AS count FROM data_stage_own o "
            "JOIN data_stage_ancestors a ON a.unit_id = o.unit_id "
            "JOIN data_stage_containers c ON c.period_id = o.period_id WHERE a.keeps "
            "GROUP BY a.ancestor_id, c.container_id, o.indicator_id) AS d "
            "WHERE d.value <> 0 OR d.count <> 0 ORDER BY 1, 2, 3"
        )
    )
    _execute(
        ACTIVITY.upsert(
            "SELECT * FROM (SELECT a.ancestor_id, c.container_id, SUM(o.count) AS count "  # noqa: S608
            "FROM data_stage_own o JOIN data_stage_ancestors a ON a.unit_id = o.unit_id "
            "JOIN data_stage_containers c ON c.period_id = o.period_id "
            "GROUP BY a.ancestor_id, c.container_id) AS d WHERE d.count <> 0 ORDER BY 1, 2"
        )
    )


def decimal(number: Any) -> Decimal | None:
    """A number read from the database as a Decimal (SQLite gives floats: read as written)."""
    if number is None or isinstance(number, Decimal):
        return number
    return Decimal(str(number))


def _units_paths(unit_ids: list[int]) -> Iterator[tuple[int, str]]:
    for start in range(0, len(unit_ids), 900):
        yield from Unit.objects.filter(pk__in=unit_ids[start : start + 900]).values_list(
            "pk", "path"
        )


def _stocks_carry(paths: dict[int, str]) -> None:
    """The changes of stock indicators, through `rollup_apply` (they need context)."""
    rows = _rows(
        f"SELECT s.unit_id, s.indicator_id, i.time_aggregation, s.period_id, s.old, s.num "  # noqa: S608
        f"FROM {STAGE} s JOIN catalog_indicator i ON i.id = s.indicator_id "
        "WHERE s.action IN ('C', 'U', 'D') AND i.time_aggregation <> %s ORDER BY s.idx",
        [TimeAggregation.SUM],
    )
    if not rows:
        return
    periods = Period.objects.in_bulk({r[3] for r in rows})
    # A key changed more than once (given again in the batch) is one change: from what it
    # held before the batch to what it holds after.
    changes: dict[tuple[int, int, int], Change] = {}
    for unit_id, indicator_id, aggregation, period_id, old, new in rows:
        key = (unit_id, indicator_id, period_id)
        if key in changes:
            changes[key] = changes[key]._replace(new=decimal(new))
            continue
        changes[key] = Change(
            unit_id,
            paths[unit_id],
            indicator_id,
            aggregation,
            periods[period_id],
            decimal(old),
            decimal(new),
        )
    rollup_apply(list(changes.values()))


__all__ = [
    "STAGE",
    "STAGE_COLUMNS",
    "decimal",
    "helper_table",
    "stage_create",
    "stage_refuse",
    "stage_drop",
    "stage_analyze",
    "stage_fill",
    "stage_filled",
    "stage_rows",
    "staged_write",
]
