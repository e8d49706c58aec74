"""Writing many values at once: imports, the demo, the benchmark.

The same rules as `services.datavalues_save` (types checked, every change audited, roll-ups
maintained in the same transaction, all or nothing), done set-wise: values go in by COPY on
PostgreSQL and by executemany on SQLite, and roll-ups are lifted once per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from phongtrao.actors import Actor, person
from phongtrao.audit.models import AuditAction
from phongtrao.catalog.models import Indicator
from phongtrao.data.guards import guards_blocked
from phongtrao.data.models import LOCKED_STATUSES, DataValue, Period, Submission
from phongtrao.data.rollups import Change, rollup_apply
from phongtrao.data.validation import DERIVED_NOT_ENTERED, check_value
from phongtrao.data.workflow import deadline_locked_keys

# A stored value as the writes compare with it: (id, value, version, follow-up).
Stored = tuple[int, Decimal, int, bool]


class BulkValue(NamedTuple):
    """One value to write; `value` None deletes it. (A named tuple: one is built per value.)"""

    unit_id: int
    unit_path: str
    indicator: Indicator
    period: Period
    value: Decimal | None
    comment: str = ""
    follow_up: bool = False
    position: int = -1  # its place in the file, for an import's conflicts (-1: not known)


@dataclass(frozen=True)
class BulkProblem:
    index: int
    item: BulkValue
    reason: str
    code: str = ""  # DHIS2's error code (E7640 past the deadline, E7642 submitted...)


@dataclass
class BulkResult:
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    # Values of a key the same call had already created: DHIS2's batch handler drops them
    # unseen (the first is kept, nothing is counted; a dry run counts them imported).
    dropped: int = 0
    problems: list[BulkProblem] = field(default_factory=list)


class BulkRejected(Exception):
    """Some values were refused and, the import being atomic, nothing was written."""

    def __init__(self, result: BulkResult) -> None:
        self.result = result
        super().__init__(f"{len(result.problems)} giá trị không hợp lệ; không ghi giá trị nào.")


def _chunks(items: Iterable[BulkValue], size: int) -> Iterator[list[BulkValue]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def datavalues_import(
    *,
    values: Iterable[BulkValue],
    actor: Actor,
    source: str = "import",
    create: bool = True,
    update: bool = True,
    chunk_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
    atomic: bool = True,
    stored: Mapping[tuple[int, int, int], Stored] | None = None,
) -> BulkResult:
    """Write many values in one transaction: all or nothing, as `actor` (a person, whose
    deadlines bind, or the system: a command, the demo, the member registry).

    `create`/`update` follow DHIS2's import strategies (CREATE, UPDATE, CREATE_AND_UPDATE);
    a value that the strategy does not allow is ignored. Values of the wrong type or locked
    raise `BulkRejected` naming each one, and nothing is written; without `atomic` (DHIS2's
    atomicMode NONE) they are left out, listed in `result.problems`, and the others written.
    `stored`: the values the caller read already, locked, by (unit id, indicator id, period
    id), so that they are not read again (the member registry's figures, read to be moved);
    a key missing from it is read as usual.
    """
    result = BulkResult()
    offset = 0
    for chunk in _chunks(values, chunk_size):
        _write_chunk(chunk, offset, result, actor, source, create, update, atomic, stored or {})
        offset += len(chunk)
        if progress:
            progress(len(chunk))
    if result.problems and atomic:
        raise BulkRejected(result)
    if offset >= LARGE_IMPORT:
        _refresh_statistics()
    return result


LARGE_IMPORT = 100_000
SMALL_CHUNK = 1_000


def _refresh_statistics() -> None:
    """After a large import, let the query planner see the new sizes of the tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE data_datavalue, analytics_rollup")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def _existing(
    chunk: list[BulkValue], known: Mapping[tuple[int, int, int], Stored]
) -> dict[tuple[int, int, int], Stored]:
    """Stored (id, value, version, follow-up) for the keys in the chunk; those in `known`
    are taken from it."""
    wanted = {(v.unit_id, v.indicator.id, v.period.id) for v in chunk}
    found = {key: known[key] for key in wanted if key in known}
    if len(found) == len(wanted):
        return found
    rest = [v for v in chunk if (v.unit_id, v.indicator.id, v.period.id) not in found]
    query = DataValue.objects.filter(
        _units_filter({v.unit_id for v in rest}),
        indicator_id__in={v.indicator.id for v in rest},
        period_id__in={v.period.id for v in rest},
    )
    rows = query.values_list(
        "pk", "unit_id", "indicator_id", "period_id", "value", "version", "follow_up"
    )
    # A few values (the registry's figures, a form): one round trip, not a server-side cursor.
    found_rows = rows.iterator(chunk_size=10_000) if len(chunk) > SMALL_CHUNK else rows
    for pk, unit_id, indicator_id, period_id, value, version, follow_up in found_rows:
        key = (unit_id, indicator_id, period_id)
        if key in wanted and key not in found:
            found[key] = (pk, value, version, follow_up)
    return found


def _locked(chunk: list[BulkValue]) -> set[tuple[int, int, int]]:
    """(unit, period, indicator) of the chunk that belong to a submitted or approved report."""
    submissions = Submission.objects.filter(
        _units_filter({v.unit_id for v in chunk}),
        status__in=LOCKED_STATUSES,
        period_id__in={v.period.id for v in chunk},
    ).values_list("unit_id", "period_id", "form__formindicator__indicator_id")
    return {(u, p, i) for u, p, i in submissions if i is not None}


def _units_filter(unit_ids: set[int]) -> Q:
    """Units of a chunk: listed when few, else their id range (filtered again by the caller)."""
    if len(unit_ids) <= 500:
        return Q(unit_id__in=unit_ids)
    return Q(unit_id__gte=min(unit_ids), unit_id__lte=max(unit_ids))


def _audit_row(
    item: BulkValue, action: str, old: Any, version: int, user_id: Any, now: Any, source: str
) -> tuple[Any, ...]:
    """The audit row of one written value, in AUDIT_COLUMNS' order."""
    return (
        item.indicator.id,
        item.unit_id,
        item.period.id,
        action,
        old,
        item.value,
        version,
        user_id,
        now,
        source,
    )


def _change(item: BulkValue, old: Any) -> Change:
    """The roll-ups' change for one written value (from `old` to the item's value)."""
    indicator = item.indicator
    return Change(
        item.unit_id,
        item.unit_path,
        indicator.id,
        indicator.time_aggregation,
        item.period,
        old,
        item.value,
    )


def _write_chunk(
    chunk: list[BulkValue],
    offset: int,
    result: BulkResult,
    actor: Actor,
    source: str,
    create: bool,
    update: bool,
    atomic: bool = True,
    known: Mapping[tuple[int, int, int], Stored] | None = None,
) -> None:
    who = person(actor)
    user_id = who.pk if who is not None else None
    existing = _existing(chunk, known or {})
    locked = _locked(chunk)
    overdue = deadline_locked_keys(
        unit_ids={v.unit_id for v in chunk}, periods={v.period for v in chunk}, user=actor
    )
    now: Any = timezone.now()
    if connection.vendor == "sqlite":
        # Adapted once here rather than once per row by the driver.
        now = connection.ops.adapt_datetimefield_value(now)
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    deletes: list[int] = []
    follow_ups: list[tuple[bool, int]] = []
    audits: list[tuple[Any, ...]] = []
    changes: list[Change] = []
    # A key given again in the same call goes as in DHIS2's import: a key the call created
    # keeps its first value (the later ones are dropped, `result.dropped`); a key stored
    # before is changed once per occurrence, in order (`state` is what it holds by then),
    # and its final state is written once (`settled`).
    state: dict[tuple[int, int, int], StoredState] = {}
    created: set[tuple[int, int, int]] = set()
    settled: dict[int, StoredState] = {}
    change_at: dict[tuple[int, int, int], int] = {}
    blocked = guards_blocked({v.unit_id for v in chunk}, source)
    for index, item in enumerate(chunk, start=offset):
        indicator, period = item.indicator, item.period
        at = item.position if item.position >= 0 else index
        key = (item.unit_id, indicator.id, period.id)
        if (item.unit_id, period.id, indicator.id) in locked:
            reason = "Số liệu thuộc báo cáo đã gửi hoặc đã duyệt: đã khóa."
            result.problems.append(BulkProblem(at, item, reason, "E7642"))
            continue
        if (item.unit_id, period.id, indicator.id) in overdue:
            reason = "Đã quá hạn nộp báo cáo: số liệu đã khóa; liên hệ cấp trên để mở khóa."
            result.problems.append(BulkProblem(at, item, reason, "E7640"))
            continue
        if indicator.formula:
            result.problems.append(BulkProblem(at, item, DERIVED_NOT_ENTERED, "E7610"))
            continue
        if item.value is not None:
            message = check_value(indicator, item.value)
            if message:
                result.problems.append(BulkProblem(at, item, message, "E7619"))
                continue
        if key in created:
            if item.value is None:
                result.ignored += 1
            else:
                result.dropped += 1
            continue
        again = key in state
        stored = state[key] if again else existing.get(key)
        if (item.unit_id, indicator.code) in blocked and item.value != (
            stored[1] if stored else None
        ):
            reason = blocked[(item.unit_id, indicator.code)]
            result.problems.append(BulkProblem(at, item, reason))
            continue
        if again:
            step = repeat_step(item.value, item.follow_up, state[key], create=create, update=update)
            if step is None:
                result.ignored += 1
                continue
            action, holds = step
            if action == AuditAction.DELETE:
                result.deleted += 1
            elif action == AuditAction.CREATE:
                result.imported += 1
            else:
                result.updated += 1
            old = state[key][1]
            state[key] = settled[holds[0]] = holds
            if action == "F":
                continue
            audits.append(_audit_row(item, action, old, holds[2], user_id, now, source))
            if key in change_at:
                position = change_at[key]
                changes[position] = changes[position]._replace(new=item.value)
            else:
                change_at[key] = len(changes)
                changes.append(_change(item, old))
            continue
        if stored is not None:
            state[key] = stored
        if item.value is None:
            if stored is None:
                result.ignored += 1
                continue
            deletes.append(stored[0])
            state[key] = (stored[0], None, stored[2] + 1, stored[3])
            action, old, version = AuditAction.DELETE, stored[1], stored[2] + 1
            result.deleted += 1
        elif stored is None:
            if not create:
                result.ignored += 1
                continue
            inserts.append(
                (
                    indicator.id,
                    item.unit_id,
                    period.id,
                    item.value,
                    item.comment,
                    item.follow_up,
                    1,
                    user_id,
                    now,
                )
            )
            created.add(key)
            action, old, version = AuditAction.CREATE, None, 1
            result.imported += 1
        else:
            if not update:
                result.ignored += 1
                continue
            if stored[1] == item.value:
                if stored[3] == item.follow_up:
                    result.ignored += 1
                else:
                    # Only the follow-up mark changed: not a change of the value (no new
                    # version, no audit row, no roll-up change).
                    follow_ups.append((item.follow_up, stored[0]))
                    state[key] = (stored[0], stored[1], stored[2], item.follow_up)
                    result.updated += 1
                continue
            updates.append((item.value, item.follow_up, user_id, now, stored[0]))
            state[key] = (stored[0], item.value, stored[2] + 1, item.follow_up)
            action, old, version = AuditAction.UPDATE, stored[1], stored[2] + 1
            result.updated += 1
        audits.append(_audit_row(item, action, old, version, user_id, now, source))
        change_at[key] = len(changes)
        changes.append(_change(item, old))
    if result.problems and atomic:
        return  # the whole import will be refused: don't spend time writing
    _insert("data_datavalue", DATAVALUE_COLUMNS, inserts)
    _insert("data_datavalueaudit", AUDIT_COLUMNS, audits)
    with connection.cursor() as cursor:
        if updates:
            cursor.executemany(
                "UPDATE data_datavalue SET value = %s, follow_up = %s, version = version + 1, "
                "updated_by_id = %s, updated_at = %s WHERE id = %s",
                updates,
            )
        if follow_ups:
            cursor.executemany("UPDATE data_datavalue SET follow_up = %s WHERE id = %s", follow_ups)
        # Keys given again: their final state, once.
        gone = {pk for pk, value, _, _ in settled.values() if value is None}
        deletes = [pk for pk in deletes if pk not in settled] + sorted(gone)
        kept = [
            (value, follow_up, version, user_id, now, pk)
            for pk, value, version, follow_up in settled.values()
            if value is not None
        ]
        if kept:
            cursor.executemany(
                "UPDATE data_datavalue SET value = %s, follow_up = %s, version = %s, "
                "updated_by_id = %s, updated_at = %s WHERE id = %s",
                kept,
            )
    for start in range(0, len(deletes), 500):
        DataValue.objects.filter(pk__in=deletes[start : start + 500]).delete()
    rollup_apply(changes)


# A stored value: (id, value, version, follow-up); value None once deleted by the call.
StoredState = tuple[int, Decimal | None, int, bool]


def repeat_step(
    value: Decimal | None, follow_up: bool, holds: StoredState, *, create: bool, update: bool
) -> tuple[str, StoredState] | None:
    """A key stored before the call, given again with `value` (None deletes): what DHIS2's
    import does with it, against what the key holds by now. The action (the audit's, or
    "F" for a follow-up mark alone) and what the key holds after; None when ignored."""
    pk, held, version, held_follow_up = holds
    if held is None:  # deleted earlier in the call: DHIS2 imports it again
        if value is None or not create:
            return None
        return AuditAction.CREATE, (pk, value, version + 1, follow_up)
    if value is None:  # as the first occurrence: an empty value deletes, whatever
        return AuditAction.DELETE, (pk, None, version + 1, held_follow_up)
    if not update:
        return None
    if value == held:
        if follow_up == held_follow_up:
            return None
        return "F", (pk, held, version, follow_up)
    return AuditAction.UPDATE, (pk, value, version + 1, follow_up)


DATAVALUE_COLUMNS = (
    "indicator_id",
    "unit_id",
    "period_id",
    "value",
    "comment",
    "follow_up",
    "version",
    "updated_by_id",
    "updated_at",
)
AUDIT_COLUMNS = (
    "indicator_id",
    "unit_id",
    "period_id",
    "action",
    "old_value",
    "new_value",
    "version",
    "user_id",
    "at",
    "source",
)


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows fast: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                rows,
            )


__all__ = [
    "BulkProblem",
    "BulkRejected",
    "BulkResult",
    "BulkValue",
    "Stored",
    "StoredState",
    "datavalues_import",
    "repeat_step",
]
