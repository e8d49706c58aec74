"""Reads for export: the stored values of a unit (or its subtree) for some periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from phongtrao.data.models import DataValue
from phongtrao.exchange.formats import IdScheme
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
    unit: Unit,
    period_codes: Sequence[str],
    children: bool = False,
    id_scheme: IdScheme = IdScheme.UID,
    indicator_ids: Collection[int] | None = None,
) -> Iterator[ExportRow]:
    """Values of `unit` (with `children`, of its whole subtree, as DHIS2's children=true)
    for these periods, grouped by unit then period, read in chunks (constant memory).

    `indicator_ids` limits the export to some indicators (a form's). The caller has checked
    that the user may read `unit`.
    """
    values = DataValue.objects.filter(period__code__in=list(period_codes))
    if indicator_ids is not None:
        values = values.filter(indicator_id__in=list(indicator_ids))
    if children:
        values = values.filter(unit__path__startswith=unit.path)
    else:
        values = values.filter(unit=unit)
    key = "uid" if id_scheme == IdScheme.UID else "code"
    fields = (
        f"indicator__{key}",
        "period__code",
        f"unit__{key}",
        "value",
        "comment",
        "follow_up",
        "updated_at",
        "updated_by__username",
    )
    ordered = values.order_by("unit__path", "period__start", "period__end", "indicator__code")
    for de, pe, ou, value, comment, follow_up, updated_at, stored_by in ordered.values_list(
        *fields
    ).iterator(chunk_size=5000):
        yield ExportRow(de, pe, ou, value, comment, follow_up, updated_at, stored_by or "")
