"""The direct rows of `/api/analytics` (`grid_figures`, one row per cell) equal the general
path (an accumulator of `Total`s) and the naive sum, on random trees, values and periods."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phongtrao.actors import SYSTEM
from phongtrao.analytics.query import (
    analytics_json_rows,
    analytics_plan,
    analytics_rows,
    analytics_rows_summed,
)
from phongtrao.analytics.selectors import unit_totals_naive
from phongtrao.analytics.selectors.base import Total, formula_expr
from phongtrao.analytics.selectors.grid import grid_figures, grid_totals
from phongtrao.analytics.tests.test_rollups import (
    ASKED,
    CODES,
    apply_history,
    operations,
    random_tree,
    tree_shapes,
)
from phongtrao.catalog.models import Indicator
from phongtrao.data.rollups import period_rows
from phongtrao.data.services import datavalues_save, period_get


def _superuser():
    model = get_user_model()
    return model.objects.filter(username="fast-rows").first() or model.objects.create_superuser(
        "fast-rows", password="x"
    )


def _asked(indicators_by_code) -> list[Indicator]:
    derived = next(i for i in indicators_by_code.values() if i.formula)
    return [indicators_by_code[c] for c in CODES] + [derived]


@pytest.fixture
def indicators_by_code(django_db_blocker):
    with django_db_blocker.unblock():
        return {i.code: i for i in Indicator.objects.all()}


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    shape=tree_shapes,
    ops=operations,
    asked=st.lists(st.sampled_from(ASKED), min_size=1, max_size=4, unique=True),
    order=st.permutations(["dx", "pe", "ou"]),
    filtered=st.sampled_from([None, "dx", "pe", "ou"]),
)
def test_direct_rows_equal_the_general_path_and_the_naive_sum(
    shape, ops, asked, order, filtered, indicators_by_code
):
    units = random_tree(shape)
    apply_history(units, ops, indicators_by_code)
    wanted = _asked(indicators_by_code)
    # The derived indicator's inputs get values too, so that its formula is evaluated.
    refs = formula_expr(wanted[-1].formula).references
    inputs = [indicators_by_code[ref.code] for ref in refs]
    datavalues_save(
        actor=SYSTEM,
        unit=units[-1],
        period=period_get("202306"),
        values={i: Decimal(7 + n) for n, i in enumerate(inputs)},
    )
    items = {
        "dx": [i.uid for i in wanted],
        "pe": asked,
        "ou": [u.uid for u in units],
    }
    if filtered:
        items[filtered] = items[filtered][:1]
    dimensions = [f"{n}:{';'.join(items[n])}" for n in order if n != filtered]
    filters = [f"{filtered}:{items[filtered][0]}"] if filtered else []
    params = {"user": _superuser(), "dimensions": dimensions, "filters": filters}

    fast = analytics_plan(**params)
    rows = list(analytics_rows(fast))
    general = analytics_plan(**params)

    assert rows == list(analytics_rows_summed(general))
    assert fast.height == general.height == len(rows)
    # The JSON writer's rows: each as `json.dumps` writes it, in the same order.
    written = analytics_plan(**params)
    lines = [line for chunk in analytics_json_rows(written) for line in chunk]
    assert lines == [json.dumps(row, ensure_ascii=False) for row in rows]
    assert written.height == len(rows)
    by_uid = {u.uid: u for u in units}
    by_indicator = {i.uid: i for i in wanted}
    names = [n for n in order if n != filtered]
    naive: dict[tuple[str, str], dict[int, Total]] = {}  # per unit and period, all asked
    for row in rows:
        cell = dict(zip(names, row[:-1], strict=True))
        if filtered:
            cell[filtered] = items[filtered][0]
        place = (cell["ou"], cell["pe"])
        if place not in naive:
            naive[place] = unit_totals_naive(by_uid[cell["ou"]], cell["pe"], wanted)
        total = naive[place][by_indicator[cell["dx"]].pk]
        assert total.count
        assert Decimal(row[-1]) == total.value


def test_figures_equal_the_totals_across_structures(small_tree_2025, indicators):
    tree = small_tree_2025
    th, stock = indicators["TH_HD"], indicators["HV_TONG"]
    derived = next(i for i in indicators.values() if i.formula)
    for code, value in (("c1", 10), ("c2", 20), ("c3", 1000)):
        datavalues_save(
            actor=SYSTEM,
            unit=tree[code],
            period=period_get("2023"),
            values={th: Decimal(value), stock: Decimal(value * 3)},
        )
    units = [tree[k] for k in ("new_vn", "new_province", "north", "south", "province", "c3")]
    period_list = list(period_rows(["2023", "2025", "2025S2"]).values())
    chosen = [th, stock, derived]

    figures, estimated = grid_figures(units, period_list, chosen)
    totals = grid_totals(units, period_list, chosen)

    for (unit_id, period_id), cell in totals.items():
        for indicator_id, total in cell.items():
            got = figures.get((unit_id, period_id), {}).get(indicator_id)
            if total.count:
                assert got == (total.value, total.count)
            else:
                assert got is None or not got[1]
            assert ((unit_id, period_id, indicator_id) in estimated) == (
                total.estimated and bool(total.count)
            )
    assert estimated
