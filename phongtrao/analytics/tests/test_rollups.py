"""Roll-ups equal a brute-force sum, whatever the tree, the values and their history."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import (
    unit_completeness,
    unit_report,
    unit_totals,
    unit_totals_naive,
)
from phongtrao.data.models import DataValue
from phongtrao.data.services import ValueConflict, datavalue_save, period_get, target_set
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.services import editions_ensure, unit_create

PERIODS = ["202301", "202302", "202306", "202312", "2023Q1", "2023Q3", "2023S2", "2023", "202401"]
ASKED = ["2023", "2023S1", "2023S2", "2023Q1", "2023Q4", "202306", "2024", "2023April"]
CODES = ["TH_HD", "HV_TONG", "NGHEO_DN", "VAY_DUNO"]  # sum, last, first, last (money)

tree_shapes = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12)
operations = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),  # unit index (modulo tree size)
        st.sampled_from(CODES),
        st.sampled_from(PERIODS),
        st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    ),
    min_size=1,
    max_size=40,
)

counter = iter(range(10**9))


def random_tree(shape: list[int], root_level: int = Level.PROVINCE) -> list[Unit]:
    """A unit (a province unless told) with units below it; each entry of `shape` picks the
    parent of one unit."""
    old, _ = editions_ensure()
    run = next(counter)
    root = unit_create(edition=old, code=f"P{run}", name="Gốc", level=root_level)
    units = [root]
    for i, parent_pick in enumerate(shape):
        parent = units[parent_pick % len(units)]
        if parent.level >= Level.GROUP:
            parent = root
        units.append(
            unit_create(
                edition=old,
                code=f"P{run}-{i}",
                name=f"Đơn vị {i}",
                level=parent.level + 1,
                parent=parent,
            )
        )
    return units


def apply_history(units: list[Unit], ops, indicators_by_code) -> None:
    """Saves, updates and deletes (value None) in the given order."""
    for unit_pick, code, period, value in ops:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators_by_code[code],
            unit=units[unit_pick % len(units)],
            period=period_get(period),
            value=None if value is None else Decimal(value),
        )


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(shape=tree_shapes, ops=operations)
def test_rollups_equal_brute_force_sums(shape, ops, indicators_by_code):
    units = random_tree(shape)
    apply_history(units, ops, indicators_by_code)
    wanted = [indicators_by_code[c] for c in CODES]
    for unit in units:
        for asked in ASKED:
            assert unit_totals(unit, asked, wanted) == unit_totals_naive(unit, asked, wanted)


@pytest.fixture
def indicators_by_code(django_db_blocker):
    from phongtrao.catalog.models import Indicator

    with django_db_blocker.unblock():
        return {i.code: i for i in Indicator.objects.all()}


def test_report_compares_with_last_year_and_targets(small_tree, indicators):
    province = small_tree["province"]
    for year, value in [("2022", 1051), ("2023", 1293)]:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["VAY_DUNO"],
            unit=small_tree["c1"],
            period=period_get(year),
            value=Decimal(value) * 10**9,
        )
    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["HV_KETNAP"],
        unit=small_tree["c2"],
        period=period_get("2023"),
        value=Decimal(4677),
    )
    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["HV_GIAM"],
        unit=small_tree["c3"],
        period=period_get("2023"),
        value=Decimal(583),
    )
    target_set(
        actor=SYSTEM,
        indicator=indicators["HV_PTM"],
        unit=province,
        period=period_get("2023"),
        value=Decimal(2100),
    )
    for year, value in [("2021", 10), ("2022", 15), ("2023", 13)]:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["D8_DOITHOAI"],
            unit=small_tree["c3"],
            period=period_get(year),
            value=Decimal(value),
        )
    target_set(
        actor=SYSTEM,
        indicator=indicators["D8_DOITHOAI"],
        unit=province,
        phase="2021-2025",
        value=Decimal(46),
    )
    rows = {
        r.indicator.code: r
        for r in unit_report(
            province,
            "2023",
            [indicators["VAY_DUNO"], indicators["HV_PTM"], indicators["D8_DOITHOAI"]],
        )
    }
    assert rows["VAY_DUNO"].change == 242 * 10**9
    assert rows["HV_PTM"].value == 4094
    assert round(rows["HV_PTM"].achievement_pct) == 195
    assert rows["D8_DOITHOAI"].target_phase == "2021-2025"
    assert round(rows["D8_DOITHOAI"].achievement_pct) == 83  # (10 + 15 + 13) / 46


def test_completeness_lists_who_has_not_reported(small_tree, indicators):
    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["TH_HD"],
        unit=small_tree["c1"],
        period=period_get("202305"),
        value=Decimal(1),
    )
    district = unit_completeness(small_tree["d1"], "2023")
    assert [u.name for u in district.reported] == ["Xã A"]
    assert [u.name for u in district.missing] == ["Xã B"]
    province = unit_completeness(small_tree["province"], "2023")
    assert (len(province.reported), province.expected) == (1, 2)


def test_a_report_costs_a_fixed_number_of_queries(
    small_tree, indicators, django_assert_max_num_queries
):
    wanted = list(indicators.values())
    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["TH_HD"],
        unit=small_tree["c1"],
        period=period_get("2023"),
        value=Decimal(1),
    )
    # periods (3 when last year is new), roll-ups and own values for both years, targets
    with django_assert_max_num_queries(8):
        unit_report(small_tree["province"], "2023", wanted)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_of_one_value_conflict_instead_of_losing_one(small_tree, indicators):
    hd, unit, period = indicators["TH_HD"], small_tree["c1"], period_get("2023")
    datavalue_save(actor=SYSTEM, indicator=hd, unit=unit, period=period, value=Decimal(1))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(value: int) -> None:
        try:
            barrier.wait()
            datavalue_save(
                actor=SYSTEM,
                indicator=hd,
                unit=unit,
                period=period,
                value=Decimal(value),
                expected_version=1,
            )
            outcomes.append(f"saved {value}")
        except ValueConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(v,)) for v in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "conflict" and sorted(outcomes)[1].startswith("saved")
    stored = DataValue.objects.get(unit=unit, indicator=hd, period=period)
    assert stored.version == 2
    assert f"saved {stored.value:.0f}" in outcomes
    assert unit_totals(small_tree["province"], "2023", [hd])[hd.pk].value == stored.value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_in_many_units_lose_no_roll_up(small_tree, indicators):
    hd = indicators["TH_HD"]
    communes = [small_tree["c1"], small_tree["c2"], small_tree["c3"]]
    months = [f"2023{m:02d}" for m in range(1, 13)]
    periods = {m: period_get(m) for m in months}
    barrier = threading.Barrier(len(communes))
    errors: list[BaseException] = []

    def work(unit) -> None:
        try:
            barrier.wait()
            for m in months:
                datavalue_save(
                    actor=SYSTEM, indicator=hd, unit=unit, period=periods[m], value=Decimal(10)
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in communes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    total = unit_totals(small_tree["vn"], "2023", [hd])[hd.pk]
    assert (total.value, total.count) == (360, 36)


@pytest.mark.django_db
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    shape=tree_shapes,
    ops=operations,
    # A chi hội as a root: units with a parent and no keeping ancestor.
    root_level=st.sampled_from([Level.PROVINCE, Level.PROVINCE, Level.BRANCH]),
    # One unit a chunk, a few, or all in one (the default's size at this scale).
    chunk_units=st.sampled_from([None, 1, 4]),
)
def test_rebuild_gives_the_rows_the_incremental_path_keeps(
    shape, ops, root_level, chunk_units, indicators_by_code
):
    from phongtrao.analytics.models import Activity, Rollup
    from phongtrao.analytics.rebuild import rollups_rebuild

    apply_history(random_tree(shape, root_level), ops, indicators_by_code)

    def rows():
        rollups = {
            (r.unit_id, r.indicator_id, r.period_id): (r.value, r.count)
            for r in Rollup.objects.all()
            if r.count
        }
        activity = {(a.unit_id, a.period_id): a.count for a in Activity.objects.all() if a.count}
        return rollups, activity

    incremental = rows()
    rollups_rebuild(chunk_units)
    assert rows() == incremental
