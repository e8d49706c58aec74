"""Reading totals: the only place that aggregates values over units and time.

`unit_totals` answers from the roll-ups (cost follows the question); `unit_totals_naive`
sums the raw values of the subtree at query time. Both give the same figures: the second
is the reference for tests and the baseline for the benchmark.

Across reorganisations: for the part of a period outside the unit's own validity (2023 on a
2025 unit; 2026 on a pre-2025 one; months before a merged chi hội existed), a total adds
the figures of the units it came from or went into, read through the precomputed
`orgs.UnitMapping` rows (whole subtrees from their roll-ups where possible). Figures shared
out by weights below 1 are marked `estimated`.
"""

from __future__ import annotations

from collections.abc import Sequence

from phongtrao.analytics.selectors.base import (
    ONE,
    ROLLED_UP_TYPES,
    MappedSource,
    Total,
    derived_totals,
    period_row,
    raw_indicators,
)
from phongtrao.analytics.selectors.mapped import mapped_sources, source_totals, with_mapped_totals
from phongtrao.analytics.selectors.naive import naive_subtree_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import Period
from phongtrao.data.rollups import ROLLUP_MAX_LEVEL
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import unit_counterpart


def unit_totals(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
) -> dict[int, Total]:
    """Totals of the unit's subtree (itself included) for these indicators over `period`.

    Read from the roll-ups plus the unit's own values: two queries whatever the data size.
    Periods the roll-ups do not keep (financial years, April half-years) and units below the
    levels that keep roll-ups (communes, chi hội: small subtrees) are summed from raw values.
    For the part of the period outside the unit's validity, the figures of its predecessors
    or successors are added through the mapping (one more query, plus one or two reads of
    their totals). `edition` ("2008", "2025"): report instead the unit standing for `unit`
    in that structure (`orgs.selectors.unit_counterpart`).
    """
    return _totals(unit, period, indicators, edition=edition, naive=False)


def unit_totals_naive(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None = None,
) -> dict[int, Total]:
    """The same totals as `unit_totals`, summed from the raw values of the subtree."""
    return _totals(unit, period, indicators, edition=edition, naive=True)


def _totals(
    unit: Unit,
    period: Period | str,
    indicators: Sequence[Indicator],
    *,
    edition: Edition | str | None,
    naive: bool,
) -> dict[int, Total]:
    if edition is not None:
        unit = unit_counterpart(unit, edition)
    row = period_row(period)
    raw, by_code = raw_indicators(indicators)
    sources = mapped_sources(unit, row)
    itself = MappedSource(unit.pk, unit.path, unit.level, unit.valid_from, None, ONE, True, False)
    if naive or any(unit.path.startswith(s.path) for s in sources):
        apart = True
    elif unit.level > ROLLUP_MAX_LEVEL:  # a small subtree: summed with its sources'
        apart = not sources
    else:  # a roll-up read with its sources', unless the roll-ups do not keep the period
        apart = row.period_type not in ROLLED_UP_TYPES
    if apart:
        direct = naive_subtree_totals(unit, row, raw)
        found = source_totals(sources, row, raw, naive=naive) if sources else {}
    else:
        # The unit's own total is read with its sources' (its roll-up and own values, or
        # the sum over its small subtree): no query more than for the sources.
        found = source_totals([itself, *sources], row, raw, naive=False)
        direct = {key: Total(*amount) for key, amount in found.get(unit.pk, {}).items()}
    return derived_totals(
        indicators, with_mapped_totals(unit, raw, direct, sources, found), by_code
    )
