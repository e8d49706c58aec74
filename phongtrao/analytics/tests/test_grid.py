"""The set-wise grid equals the naive sum, cell by cell, on every unit, period and structure."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals, unit_totals_naive
from phongtrao.analytics.selectors.base import without_jit
from phongtrao.analytics.selectors.grid import grid_totals
from phongtrao.catalog.models import Indicator, TimeAggregation
from phongtrao.data.rollups import period_rows
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.services import unit_create

pytestmark = pytest.mark.django_db
PERIODS = ["202301", "202303", "2023Q1", "2023S1", "2023", "2023April", "2022", "2024"]


def _enter(unit: Unit, period: str, values: dict[Indicator, int]) -> None:
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get(period),
        values={i: Decimal(v) for i, v in values.items()},
    )


@pytest.fixture
def chosen(indicators):
    """A sum, a stock (last value), a first value when the catalog has one, and a derived
    indicator with its inputs."""
    stock = next(i for i in indicators.values() if i.time_aggregation == TimeAggregation.LAST)
    derived = next(i for i in indicators.values() if i.formula)
    found = [indicators["TH_HD"], indicators["TT_DOT"], stock, derived]
    first = [i for i in indicators.values() if i.time_aggregation == TimeAggregation.FIRST]
    return found + first[:1]


@pytest.fixture
def branches(small_tree):
    """Two chi hội under Xã A, one under Xã C: values below the communes."""
    return [
        unit_create(
            edition=small_tree["c1"].edition,
            code=f"T-CH{n}",
            name=f"Chi hội {n}",
            level=Level.BRANCH,
            parent=small_tree[parent],
        )
        for n, parent in ((1, "c1"), (2, "c1"), (3, "c3"))
    ]


def _fill(units: list[Unit], indicators: list[Indicator], seed: int) -> None:
    rng = random.Random(seed)
    raw = [i for i in indicators if not i.formula]
    for inputs in (i for i in indicators if i.formula):
        raw += list(Indicator.objects.filter(code__in=_refs(inputs)))
    months = [f"{y}{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
    for unit in units:
        for month in rng.sample(months, 14):
            _enter(unit, month, {i: rng.randint(0, 90) for i in raw if rng.random() < 0.7})
    _enter(units[0], "2023", {raw[0]: 5})  # a yearly value beside the months


def _refs(indicator: Indicator) -> list[str]:
    from phongtrao import expressions

    return [ref.code for ref in expressions.parse(indicator.formula).references]


def _assert_equal(cells, units, period_list, indicators):
    for unit in units:
        for period in period_list:
            naive = unit_totals_naive(unit, period, indicators)
            got = cells[(unit.pk, period.pk)]
            for indicator in indicators:
                assert (got[indicator.pk].value, got[indicator.pk].count) == (
                    naive[indicator.pk].value,
                    naive[indicator.pk].count,
                ), (unit.code, period.code, indicator.code)


def test_grid_equals_the_naive_sum_on_every_unit_and_period(small_tree, branches, chosen):
    units = list(small_tree.values()) + branches
    _fill([small_tree["c2"], small_tree["d2"], *branches], chosen, seed=22)
    period_list = list(period_rows(PERIODS).values())

    cells = grid_totals(units, period_list, chosen)

    _assert_equal(cells, units, period_list, chosen)
    assert any(t.count for cell in cells.values() for t in cell.values())


def test_grid_reads_a_fixed_number_of_queries_whatever_the_units(small_tree, branches, chosen):
    _fill(branches, chosen, seed=5)
    period_list = list(period_rows(["2023", "202301", "2023April"]).values())
    few = [small_tree["province"], small_tree["c1"], branches[0]]
    many = [*small_tree.values(), *branches]

    with CaptureQueriesContext(connection) as small:
        grid_totals(few, period_list, chosen)
    with CaptureQueriesContext(connection) as large:
        grid_totals(many, period_list, chosen)

    # One more level of the tree to walk below the units asked, nothing per unit or cell.
    assert len(large) <= len(small) + 2


def test_grid_on_the_new_structure_adds_the_mapped_old_units(small_tree_2025, indicators):
    tree = small_tree_2025
    th, stock = indicators["TH_HD"], indicators["HV_TONG"]
    for code, value in (("c1", 10), ("c2", 20), ("c3", 1000)):
        _enter(tree[code], "2023", {th: value, stock: value * 3})
    _enter(tree["north"], "2025", {th: 7})
    units = [tree[k] for k in ("new_vn", "new_province", "north", "south", "province", "c3")]
    period_list = list(period_rows(["2023", "2025", "2025S2"]).values())

    cells = grid_totals(units, period_list, [th, stock])

    for unit in units:
        for period in period_list:
            expected = unit_totals(unit, period, [th, stock])
            assert cells[(unit.pk, period.pk)] == expected, (unit.code, period.code)
    north_2023 = cells[(tree["north"].pk, period_rows(["2023"])["2023"].pk)][th.pk]
    assert (north_2023.value, north_2023.estimated) == (Decimal(730), True)


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return str(cursor.fetchone()[0])


@pytest.mark.postgres  # PostgreSQL's JIT
def test_grid_reads_its_figures_without_jit(small_tree, branches, chosen):
    """PostgreSQL compiles a statement whose estimated cost passes `jit_above_cost`; the
    estimates of the grid's probes grow with the tables, not with the work (at 10 million
    values 100–300 ms of compiling for reads of 5–60 ms): the grid reads without it."""
    _fill([small_tree["c2"], *branches], chosen, seed=7)
    seen: list[str] = []

    def wrap(execute, sql, params, many, context):
        if "analytics_rollup" in sql or "data_datavalue" in sql:
            seen.append(_jit())
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")
    period_list = list(period_rows(["2023", "202301"]).values())
    with connection.execute_wrapper(wrap):
        cells = grid_totals([*small_tree.values(), *branches], period_list, chosen)

    assert seen and set(seen) == {"off"}
    _assert_equal(cells, [small_tree["c2"], *branches], period_list, chosen)


@pytest.mark.postgres  # PostgreSQL's JIT
@pytest.mark.django_db(transaction=True)
def test_without_jit_outside_a_transaction_gives_the_setting_back():
    before = _jit()
    with without_jit():
        assert _jit() == "off"
    assert _jit() == before
    with pytest.raises(ZeroDivisionError), without_jit():
        _ = 1 / 0
    assert _jit() == before
