"""Bảng số liệu: the units below a unit × the indicators of one part of the report, on one
screen, for the level above.

Rows are the units directly below (each leads to its own table, a level down), and the unit's
own total on top; columns are the indicators of one section of the catalog (or the headline
figures). The first column and the header stay in place while the table scrolls, so a phone
reads it sideways. Read set-wise through `analytics.selectors.grid.grid_totals`: a fixed
number of queries whatever the number of units and indicators.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from phongtrao import periods
from phongtrao.accounts.access import access_unit, unit_may_view, units_viewable
from phongtrao.analytics.dashboard import headline_indicators, validity_window
from phongtrao.analytics.selectors.base import Total
from phongtrao.analytics.selectors.grid import grid_totals
from phongtrao.catalog.models import Indicator, Section, ValueType
from phongtrao.data.services import period_get
from phongtrao.orgs.models import Unit
from phongtrao.reports.figures import ESTIMATE_MARK
from phongtrao.vn import format_number, format_percent

HEADLINE = "chu-yeu"


def _cell(indicator: Indicator, total: Total | None) -> str:
    if total is None or not total.count:
        return "—"
    if indicator.value_type == ValueType.PERCENT:
        text = format_percent(total.value, 1)
    else:
        text = format_number(total.value)
    return text + (ESTIMATE_MARK if total.estimated else "")


@login_required
def grid(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """The units below `unit` × the indicators of one section, for `period` (access-checked:
    a unit below that the user may not see is left out)."""
    unit = access_unit(request.user, unit_uid)
    try:
        parsed = periods.parse(period)
    except ValueError as exc:
        raise Http404("Kỳ báo cáo không hợp lệ.") from exc
    period_row = period_get(parsed.code)
    sections = list(Section.objects.order_by("number"))
    chosen = request.GET.get("nhom", HEADLINE)
    section = next((s for s in sections if str(s.number) == chosen), None)
    if section is None:
        chosen = HEADLINE
        indicators = headline_indicators()
    else:
        indicators = list(section.indicators.order_by("sort_order", "code"))
    start, end = validity_window(parsed.start, parsed.end, unit.valid_from, unit.valid_to)
    below = list(
        Unit.objects.filter(parent=unit, valid_from__lte=end)
        .exclude(valid_to__lt=start)
        .order_by("code")
    )
    shown = units_viewable(request.user, below)
    below = [u for u in below if u.pk in shown]
    cells = grid_totals([unit, *below], [period_row], indicators)
    parents = set(
        Unit.objects.filter(parent__in=below).values_list("parent_id", flat=True).distinct()
    )

    def row(member: Unit) -> dict[str, Any]:
        totals = cells.get((member.pk, period_row.pk), {})
        return {
            "unit": member,
            "cells": [_cell(i, totals.get(i.pk)) for i in indicators],
            "estimated": any(t.estimated for t in totals.values()),
            "has_below": member.pk in parents,
        }

    rows = [row(u) for u in below]
    total = row(unit)
    return render(
        request,
        "entry/grid.html",
        {
            "unit": unit,
            "parent": unit.parent
            if unit.parent and unit_may_view(request.user, unit.parent)
            else None,
            "period": period_row,
            "period_label": parsed.label_vi(),
            "previous": parsed.previous(),
            "sections": sections,
            "chosen": chosen,
            "headline": HEADLINE,
            "indicators": indicators,
            "total": total,
            "rows": rows,
            "estimate_mark": ESTIMATE_MARK,
            "estimated": any(r["estimated"] for r in [*rows, total]),
        },
    )


__all__ = ["grid"]
