"""What every read of totals shares: the `Total` value, a mapping row read for one total,
the raw indicators behind derived ones and the formulas that derive them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from phongtrao import expressions
from phongtrao.analytics.models import Rollup
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import Period
from phongtrao.data.rollups import ZERO, period_rows

ONE = Decimal(1)
# The period types kept in the roll-ups; any other period is summed from the raw values.
ROLLED_UP_TYPES = {"MONTHLY", "QUARTERLY", "SIX_MONTHLY", "YEARLY"}


def read_connection() -> BaseDatabaseWrapper:
    """The connection the database router gives the figures' reads: the replica inside a view
    whose reads may lag (config/replica.py), else the primary. Raw SQL reads of values and
    roll-ups take their cursor from it, as the ORM's reads of the same request do."""
    return connections[router.db_for_read(Rollup)]


@contextlib.contextmanager
def without_jit() -> Iterator[None]:
    """The reads of `read_connection()` inside run without PostgreSQL's JIT compilation.

    The set-wise reads of figures probe indexes unit by unit and period by period; PostgreSQL
    compiles a statement once its estimated cost passes `jit_above_cost` (and inlines and
    optimises past 500,000), and those estimates grow with the tables, not with the work: at
    10 million values a batch's probe was compiled for 100–300 ms to run in 5–60
    (docs/benchmarks/analytics.md, session 10). Inside a transaction the setting is local to
    it; otherwise it is reset on leaving.
    """
    connection = read_connection()
    if connection.vendor != "postgresql":
        yield
        return
    local = not connection.get_autocommit()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off" if local else "SET jit = off")
    try:
        yield
    finally:
        if not local:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")


@dataclass(frozen=True)
class Total:
    """A total over a subtree: `count` raw values fed it (0 means nobody reported).

    `estimated`: part of it was shared out from a split unit by weights (area), so it is an
    estimate; `sources`: ids of the units of another structure or history whose figures it
    holds (empty when every value was entered inside the subtree).
    """

    value: Decimal
    count: int
    estimated: bool = False
    sources: tuple[int, ...] = ()


@dataclass(frozen=True)
class MappedSource:
    """A mapping row read for one total: the source unit and how its figures count."""

    id: int
    path: str
    level: int
    valid_from: dt.date
    valid_to: dt.date | None
    weight: Decimal
    whole: bool
    estimated: bool


def period_row(period: Period | str) -> Period:
    """The `data.Period` row of a period given as a row or a code (created if missing)."""
    if isinstance(period, Period):
        return period
    return period_rows([period])[period]


def raw_indicators(
    indicators: Iterable[Indicator],
) -> tuple[list[Indicator], dict[str, Indicator]]:
    """The raw indicators needed to compute these (derived ones expanded), and all by code.

    The catalog is read only when a formula names an indicator not asked for: those
    indicators alone, in one query (one more per level of formulas over formulas).
    """
    asked = {i.code: i for i in indicators}
    by_code = dict(asked)
    found = list(asked.values())
    while missing := _named(found) - by_code.keys():
        found = list(Indicator.objects.filter(code__in=sorted(missing)))
        by_code.update({i.code: i for i in found})
    wanted: dict[str, Indicator] = {}
    pending = list(asked.values())
    while pending:
        indicator = pending.pop()
        if indicator.code in wanted:
            continue
        wanted[indicator.code] = indicator
        if indicator.formula:
            for ref in formula_expr(indicator.formula).references:
                pending.append(by_code[ref.code])
    return [i for i in wanted.values() if not i.formula], by_code


def _named(indicators: Iterable[Indicator]) -> set[str]:
    """The codes the formulas of these indicators name."""
    return {ref.code for i in indicators if i.formula for ref in formula_expr(i.formula).references}


@functools.lru_cache(maxsize=512)
def formula_expr(formula: str) -> expressions.Expr:
    """A formula parsed once (the expression is immutable): reads evaluate it per cell."""
    return expressions.parse(formula)


def derived_totals(
    indicators: Sequence[Indicator], raw: dict[int, Total], by_code: dict[str, Indicator]
) -> dict[int, Total]:
    """Totals of derived indicators from their formulas, raw totals passed through."""
    result: dict[int, Total] = {}
    for indicator in indicators:
        if not indicator.formula:
            result[indicator.pk] = raw.get(indicator.pk, Total(ZERO, 0))
            continue
        expr = formula_expr(indicator.formula)
        inputs: dict[expressions.Ref, Decimal | None] = {}
        count = 0
        estimated = False
        sources: set[int] = set()
        for ref in expr.references:
            total = raw.get(by_code[ref.code].pk, Total(ZERO, 0))
            inputs[ref] = total.value
            count += total.count
            estimated = estimated or total.estimated
            sources.update(total.sources)
        value = expr.evaluate(inputs)
        result[indicator.pk] = Total(
            value if value is not None else ZERO, count, estimated, tuple(sorted(sources))
        )
    return result
