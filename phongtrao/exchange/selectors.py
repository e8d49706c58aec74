"""Reads for export: the stored values of units (or their subtrees) as DHIS2's
`/api/dataValueSets` selects them: by periods or a date range, by indicators, by the time of
their last change, up to a limit, with the identifiers of the chosen scheme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from phongtrao.data.models import LOCKED_STATUSES, DataValue, Submission
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
) -> Iterator[ExportRow]:
    """Values of `units` (with `children`, of their whole subtrees, as DHIS2's children=true)
    for these periods, or for the periods between `start_date` and `end_date`, changed since
    `updated_since`, grouped by unit then period, read in chunks (constant memory).

    `indicator_ids` limits the export to some indicators (a form's), `limit` to that many
    values. Identifiers are written in `id_scheme`, or the element's and unit's own schemes
    when given; in an `ATTRIBUTE:<uid>` scheme, an object without a value of the attribute
    is written with an empty identifier (DHIS2 writes null). The caller has checked that
    the user may read the units.
    """
    chosen = list(units) + ([unit] if unit is not None else [])
    values = DataValue.objects.all()
    if period_codes:
        values = values.filter(period__code__in=list(period_codes))
    if start_date is not None:
        values = values.filter(period__start__gte=start_date)
    if end_date is not None:
        values = values.filter(period__end__lte=end_date)
    if updated_since is not None:
        values = values.filter(updated_at__gte=updated_since)
    if indicator_ids is not None:
        values = values.filter(indicator_id__in=list(indicator_ids))
    where = Q(pk__in=[])
    for one in chosen:
        where |= Q(unit__path__startswith=one.path) if children else Q(unit=one)
    values = values.filter(where)
    de_key = scheme_lookup(data_element_id_scheme or id_scheme)
    ou_key = scheme_lookup(org_unit_id_scheme or id_scheme)
    fields = (
        f"indicator__{de_key}",
        "period__code",
        f"unit__{ou_key}",
        "value",
        "comment",
        "follow_up",
        "updated_at",
        "updated_by__username",
    )
    ordered = values.order_by("unit__path", "period__start", "period__end", "indicator__code")
    if limit is not None:
        ordered = ordered[:limit]
    for de, pe, ou, value, comment, follow_up, updated_at, stored_by in ordered.values_list(
        *fields
    ).iterator(chunk_size=5000):
        yield ExportRow(
            de or "", pe, ou or "", value, comment, follow_up, updated_at, stored_by or ""
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
