"""Reads for export: the stored values of units (or their subtrees) as DHIS2's
`/api/dataValueSets` selects them: by periods or a date range, by indicators, by the time of
their last change, up to a limit, with the identifiers of the chosen scheme."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from phongtrao.audit.models import AuditAction
from phongtrao.data.models import LOCKED_STATUSES, DataValue, DataValueAudit, Submission
from phongtrao.exchange.formats import IdScheme, Scheme, scheme_lookup
from phongtrao.orgs.models import Unit


@dataclass(frozen=True, slots=True)
class ExportRow:
    data_element: str
    period: str
    org_unit: str
    value: Decimal
    comment: str
    follow_up: bool
    updated_at: dt.datetime
    stored_by: str
    deleted: bool = False


def export_rows(
    *,
    unit: Unit | None = None,
    units: Sequence[Unit] = (),
    period_codes: Sequence[str] = (),
    children: bool = False,
    id_scheme: Scheme = IdScheme.UID,
    data_element_id_scheme: Scheme | None = None,
    org_unit_id_scheme: Scheme | None = None,
    indicator_ids: Collection[int] | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    updated_since: dt.datetime | None = None,
    limit: int | None = None,
    include_deleted: bool = False,
) -> Iterator[ExportRow]:
    """Values of `units` (with `children`, of their whole subtrees, as DHIS2's children=true)
    for these periods, or for the periods between `start_date` and `end_date`, changed since
    `updated_since`, grouped by unit then period, read in chunks (constant memory).

    `indicator_ids` limits the export to some indicators (a form's), `limit` to that many
    values. Identifiers are written in `id_scheme`, or the element's and unit's own schemes
    when given; in an `ATTRIBUTE:<uid>` scheme, an object without a value of the attribute
    is written with an empty identifier (DHIS2 writes null). The caller has checked that
    the user may read the units.

    `include_deleted` (DHIS2's `includeDeleted`) adds the values deleted and not entered
    again, `deleted` set, as the history keeps them: the last value, when and by whom it
    was deleted (its `lastUpdated`, so that an incremental export carries deletions).
    """
    chosen = list(units) + ([unit] if unit is not None else [])
    de_key = scheme_lookup(data_element_id_scheme or id_scheme)
    ou_key = scheme_lookup(org_unit_id_scheme or id_scheme)
    order = ("unit__path", "period__start", "period__end", "indicator__code")
    values = _narrowed(
        DataValue.objects.all(),
        chosen,
        period_codes=period_codes,
        children=children,
        indicator_ids=indicator_ids,
        start_date=start_date,
        end_date=end_date,
    )
    if updated_since is not None:
        values = values.filter(updated_at__gte=updated_since)
    live = values.order_by(*order).values_list(
        *order,
        f"indicator__{de_key}",
        "period__code",
        f"unit__{ou_key}",
        "value",
        "comment",
        "follow_up",
        "updated_at",
        "updated_by__username",
    )
    if limit is not None:
        live = live[:limit]
    streams: list[Iterator[tuple[Any, ...]]] = [
        (
            (
                *row[:4],
                ExportRow(
                    row[4] or "",
                    row[5],
                    row[6] or "",
                    row[7],
                    row[8],
                    row[9],
                    row[10],
                    row[11] or "",
                ),
            )
            for row in live.iterator(chunk_size=5000)
        )
    ]
    if include_deleted:
        streams.append(
            _deleted_rows(
                chosen,
                order=order,
                keys=(f"indicator__{de_key}", f"unit__{ou_key}"),
                period_codes=period_codes,
                children=children,
                indicator_ids=indicator_ids,
                start_date=start_date,
                end_date=end_date,
                updated_since=updated_since,
                limit=limit,
            )
        )
    merged = (row[4] for row in heapq.merge(*streams, key=lambda row: row[:4]))
    yield from islice(merged, limit)


def _narrowed(
    rows: QuerySet[Any],
    chosen: Sequence[Unit],
    *,
    period_codes: Sequence[str],
    children: bool,
    indicator_ids: Collection[int] | None,
    start_date: dt.date | None,
    end_date: dt.date | None,
) -> QuerySet[Any]:
    """Values or history rows of the chosen units, periods and indicators."""
    if period_codes:
        rows = rows.filter(period__code__in=list(period_codes))
    if start_date is not None:
        rows = rows.filter(period__start__gte=start_date)
    if end_date is not None:
        rows = rows.filter(period__end__lte=end_date)
    if indicator_ids is not None:
        rows = rows.filter(indicator_id__in=list(indicator_ids))
    where = Q(pk__in=[])
    for one in chosen:
        where |= Q(unit__path__startswith=one.path) if children else Q(unit=one)
    return rows.filter(where)


def _deleted_rows(
    chosen: Sequence[Unit],
    *,
    order: tuple[str, ...],
    keys: tuple[str, str],
    updated_since: dt.datetime | None,
    limit: int | None,
    **narrowing: Any,
) -> Iterator[tuple[Any, ...]]:
    """The deleted values (DHIS2's soft-deleted rows): the keys whose last change in the
    history is a deletion, sorted as the values are."""
    same_key = {
        "unit_id": OuterRef("unit_id"),
        "indicator_id": OuterRef("indicator_id"),
        "period_id": OuterRef("period_id"),
    }
    history = _narrowed(DataValueAudit.objects.all(), chosen, **narrowing).filter(
        action=AuditAction.DELETE
    )
    if updated_since is not None:
        history = history.filter(at__gte=updated_since)
    history = history.filter(
        ~Exists(DataValue.objects.filter(**same_key)),
        ~Exists(DataValueAudit.objects.filter(**same_key, pk__gt=OuterRef("pk"))),
    )
    rows = history.order_by(*order, "pk").values_list(
        *order, keys[0], "period__code", keys[1], "old_value", "at", "user__username"
    )
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=5000):
        de, pe, ou, value, at, stored_by = row[4:]
        yield (
            *row[:4],
            ExportRow(de or "", pe, ou or "", value, "", False, at, stored_by or "", True),
        )


def completed_at(*, form: Any, unit: Unit, period_code: str) -> dt.datetime | None:
    """When the report (form, unit, period) was sent, if it is submitted or approved: DHIS2's
    complete registration, written as the export's `completeDate`."""
    row = (
        Submission.objects.filter(
            form=form, unit=unit, period__code=period_code, status__in=LOCKED_STATUSES
        )
        .values_list("submitted_at", flat=True)
        .first()
    )
    return row
