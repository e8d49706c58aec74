"""The dashboard's cache: served again until a write of figures, never after it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.analytics.dashboard import dashboard_figures
from phongtrao.analytics.selectors import unit_totals_naive
from phongtrao.data.services import datavalue_save, period_get, target_set
from phongtrao.freshness import figures_version

pytestmark = pytest.mark.django_db


def _below(figures):
    return {f.unit.code: f.value for f in figures.units_below}


def test_a_repeated_dashboard_is_served_from_the_cache(
    small_tree, indicators, django_assert_max_num_queries
):
    th, year = indicators["TH_HD"], period_get("2023")
    datavalue_save(actor=SYSTEM, indicator=th, unit=small_tree["c1"], period=year, value=Decimal(4))
    first = dashboard_figures(small_tree["province"], year, th)

    with django_assert_max_num_queries(0):
        again = dashboard_figures(small_tree["province"], year, th)

    assert again == first


def test_the_report_chart_reads_the_dashboards_trend_and_a_write_refreshes_it(
    small_tree, indicators, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from phongtrao import periods
    from phongtrao.reports.charts import membership_trend

    members, province = indicators["HV_TONG"], small_tree["province"]
    for year, value in (("2022", 90), ("2023", 100)):
        datavalue_save(
            actor=SYSTEM,
            indicator=members,
            unit=small_tree["c1"],
            period=period_get(year),
            value=Decimal(value),
        )
    dashboard_figures(province, period_get("2023"), members)

    # The catalog read for HV_TONG only: the five years come from the dashboard's cache.
    with django_assert_max_num_queries(1):
        chart = membership_trend(province, periods.parse("2023"))

    assert chart is not None and chart.labels == ("2022", "2023") and chart.values == (90, 100)
    with django_capture_on_commit_callbacks(execute=True):
        datavalue_save(
            actor=SYSTEM,
            indicator=members,
            unit=small_tree["c3"],
            period=period_get("2023"),
            value=Decimal(5),
        )
    chart = membership_trend(province, periods.parse("2023"))
    assert chart is not None and chart.values == (90, 105)


def test_a_saved_value_shows_on_the_cached_dashboard_at_once(
    small_tree, indicators, django_capture_on_commit_callbacks
):
    th, province, year = indicators["TH_HD"], small_tree["province"], period_get("2023")
    with django_capture_on_commit_callbacks(execute=True):
        datavalue_save(
            actor=SYSTEM, indicator=th, unit=small_tree["c1"], period=year, value=Decimal(4)
        )
    assert _below(dashboard_figures(province, year, th)) == {"T-701": 4, "T-702": 0}

    with django_capture_on_commit_callbacks(execute=True):
        datavalue_save(
            actor=SYSTEM, indicator=th, unit=small_tree["c3"], period=year, value=Decimal(9)
        )
    figures = dashboard_figures(province, year, th)

    assert _below(figures) == {"T-701": 4, "T-702": 9}
    rows = [r for r in figures.key_figures if r.indicator.pk == th.pk]
    for unit in (small_tree["d1"], small_tree["d2"]):
        assert _below(figures)[unit.code] == unit_totals_naive(unit, year, [th])[th.pk].value
    assert all(row.value == 13 for row in rows)


def test_a_target_set_bumps_the_version(small_tree, indicators, django_capture_on_commit_callbacks):
    before = figures_version()

    with django_capture_on_commit_callbacks(execute=True):
        target_set(
            actor=SYSTEM,
            indicator=indicators["HV_PTM"],
            unit=small_tree["province"],
            period=period_get("2023"),
            value=Decimal(100),
        )

    assert figures_version() > before


def test_the_version_moves_at_the_write_and_again_at_commit(
    small_tree, indicators, django_capture_on_commit_callbacks
):
    before = figures_version()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["TH_HD"],
            unit=small_tree["c2"],
            period=period_get("2023"),
            value=Decimal(1),
        )
        during = figures_version()
        assert during > before

    for callback in callbacks:
        callback()
    assert figures_version() > during  # a copy made from the data before the commit is old
