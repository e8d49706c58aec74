"""Reads of figures over units and time, the only place that aggregates values.

- `totals`: `unit_totals` (from the roll-ups) and `unit_totals_naive` (from the raw values);
- `mapped`: the figures of the units a unit came from or went into, across structures;
- `naive`: sums over a subtree's raw values at query time;
- `report`: `unit_report`, a report's figures against last year and targets;
- `completeness`: `unit_completeness`, who reported below a unit;
- `base`: the `Total` value and what every read shares.
"""

from phongtrao.analytics.selectors.base import Total, period_row
from phongtrao.analytics.selectors.completeness import Completeness, unit_completeness
from phongtrao.analytics.selectors.report import ReportRow, unit_report
from phongtrao.analytics.selectors.totals import unit_totals, unit_totals_naive

__all__ = [
    "Completeness",
    "ReportRow",
    "Total",
    "period_row",
    "unit_completeness",
    "unit_report",
    "unit_totals",
    "unit_totals_naive",
]
