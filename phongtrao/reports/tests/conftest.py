"""A small province with figures chosen to exercise every kind of sentence of the report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalues_save, period_get, target_set

# Values entered by the communes (Xã C, under Huyện Hai, reports nothing).
VALUES_2023 = {
    "c1": {
        "TH_HD": 200,
        "TH_KP": 2_100_000_000,
        "GD_HD": 437,
        "GD_LUOT": 32_480,
        "MDD_COVID_TONG": 12,
        "MDD_COVID": 12,
        "NHA_SUA": 3,
        "NHA_VS": 3,
        "VAY_DUNO": 1_292_870_000_000,
        "THOAT_NGHEO": 1129,
        "THOAT_NGHEO_DTTS": 579,
        "THOAT_NGHEO_CH": 498,
        "THOAT_CANNGHEO": 488,
        "THOAT_CANNGHEO_DTTS": 138,
        "THOAT_CANNGHEO_CH": 147,
        "HV_KETNAP": 4000,
        "HV_GIAM": 500,
        "D8_TO_TT": 46,
        "BC_KP": 4_850_300_000,
    },
    "c2": {"TH_HD": 237, "TH_KP": 2_136_500_000, "HV_KETNAP": 677, "HV_GIAM": 83},
}
VALUES_2022 = {"c1": {"VAY_DUNO": 1_050_870_000_000, "TH_HD": 300}}


@pytest.fixture
def report_tree(small_tree, indicators):
    """`small_tree` with 2023 and 2022 values and the province's targets."""
    for code, by_unit in (("2023", VALUES_2023), ("2022", VALUES_2022)):
        period = period_get(code)
        for unit_key, values in by_unit.items():
            datavalues_save(
                actor=SYSTEM,
                unit=small_tree[unit_key],
                period=period,
                values={indicators[c]: Decimal(v) for c, v in values.items()},
            )
    province = small_tree["province"]
    year = period_get("2023")
    target_set(
        actor=SYSTEM,
        indicator=indicators["HV_PTM"],
        unit=province,
        value=Decimal(2100),
        period=year,
    )
    target_set(
        actor=SYSTEM,
        indicator=indicators["GIAMNGHEO"],
        unit=province,
        value=Decimal(350),
        period=year,
    )
    target_set(
        actor=SYSTEM,
        indicator=indicators["D8_TO_TT"],
        unit=province,
        value=Decimal(46),
        phase="2021-2025",
    )
    target_set(
        actor=SYSTEM,
        indicator=indicators["CS_TOT_TL"],
        unit=province,
        value=Decimal(90),
        phase="2021-2025",
    )
    return small_tree
