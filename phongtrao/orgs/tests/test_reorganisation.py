"""Merging and splitting commune unions and chi hội: the past stays, the new units inherit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals, unit_totals_naive
from phongtrao.audit.models import AuditLog
from phongtrao.catalog.models import Indicator
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.orgs.models import Kind, Level, Succession, SuccessionKind, Unit
from phongtrao.orgs.reorganisation import unit_merge, unit_split
from phongtrao.orgs.services import editions_ensure, unit_create

MERGE_DAY = dt.date(2024, 3, 1)


def save(unit: Unit, period: str, values: dict[Indicator, int]) -> None:
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get(period),
        values={i: Decimal(v) for i, v in values.items()},
    )


def branch(parent: Unit, code: str) -> Unit:
    return unit_create(
        edition=parent.edition,
        code=code,
        name=f"Chi hội {code}",
        level=Level.BRANCH,
        kind=Kind.BRANCH,
        parent=parent,
    )


def test_a_merge_keeps_the_past_and_gives_the_new_union_its_sources(
    small_tree, indicators, province_officer
):
    c1, c2, d1 = small_tree["c1"], small_tree["c2"], small_tree["d1"]
    b1 = branch(c1, "B1")
    activities = indicators["TH_HD"]
    save(c1, "2023", {activities: 10})
    save(b1, "2023", {activities: 5})
    save(c2, "2023", {activities: 7})
    before = {u.pk: unit_totals(u, "2023", [activities]) for u in (c1, c2, d1, b1)}

    merged = unit_merge(
        into="Xã A-B",
        units=[c1, c2],
        effective=MERGE_DAY,
        user=province_officer,
        reason="Nghị quyết sáp nhập của Ban Thường vụ",
    )

    for unit in (c1, c2, d1, b1):
        unit.refresh_from_db()
        assert unit_totals(unit, "2023", [activities]) == before[unit.pk]
    assert c1.valid_to == dt.date(2024, 2, 29) and b1.valid_to == dt.date(2024, 2, 29)
    assert (merged.parent_id, merged.valid_from, merged.level) == (d1.pk, MERGE_DAY, c1.level)
    total = unit_totals(merged, "2023", [activities])[activities.pk]
    assert (total.value, total.estimated) == (22, False)
    # The chi hội carried on under the new union, with its past.
    [copy] = Unit.objects.filter(parent=merged)
    assert (
        copy.name == b1.name and unit_totals(copy, "2023", [activities])[activities.pk].value == 5
    )
    assert Succession.objects.filter(successor=merged, kind=SuccessionKind.MERGE).count() == 2
    log = AuditLog.objects.get(action="unit_merge")
    assert log.user == province_officer and "Nghị quyết sáp nhập" in log.detail
    assert "Xã A, Xã B" in log.detail


def test_a_split_shares_the_past_out_as_estimates(small_tree, indicators, province_officer):
    c3, d2 = small_tree["c3"], small_tree["d2"]
    activities = indicators["TH_HD"]
    save(c3, "2023", {activities: 100})
    north, south = unit_split(
        unit=c3,
        into=[("Xã C Bắc", Decimal("0.6")), ("Xã C Nam", Decimal("0.4"))],
        effective=MERGE_DAY,
        user=province_officer,
        reason="Chia tách theo đề án",
    )
    assert unit_totals(c3, "2023", [activities])[activities.pk].value == 100
    parts = [unit_totals(u, "2023", [activities])[activities.pk] for u in (north, south)]
    assert [(p.value, p.estimated, p.sources) for p in parts] == [
        (60, True, (c3.pk,)),
        (40, True, (c3.pk,)),
    ]
    # The district holds both parts and the old commune: exact, and counted once.
    total = unit_totals(d2, "2023", [activities])[activities.pk]
    assert (total.value, total.estimated) == (100, False)
    # New data on the old structure: both parts came only from Xã C, so it is exact there.
    save(north, "2024Q4", {activities: 8})
    save(south, "2024Q4", {activities: 2})
    c3.refresh_from_db()
    back = unit_totals(c3, "2024Q4", [activities])[activities.pk]
    assert (back.value, back.estimated) == (10, False)
    assert AuditLog.objects.filter(action="unit_split", detail__contains="0,6").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": " "}, "lý do"),
        ({"effective": dt.date(2026, 1, 1)}, "ngoài thời gian hiệu lực"),
        ({"effective": dt.date(2008, 8, 1)}, "đang hoạt động"),
    ],
)
def test_a_merge_that_cannot_be_done_changes_nothing(small_tree, kwargs, message):
    arguments = {
        "into": "Xã mới",
        "units": [small_tree["c1"], small_tree["c2"]],
        "effective": MERGE_DAY,
        "user": None,
        "reason": "Sáp nhập",
        **kwargs,
    }
    units_before = Unit.objects.count()
    with pytest.raises(ValidationError, match=message):
        unit_merge(**arguments)
    assert Unit.objects.count() == units_before and not Succession.objects.exists()


def test_units_of_different_parents_or_bad_weights_are_refused(small_tree):
    with pytest.raises(ValidationError, match="cùng đơn vị cấp trên"):
        unit_merge(
            into="X",
            units=[small_tree["c1"], small_tree["c3"]],
            effective=MERGE_DAY,
            user=SYSTEM,
            reason="r",
        )
    with pytest.raises(ValidationError, match="cộng lại bằng 1"):
        unit_split(
            unit=small_tree["c3"],
            into=[("X", Decimal("0.5")), ("Y", Decimal("0.4"))],
            effective=MERGE_DAY,
            user=SYSTEM,
            reason="r",
        )
    with pytest.raises(ValidationError, match="cơ sở Hội, chi hội"):
        unit_split(
            unit=small_tree["d1"],
            into=[("X", Decimal("0.5")), ("Y", Decimal("0.5"))],
            effective=MERGE_DAY,
            user=SYSTEM,
            reason="r",
        )


# --- The property: random trees, random values, random merge and split histories ---------

CODES = ("TH_HD", "MDD_TRE")  # a sum and a stock
ASKED = ("2023", "2023Q2")
run_numbers = iter(range(10**9))

trees = st.lists(st.integers(min_value=0, max_value=3), min_size=2, max_size=5)
values = st.lists(
    st.tuples(st.integers(0, 30), st.sampled_from(CODES), st.sampled_from(["202305", "2023Q4"])),
    min_size=1,
    max_size=15,
).map(lambda ops: [(u, c, p, (u * 37 + len(c) * 11) % 1000 + 1) for u, c, p in ops])
histories = st.lists(
    st.tuples(
        st.sampled_from(["merge", "split"]),
        st.integers(0, 100),
        st.integers(0, 100),
        st.lists(st.integers(1, 9), min_size=2, max_size=3),
    ),
    min_size=1,
    max_size=4,
)


def random_tree(branches: list[int]) -> tuple[Unit, list[Unit]]:
    """A district with a commune union per entry, each with that many chi hội."""
    old, _ = editions_ensure()
    run = next(run_numbers)
    district = unit_create(edition=old, code=f"H{run}", name="Huyện", level=Level.DISTRICT)
    units: list[Unit] = []
    for i, count in enumerate(branches):
        commune = unit_create(
            edition=old, code=f"H{run}-{i}", name=f"Xã {i}", level=Level.COMMUNE, parent=district
        )
        units.append(commune)
        units += [branch(commune, f"H{run}-{i}-{n}") for n in range(count)]
    return district, units


def shares(parts: list[int]) -> list[Decimal]:
    total = sum(parts)
    weights = [Decimal(p * 100 // total) / 100 for p in parts[:-1]]
    weights = [max(w, Decimal("0.01")) for w in weights]
    return [*weights, Decimal(1) - sum(weights)]


def apply_reorganisations(district: Unit, history) -> None:
    for step, (kind, pick, other, parts) in enumerate(history):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=20 * step + 1)
        open_units = list(
            Unit.objects.filter(path__startswith=district.path, level__gt=district.level)
            .exclude(valid_to__lt=day)
            .order_by("path")
        )
        chosen = open_units[pick % len(open_units)]
        weights = shares(parts)
        if kind == "split" and all(w > 0 for w in weights):
            names = [(f"Tách {step}-{n}", w) for n, w in enumerate(weights)]
            unit_split(unit=chosen, into=names, effective=day, user=SYSTEM, reason="thử")
            continue
        siblings = [u for u in open_units if u.parent_id == chosen.parent_id and u != chosen]
        if siblings:
            partner = siblings[other % len(siblings)]
            unit_merge(
                into=f"Hợp {step}",
                units=[chosen, partner],
                effective=day,
                user=SYSTEM,
                reason="thử",
            )


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(tree=trees, entries=values, history=histories)
def test_reorganisations_keep_the_past_and_new_units_sum_their_sources(
    tree, entries, history, indicators_by_code
):
    district, units = random_tree(tree)
    wanted = [indicators_by_code[c] for c in CODES]
    for pick, code, period, value in entries:
        save(units[pick % len(units)], period, {indicators_by_code[code]: value})
    before = {
        (u.pk, asked): unit_totals(u, asked, wanted) for u in [district, *units] for asked in ASKED
    }
    apply_reorganisations(district, history)

    # On the past structure every total is unchanged.
    for unit in [district, *units]:
        unit.refresh_from_db()
        for asked in ASKED:
            assert unit_totals(unit, asked, wanted) == before[(unit.pk, asked)]
    # On the new structure a new unit's past equals the weighted sum of its sources.
    new_units = Unit.objects.filter(
        path__startswith=district.path, valid_from__gt=district.valid_from
    )
    for unit in new_units:
        sources = list(Succession.objects.filter(successor=unit).select_related("predecessor"))
        for asked in ASKED:
            got = unit_totals(unit, asked, wanted)
            assert got == unit_totals_naive(unit, asked, wanted)
            of_sources = [(unit_totals(s.predecessor, asked, wanted), s.weight) for s in sources]
            for indicator in wanted:
                expected = sum(
                    (totals[indicator.pk].value * weight for totals, weight in of_sources),
                    Decimal(0),
                )
                # Estimates of whole-number indicators are rounded once per total.
                slack = Decimal("0.5") * (len(sources) + 1)
                assert abs(got[indicator.pk].value - expected) <= slack, (unit, asked)
    # And the whole district is conserved: today's commune unions add up to its total.
    today = dt.date(2025, 6, 1)
    communes = Unit.objects.filter(
        path__startswith=district.path, level=Level.COMMUNE, valid_from__lte=today
    ).exclude(valid_to__lt=today)
    activities = indicators_by_code["TH_HD"]
    total = sum(
        (unit_totals(c, "2023", [activities])[activities.pk].value for c in communes), Decimal(0)
    )
    whole = before[(district.pk, "2023")][activities.pk].value
    assert abs(total - whole) <= Decimal("0.5") * communes.count()


@pytest.fixture
def indicators_by_code(django_db_blocker) -> dict[str, Indicator]:
    with django_db_blocker.unblock():
        return {i.code: i for i in Indicator.objects.all()}
