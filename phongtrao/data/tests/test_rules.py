from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.data.services import datavalues_save, period_get
from phongtrao.data.validation import rules_run

pytestmark = pytest.mark.django_db


def test_rules_across_indicators(small_tree, indicators):
    datavalues_save(
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
        unit=unit, period=period_get("2022"), values={indicators["HV_TONG"]: Decimal(176739)}
    )
    datavalues_save(
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
        unit=unit, period=period_get("2023"), values={indicators["HV_GIAM"]: Decimal(584)}
    )
    assert [v.rule.code for v in rules_run(small_tree["province"], "2023")] == ["HV_TONG_BIEN_DONG"]
