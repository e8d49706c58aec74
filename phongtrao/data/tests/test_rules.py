from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors.rules import rules_run
from phongtrao.data.services import datavalues_save, period_get

pytestmark = pytest.mark.django_db


def test_rules_across_indicators(small_tree, indicators):
    datavalues_save(
        actor=SYSTEM,
        unit=small_tree["c1"],
        period=period_get("2023"),
        values={
            indicators["HG_VU"]: Decimal(10),
            indicators["HG_THANH"]: Decimal(8),
            indicators["HG_CHUYEN"]: Decimal(5),
        },
    )
    violations = rules_run(small_tree["province"], "2023")
    assert [v.rule.code for v in violations] == ["HG_THANH_CHUYEN_LE_VU"]
    assert "vế trái 13, vế phải 10" in violations[0].message


def test_rules_across_periods_on_membership_stock(small_tree, indicators):
    unit = small_tree["c1"]
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get("2022"),
        values={indicators["HV_TONG"]: Decimal(176739)},
    )
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get("2023"),
        values={
            indicators["HV_TONG"]: Decimal(180833),
            indicators["HV_KETNAP"]: Decimal(4677),
            indicators["HV_GIAM"]: Decimal(583),
        },
    )
    assert rules_run(unit, "2023") == []
    datavalues_save(
        actor=SYSTEM,
        unit=unit,
        period=period_get("2023"),
        values={indicators["HV_GIAM"]: Decimal(584)},
    )
    assert [v.rule.code for v in rules_run(small_tree["province"], "2023")] == ["HV_TONG_BIEN_DONG"]


@pytest.mark.parametrize(
    ("code", "typed", "expected"),
    [
        ("TT_DOT", "1.633", Decimal(1633)),
        ("TT_LUOT", "116.572", Decimal(116572)),
        ("TH_KP", "4.236.500.000", Decimal(4236500000)),
        ("CS_TOT_TL", "90%", Decimal(90)),
        ("CS_TOT_TL", "87,5", Decimal("87.5")),
    ],
)
def test_values_read_as_vietnamese_users_type_them(indicators, code, typed, expected):
    from phongtrao.data.validation import parse_value

    assert parse_value(indicators[code], typed) == expected


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("TT_DOT", "4,200", "4.200"),  # ambiguous: 4,2 or 4.200
        ("TT_DOT", "1.63", "phân cách hàng nghìn"),
        ("TT_DOT", "4,2", "số nguyên"),
        ("TT_DOT", "-3", "không được âm"),
        ("TT_DOT", "mười", "Không đọc được"),
    ],
)
def test_ambiguous_or_malformed_entries_are_refused(indicators, code, typed, message):
    from phongtrao.data.validation import parse_value

    with pytest.raises(ValueError, match=message):
        parse_value(indicators[code], typed)
