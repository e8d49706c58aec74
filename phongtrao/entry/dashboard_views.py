"""The dashboard of a unit and period: key figures against target and last year, the units
below for one indicator, the trend over five years; charts with the numbers also in tables.

On either structure: `?edition=2025` (or a day, `?edition=2025-07-01`) shows the unit standing
for this one in that structure (its page, after the access check on it), with the figures
entered on the other structure carried over; estimates are marked "*" as in the reports.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from phongtrao import periods
from phongtrao.accounts.access import access_unit, unit_may_view
from phongtrao.analytics.dashboard import dashboard_figures, headline_indicators
from phongtrao.analytics.selectors import ReportRow
from phongtrao.catalog.models import Indicator, ValueType
from phongtrao.data.services import period_get
from phongtrao.members.figures import registry_coverage, registry_gives, registry_words
from phongtrao.orgpages.views import structure_unit
from phongtrao.orgs.models import Edition
from phongtrao.orgs.selectors import structure_note
from phongtrao.reports.builder import ESTIMATE_NOTE
from phongtrao.reports.figures import ESTIMATE_MARK
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
    mark = ESTIMATE_MARK if row.last_year_estimated else ""
    if row.change == 0:
        return f"Bằng cùng kỳ{mark}"
    word = "Tăng" if row.change > 0 else "Giảm"
    text = f"{word} {amount_text(row.indicator, abs(row.change))} so với cùng kỳ{mark}"
    if row.last_year:
        pct = abs(row.change) * 100 / abs(row.last_year)
        text += f" ({'+' if row.change > 0 else '-'}{format_percent(pct, 1)})"
    return text


def _card(row: ReportRow, source: str = "") -> dict[str, Any]:
    achievement = ""
    if row.achievement_pct is not None:
        achievement = f"đạt {format_percent(row.achievement_pct)} chỉ tiêu"
        if row.target_phase:
            achievement += f" giai đoạn {row.target_phase}"
    value = "Chưa có số liệu"
    if row.count:
        value = amount_text(row.indicator, row.value) + (ESTIMATE_MARK if row.estimated else "")
    return {
        "indicator": row.indicator,
        "value": value,
        "achievement": achievement,
        "target": amount_text(row.indicator, row.target) if row.target is not None else "",
        "change": _change_text(row),
        "direction": "" if not row.change else ("up" if row.change > 0 else "down"),
        # Where the figure comes from the member registry: "theo sổ hội viên".
        "source": source if row.count and registry_gives(row.indicator) else "",
    }


@login_required
def dashboard(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Key figures, the units below and a five-year trend for a unit (access-checked)."""
    unit = access_unit(request.user, unit_uid)
    try:
        parsed = periods.parse(period)
    except ValueError as exc:
        raise Http404("Kỳ báo cáo không hợp lệ.") from exc
    other = structure_unit(request, unit, parsed.code, "tong-quan")
    if isinstance(other, HttpResponse):
        return other
    if other.pk != unit.pk:
        query = {k: request.GET[k] for k in ("chi_tieu",) if request.GET.get(k)}
        url = reverse("entry:dashboard", args=[other.uid, parsed.code])
        return redirect(f"{url}?{urlencode(query)}" if query else url)
    period_row = period_get(parsed.code)
    following = parsed.next()
    headline = headline_indicators()
    choices = list(Indicator.objects.select_related("section").order_by("sort_order", "code"))
    by_code = {i.code: i for i in choices}
    chosen = by_code.get(request.GET.get("chi_tieu", "")) or (headline[0] if headline else None)
    if chosen is None:
        raise Http404("Danh mục chưa có chỉ tiêu.")
    figures = dashboard_figures(unit, period_row, chosen)
    below, trend, rows = figures.units_below, figures.trend, figures.key_figures
    label = f"{chosen.name} ({chosen.unit_label})"

    def mark(estimated: bool) -> str:
        return ESTIMATE_MARK if estimated else ""

    charts = {
        "label": label,
        "mark": ESTIMATE_MARK,
        "below": {
            "labels": [f.unit.name + mark(f.estimated) for f in below],
            "values": [float(f.value) for f in below],
            "estimated": [f.estimated for f in below],
        },
        "trend": {
            "labels": [p.period.label_vi() for p in trend],
            "values": [float(p.value) if p.count else None for p in trend],
            "estimated": [p.estimated and bool(p.count) for p in trend],
        },
    }
    source = ""
    if any(r.count and registry_gives(r.indicator) for r in rows):
        yearly = parsed.period_type == periods.PeriodType.YEARLY
        source = registry_words(registry_coverage(unit, parsed.end, yearly=yearly))
    estimated = (
        any(r.count and r.estimated or r.last_year_estimated for r in rows)
        or any(f.estimated for f in below)
        or any(p.estimated and p.count for p in trend)
    )
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
            "editions": list(Edition.objects.order_by("valid_from")),
            "cards": [_card(r, source) for r in rows],
            "chosen": chosen,
            "choices": choices,
            "label": label,
            "below": [
                {
                    "unit": f.unit,
                    "text": amount_text(chosen, f.value) + mark(f.estimated),
                    "count": f.count,
                }
                for f in below
            ],
            "trend": [
                {
                    "label": p.period.label_vi(),
                    "text": amount_text(chosen, p.value) + mark(p.estimated) if p.count else "—",
                }
                for p in trend
            ],
            "charts": charts,
            "carried_note": structure_note(unit, parsed.end, any(r.sources for r in rows)),
            "estimate_note": ESTIMATE_NOTE if estimated else "",
            # One bar about 1,7 rem high: every unit's name stays readable on a phone.
            "chart_height": f"{max(12.0, len(below) * 1.7 + 3):.1f}rem",
        },
    )
