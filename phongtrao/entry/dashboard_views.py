"""The dashboard of a unit and period: key figures against target and last year, the units
below for one indicator, the trend over five years; charts with the numbers also in tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import access_unit, unit_may_view
from phongtrao.analytics.dashboard import (
    dashboard_key_figures,
    dashboard_trend,
    dashboard_units_below,
    headline_indicators,
)
from phongtrao.analytics.selectors import ReportRow
from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.data.services import period_get
from phongtrao.vn import format_money, format_number, format_percent


def amount_text(indicator: Indicator, value: Decimal) -> str:
    """A figure as officials write it: "trên 4,2 tỷ đồng", "1.633 đợt", "83,5%"."""
    if indicator.value_type == ValueType.MONEY:
        return format_money(value)
    if indicator.value_type == ValueType.PERCENT:
        return format_percent(value, 1)
    return f"{format_number(value)} {indicator.unit_label}".strip()


def _change_text(row: ReportRow) -> str:
    if row.last_year is None or row.change is None:
        return "Chưa có số liệu cùng kỳ"
    if row.change == 0:
        return "Bằng cùng kỳ"
    word = "Tăng" if row.change > 0 else "Giảm"
    text = f"{word} {amount_text(row.indicator, abs(row.change))} so với cùng kỳ"
    if row.last_year:
        pct = abs(row.change) * 100 / abs(row.last_year)
        text += f" ({'+' if row.change > 0 else '-'}{format_percent(pct, 1)})"
    return text


def _card(row: ReportRow) -> dict[str, Any]:
    achievement = ""
    if row.achievement_pct is not None:
        achievement = f"đạt {format_percent(row.achievement_pct)} chỉ tiêu"
        if row.target_phase:
            achievement += f" giai đoạn {row.target_phase}"
    return {
        "indicator": row.indicator,
        "value": amount_text(row.indicator, row.value) if row.count else "Chưa có số liệu",
        "achievement": achievement,
        "target": amount_text(row.indicator, row.target) if row.target is not None else "",
        "change": _change_text(row),
        "direction": "" if not row.change else ("up" if row.change > 0 else "down"),
    }


@login_required
def dashboard(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Key figures, the units below and a five-year trend for a unit (access-checked)."""
    unit = access_unit(request.user, unit_uid)
    try:
        parsed = periods.parse(period)
    except ValueError as exc:
        raise Http404("Kỳ báo cáo không hợp lệ.") from exc
    period_row = period_get(parsed.code)
    following = parsed.next()
    headline = headline_indicators()
    choices = list(Indicator.objects.select_related("section").order_by("sort_order", "code"))
    by_code = {i.code: i for i in choices}
    chosen = by_code.get(request.GET.get("chi_tieu", "")) or (headline[0] if headline else None)
    if chosen is None:
        raise Http404("Danh mục chưa có chỉ tiêu.")
    below = dashboard_units_below(unit, period_row, chosen)
    trend = dashboard_trend(unit, period_row, chosen)
    label = f"{chosen.name} ({chosen.unit_label})"
    charts = {
        "label": label,
        "below": {
            "labels": [f.unit.name for f in below],
            "values": [float(f.value) for f in below],
        },
        "trend": {
            "labels": [p.period.label_vi() for p in trend],
            "values": [float(p.value) if p.count else None for p in trend],
        },
    }
    return render(
        request,
        "entry/dashboard.html",
        {
            "unit": unit,
            "parent": unit.parent
            if unit.parent and unit_may_view(request.user, unit.parent)
            else None,
            "period": period_row,
            "period_label": parsed.label_vi(),
            "previous": parsed.previous(),
            "next": following if following.start <= timezone.localdate() else None,
            "cards": [_card(r) for r in dashboard_key_figures(unit, period_row)],
            "chosen": chosen,
            "choices": choices,
            "label": label,
            "below": [
                {"unit": f.unit, "text": amount_text(chosen, f.value), "count": f.count}
                for f in below
            ],
            "trend": [
                {
                    "label": p.period.label_vi(),
                    "text": amount_text(chosen, p.value) if p.count else "—",
                }
                for p in trend
            ],
            "charts": charts,
            # One bar about 1,7 rem high: every unit's name stays readable on a phone.
            "chart_height": f"{max(12.0, len(below) * 1.7 + 3):.1f}rem",
        },
    )
