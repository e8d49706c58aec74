"""A unit's report figures: totals, the same period last year, targets, achievement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from phongtrao import periods
from phongtrao.analytics.selectors.totals import unit_totals
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.models import Period, Target
from phongtrao.data.rollups import period_rows
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import unit_counterpart


@dataclass(frozen=True)
class ReportRow:
    """One indicator of a unit's report: the figure, last year, the target, achievement.

    `estimated` / `last_year_estimated`: the figure (or last year's) was shared out from a
    split unit by weights; `sources`: units of another structure whose figures it holds.
    """

    indicator: Indicator
    value: Decimal
    count: int
    last_year: Decimal | None
    change: Decimal | None
    target: Decimal | None
    target_phase: str
    achievement_pct: Decimal | None
    estimated: bool = False
    last_year_estimated: bool = False
    sources: tuple[int, ...] = ()


def unit_report(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
    compare: Period | str | None = None,
) -> list[ReportRow]:
    """Every figure a report needs: totals, the same period last year, targets, achievement.

    `edition`: report the unit standing for `unit` in that structure (see `unit_totals`).
    `compare`: the period to compare with instead of the same period last year ("2023" for
    a 2026 report); either may lie on the other side of a reorganisation.
    """
    if edition is not None:
        unit = unit_counterpart(unit, edition)
    code = period.code if isinstance(period, Period) else period
    parsed = periods.parse(code)
    if compare is None:
        last_year_code = parsed.same_period_last_year().code
    else:
        last_year_code = compare.code if isinstance(compare, Period) else compare
    rows_by_code = period_rows([code, last_year_code])
    row, last_year_row = rows_by_code[code], rows_by_code[last_year_code]
    now = unit_totals(unit, row, indicators)
    before = unit_totals(unit, last_year_row, indicators)
    targets = _targets(unit, row, indicators)
    rows = []
    for indicator in indicators:
        total = now[indicator.pk]
        previous = before[indicator.pk]
        last_year = previous.value if previous.count else None
        target, phase = targets.get(indicator.pk, (None, ""))
        achieved = total.value
        if phase:
            achieved = _phase_to_date(unit, indicator, parsed, phase, total.value)
        pct = (achieved * 100 / target) if target else None
        rows.append(
            ReportRow(
                indicator=indicator,
                value=total.value,
                count=total.count,
                last_year=last_year,
                change=(total.value - last_year) if last_year is not None else None,
                target=target,
                target_phase=phase,
                achievement_pct=pct,
                estimated=total.estimated,
                last_year_estimated=previous.estimated and last_year is not None,
                sources=tuple(sorted(set(total.sources) | set(previous.sources))),
            )
        )
    return rows


def _targets(
    unit: Unit, period: Period, indicators: Sequence[Indicator]
) -> dict[int, tuple[Decimal, str]]:
    """Targets for the period, or else for the phase that contains it."""
    result: dict[int, tuple[Decimal, str]] = {}
    year = period.end.year
    for target in Target.objects.filter(unit=unit, indicator__in=indicators).select_related(
        "period"
    ):
        if target.period_id is not None and target.period_id == period.pk:
            result[target.indicator_id] = (target.value, "")
        elif target.phase and target.indicator_id not in result:
            phase = periods.parse_phase(target.phase)
            if phase.start_year <= year <= phase.end_year:
                result[target.indicator_id] = (target.value, target.phase)
    return result


def _phase_to_date(
    unit: Unit, indicator: Indicator, period: periods.Period, phase_code: str, value: Decimal
) -> Decimal:
    """Against a phase target, sums count from the phase's first year to this period."""
    if indicator.time_aggregation != TimeAggregation.SUM:
        return value
    phase = periods.parse_phase(phase_code)
    total = value
    for year in range(phase.start_year, period.start.year):
        total += unit_totals(unit, str(year), [indicator])[indicator.pk].value
    return total
