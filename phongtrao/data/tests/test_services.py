from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals
from phongtrao.data.models import DataValueAudit, Target
from phongtrao.data.services import (
    ValueConflict,
    datavalue_save,
    datavalues_save,
    period_get,
    target_set,
    targets_set,
)

pytestmark = pytest.mark.django_db


def test_saved_value_is_in_every_total_at_once(small_tree, indicators):
    hd = indicators["TH_HD"]
    datavalue_save(
        actor=SYSTEM,
        indicator=hd,
        unit=small_tree["c1"],
        period=period_get("202303"),
        value=Decimal(7),
    )
    datavalue_save(
        actor=SYSTEM,
        indicator=hd,
        unit=small_tree["c3"],
        period=period_get("2023Q2"),
        value=Decimal(5),
    )
    for unit, expected in [("c1", 7), ("d1", 7), ("d2", 5), ("province", 12), ("vn", 12)]:
        assert unit_totals(small_tree[unit], "2023", [hd])[hd.pk].value == expected
    assert unit_totals(small_tree["province"], "2023Q1", [hd])[hd.pk].value == 7
    assert unit_totals(small_tree["province"], "2023S1", [hd])[hd.pk].value == 12
    assert unit_totals(small_tree["province"], "2022", [hd])[hd.pk].count == 0


def test_every_change_is_kept_with_old_and_new(small_tree, indicators, commune_officer):
    hd, unit, period = indicators["TH_HD"], small_tree["c1"], period_get("2023")
    datavalue_save(indicator=hd, unit=unit, period=period, value=Decimal(3), actor=commune_officer)
    datavalue_save(
        actor=SYSTEM, indicator=hd, unit=unit, period=period, value=Decimal(4), expected_version=1
    )
    datavalue_save(
        actor=SYSTEM, indicator=hd, unit=unit, period=period, value=None, expected_version=2
    )
    history = list(DataValueAudit.objects.filter(unit=unit, indicator=hd).order_by("id"))
    assert [(h.action, h.old_value, h.new_value) for h in history] == [
        ("create", None, 3),
        ("update", 3, 4),
        ("delete", 4, None),
    ]
    assert history[0].user == commune_officer
    assert unit_totals(small_tree["province"], "2023", [hd])[hd.pk].count == 0


def test_saving_a_stale_version_is_a_conflict_and_writes_nothing(small_tree, indicators):
    hd, unit, period = indicators["TH_HD"], small_tree["c1"], period_get("2023")
    datavalue_save(
        actor=SYSTEM, indicator=hd, unit=unit, period=period, value=Decimal(3), expected_version=0
    )
    datavalue_save(
        actor=SYSTEM, indicator=hd, unit=unit, period=period, value=Decimal(4), expected_version=1
    )
    with pytest.raises(ValueConflict) as caught:
        datavalue_save(
            actor=SYSTEM,
            indicator=hd,
            unit=unit,
            period=period,
            value=Decimal(9),
            expected_version=1,
        )
    assert "đã lưu giá trị 4" in str(caught.value)
    assert unit_totals(small_tree["province"], "2023", [hd])[hd.pk].value == 4


def test_a_conflict_names_the_saved_figure_as_officials_write_it(small_tree, indicators):
    hd, unit, period = indicators["TH_HD"], small_tree["c1"], period_get("2023")
    datavalue_save(actor=SYSTEM, indicator=hd, unit=unit, period=period, value=Decimal(1633000))
    with pytest.raises(ValueConflict) as caught:
        datavalue_save(
            actor=SYSTEM,
            indicator=hd,
            unit=unit,
            period=period,
            value=Decimal(9),
            expected_version=0,
        )
    assert "đã lưu giá trị 1.633.000 lúc " in str(caught.value)


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("TH_HD", Decimal("2.5"), "phải là số nguyên"),
        ("TH_HD", Decimal(-1), "không được âm"),
        ("TH_KP", Decimal("1000.5"), "Số đồng phải là số nguyên"),
        ("CS_TOT_TL", Decimal(101), "từ 0 đến 100%"),
    ],
)
def test_values_of_the_wrong_type_are_refused(small_tree, indicators, code, value, message):
    with pytest.raises(ValidationError) as caught:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators[code],
            unit=small_tree["c1"],
            period=period_get("2023"),
            value=value,
        )
    assert message in str(caught.value)


def test_derived_indicators_are_not_entered(small_tree, indicators):
    with pytest.raises(ValidationError, match="công thức"):
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators["HV_PTM"],
            unit=small_tree["c1"],
            period=period_get("2023"),
            value=Decimal(1),
        )


def test_of_which_value_never_above_its_parent(small_tree, indicators):
    unit, period = small_tree["c1"], period_get("2023")
    vu, thanh = indicators["HG_VU"], indicators["HG_THANH"]
    with pytest.raises(ValidationError, match="không được lớn hơn"):
        datavalues_save(
            actor=SYSTEM, unit=unit, period=period, values={vu: Decimal(5), thanh: Decimal(6)}
        )
    datavalues_save(
        actor=SYSTEM, unit=unit, period=period, values={vu: Decimal(5), thanh: Decimal(5)}
    )
    with pytest.raises(ValidationError, match="không được lớn hơn"):
        datavalue_save(actor=SYSTEM, indicator=vu, unit=unit, period=period, value=Decimal(4))


def test_a_rejected_form_writes_nothing(small_tree, indicators):
    unit, period = small_tree["c1"], period_get("2023")
    with pytest.raises(ValidationError):
        datavalues_save(
            actor=SYSTEM,
            unit=unit,
            period=period,
            values={indicators["TH_HD"]: Decimal(5), indicators["TT_DOT"]: Decimal("-1")},
        )
    assert DataValueAudit.objects.count() == 0


def test_stocks_take_the_last_value_and_the_first(small_tree, indicators):
    members, poor = indicators["HV_TONG"], indicators["NGHEO_DN"]
    unit = small_tree["c1"]
    for month, count in [("202301", 100), ("202306", 120), ("202312", 130)]:
        datavalues_save(
            actor=SYSTEM,
            unit=unit,
            period=period_get(month),
            values={members: Decimal(count), poor: Decimal(count)},
        )
    totals = unit_totals(small_tree["province"], "2023", [members, poor])
    assert totals[members.pk].value == 130
    assert totals[poor.pk].value == 100
    assert unit_totals(small_tree["province"], "2023S1", [members])[members.pk].value == 120
    datavalue_save(
        actor=SYSTEM, indicator=members, unit=unit, period=period_get("202312"), value=None
    )
    assert unit_totals(small_tree["province"], "2023", [members])[members.pk].value == 120


def test_derived_indicator_from_its_formula(small_tree, indicators):
    datavalues_save(
        actor=SYSTEM,
        unit=small_tree["c2"],
        period=period_get("2023"),
        values={indicators["HV_KETNAP"]: Decimal(4677), indicators["HV_GIAM"]: Decimal(583)},
    )
    ptm = indicators["HV_PTM"]
    assert unit_totals(small_tree["province"], "2023", [ptm])[ptm.pk].value == 4094


def test_target_for_a_period_or_a_phase(small_tree, indicators):
    target_set(
        actor=SYSTEM,
        indicator=indicators["D8_TO_TT"],
        unit=small_tree["province"],
        value=Decimal(46),
        phase="2021-2025",
    )
    with pytest.raises(ValidationError):
        target_set(
            actor=SYSTEM,
            indicator=indicators["D8_TO_TT"],
            unit=small_tree["province"],
            value=Decimal(1),
        )


def test_targets_of_many_units_are_set_at_once_or_not_at_all(small_tree, indicators):
    ptm, period = indicators["HV_PTM"], period_get("2023")
    c1, c2, c3 = small_tree["c1"], small_tree["c2"], small_tree["c3"]
    targets_set(
        actor=SYSTEM, indicator=ptm, period=period, values={c1: Decimal(30), c2: Decimal(20)}
    )

    targets_set(
        actor=SYSTEM,
        indicator=ptm,
        period=period,
        values={c2: Decimal(25), c3: Decimal(10)},
        note="Nghị quyết Đại hội",
    )

    stored = {
        t.unit_id: (t.value, t.note) for t in Target.objects.filter(indicator=ptm, period=period)
    }
    assert stored == {
        c1.pk: (Decimal(30), ""),
        c2.pk: (Decimal(25), "Nghị quyết Đại hội"),
        c3.pk: (Decimal(10), "Nghị quyết Đại hội"),
    }
    with pytest.raises(ValidationError, match="âm"):
        targets_set(
            actor=SYSTEM, indicator=ptm, period=period, values={c1: Decimal(5), c2: Decimal(-1)}
        )
    assert Target.objects.get(indicator=ptm, period=period, unit=c1).value == 30


def test_bad_period_codes_are_refused():
    with pytest.raises(ValueError):
        period_get("2023Q5")
