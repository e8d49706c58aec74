"""Totals across structures: the figures of the units a unit came from or went into.

For the part of a period outside a unit's own validity, its totals add the figures of the
units mapped into it (`orgs.UnitMapping`), whole subtrees read from their roll-ups where
possible, weighted shares marked `estimated`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from phongtrao.analytics.models import Rollup
from phongtrao.analytics.selectors.base import ROLLED_UP_TYPES, MappedSource, Total
from phongtrao.analytics.selectors.naive import naive_source_totals
from phongtrao.catalog.models import Indicator, TimeAggregation, ValueType
from phongtrao.data.models import DataValue, Period
from phongtrao.data.rollups import ROLLUP_MAX_LEVEL, ZERO, contribution
from phongtrao.orgs.models import Unit, UnitMapping

#: The columns of a mapping row read into a `MappedSource`, in its fields' order.
MAPPED_SOURCE_COLUMNS = (
    "source_id",
    "source__path",
    "source__level",
    "source__valid_from",
    "source__valid_to",
    "weight",
    "whole",
    "estimated",
)


#: The period of a value, read with it (`_own_contributions_many`).
PERIOD_COLUMNS = ("period__code", "period__period_type", "period__start", "period__end")


def mapped_rows(mappings: QuerySet[UnitMapping]) -> Iterator[tuple[int, MappedSource]]:
    """(target unit id, source) of each of these mapping rows, in one query, in the tree's
    order of the sources (so what is listed from them comes in a stable order)."""
    ordered = mappings.order_by("target_id", "source__path")
    for target_id, *source in ordered.values_list("target_id", *MAPPED_SOURCE_COLUMNS):
        yield target_id, MappedSource(*source)


def source_outside(unit: Unit, source: MappedSource) -> bool:
    """Whether the source existed when the unit did not (before it began or after it ended):
    only then do its figures count for the unit."""
    return source.valid_from < unit.valid_from or (
        unit.valid_to is not None and (source.valid_to is None or source.valid_to > unit.valid_to)
    )


def unit_spans_period(unit: Unit, period: Period) -> bool:
    """Whether the unit existed for the whole period (then no other unit's figures count)."""
    return unit.valid_from <= period.start and (
        unit.valid_to is None or period.end <= unit.valid_to
    )


def mapped_sources(unit: Unit, period: Period) -> list[MappedSource]:
    """The mapping rows whose source existed in the part of the period the unit did not."""
    if unit_spans_period(unit, period):
        return []
    rows = mapped_rows(
        UnitMapping.objects.filter(target=unit, source__valid_from__lte=period.end).exclude(
            source__valid_to__lt=period.start
        )
    )
    return [source for _, source in rows if source_outside(unit, source)]


def source_era(unit: Unit, source: MappedSource) -> int:
    """-1 for a source before the unit, 1 after it, 0 alongside it."""
    if source.valid_to is not None and source.valid_to < unit.valid_from:
        return -1
    if unit.valid_to is not None and source.valid_from > unit.valid_to:
        return 1
    return 0


def with_mapped_totals(
    unit: Unit,
    indicators: Sequence[Indicator],
    direct: dict[int, Total],
    sources: Sequence[MappedSource],
    found: dict[int, dict[int, tuple[Decimal, int]]],
) -> dict[int, Total]:
    """The direct totals plus the weighted figures of the mapped sources.

    Sums add up over every source. A stock (members at the end of the year) is taken from
    the latest structure that reported it in the period (the earliest for first values), so
    a year spanning the reorganisation does not count the same members twice.
    """
    if not sources:
        return direct
    result: dict[int, Total] = {}
    for indicator in indicators:
        parts: list[tuple[int, Decimal, int, MappedSource | None]] = []
        own = direct.get(indicator.pk)
        if own is not None and own.count:
            parts.append((0, own.value, own.count, None))
        for source in sources:
            amount, count = found.get(source.id, {}).get(indicator.pk, (ZERO, 0))
            if count:
                weighted = amount if source.weight == 1 else amount * source.weight
                parts.append((source_era(unit, source), weighted, count, source))
        if indicator.time_aggregation != TimeAggregation.SUM and parts:
            pick = max if indicator.time_aggregation == TimeAggregation.LAST else min
            era = pick(part[0] for part in parts)
            parts = [part for part in parts if part[0] == era]
        if not parts:
            if own is not None:
                result[indicator.pk] = own
            continue
        value = sum((part[1] for part in parts), ZERO)
        estimated = any(part[3] is not None and part[3].estimated for part in parts)
        if estimated and indicator.value_type in (ValueType.INTEGER, ValueType.MONEY):
            value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        result[indicator.pk] = Total(
            value,
            sum(part[2] for part in parts),
            estimated,
            tuple(sorted(part[3].id for part in parts if part[3] is not None)),
        )
    return result


def source_totals(
    sources: Sequence[MappedSource], period: Period, indicators: Sequence[Indicator], *, naive: bool
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """source id → indicator id → (amount, count): subtree totals or own values, batched.

    Whole sources at the roll-up levels: one roll-up read and one own-value read for all of
    them; smaller whole sources: one sum over their subtrees; own-value rows: one read.
    """
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    rolled = (
        [s.id for s in sources if s.whole and s.level <= ROLLUP_MAX_LEVEL]
        if not naive and period.period_type in ROLLED_UP_TYPES
        else []
    )
    ids = [i.pk for i in indicators]
    if rolled:
        rows = Rollup.objects.filter(unit_id__in=rolled, period_id=period.pk, indicator_id__in=ids)
        for unit_id, indicator_id, value, count in rows.values_list(
            "unit_id", "indicator_id", "value", "count"
        ):
            result[unit_id][indicator_id] = (value, count)
    own_ids = rolled + [s.id for s in sources if not s.whole]
    for unit_id, amounts in _own_contributions_many(own_ids, period, indicators).items():
        for indicator_id, (amount, count) in amounts.items():
            before, seen = result[unit_id].get(indicator_id, (ZERO, 0))
            result[unit_id][indicator_id] = (before + amount, seen + count)
    summed = [s for s in sources if s.whole and s.id not in set(rolled)]
    if summed:
        for unit_id, amounts in naive_source_totals(summed, period, indicators).items():
            result[unit_id].update(amounts)
    return result


def _own_contributions_many(
    unit_ids: Sequence[int], period: Period, indicators: Sequence[Indicator]
) -> dict[int, dict[int, tuple[Decimal, int]]]:
    """The own values of several units aggregated over `period`, in one query."""
    if not unit_ids:
        return {}
    by_id = {i.pk: i for i in indicators}
    values: dict[tuple[int, int], list[tuple[Period, Decimal]]] = defaultdict(list)
    rows = DataValue.objects.filter(
        unit_id__in=unit_ids,
        indicator_id__in=list(by_id),
        period__start__gte=period.start,
        period__end__lte=period.end,
    ).values_list("unit_id", "indicator_id", "value", "period_id", *PERIOD_COLUMNS)
    # Plain rows (a value read as a model instance cost more than its sum), each period
    # made once.
    periods: dict[int, Period] = {}
    for unit_id, indicator_id, value, period_id, code, kind, start, end in rows:
        inner = periods.get(period_id)
        if inner is None:
            inner = periods[period_id] = Period(
                id=period_id, code=code, period_type=kind, start=start, end=end
            )
        values[(unit_id, indicator_id)].append((inner, value))
    result: dict[int, dict[int, tuple[Decimal, int]]] = defaultdict(dict)
    for (unit_id, indicator_id), pairs in values.items():
        result[unit_id][indicator_id] = contribution(
            by_id[indicator_id].time_aggregation, pairs, period
        )
    return result
