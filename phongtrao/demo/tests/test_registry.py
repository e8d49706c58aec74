"""The demo's member registry holds the seed's members, and the figures come from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.demo.binh_phuoc import demo_communes, demo_province
from phongtrao.demo.registry import RegistryLoadResult, demo_registry_load
from phongtrao.members.figures import members_count, registry_keeps
from phongtrao.members.models import Member

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
CODES = ("HV_TONG", "HV_KETNAP", "HV_GIAM", "HV_DIABAN", "HV_PTM")


@pytest.fixture
def loaded(full_demo) -> RegistryLoadResult:
    """The registry as `load_demo` fills it, on the shared demo (conftest.py's `full_demo`)."""
    registry: RegistryLoadResult = full_demo.registry
    return registry


def totals(unit, year):
    catalog = indicators_by_code()
    found = unit_totals(unit, year, [catalog[c] for c in CODES])
    return {c: found[catalog[c].pk].value for c in CODES}


def test_province_figures_are_the_seeds_from_the_registry(loaded):
    province = demo_province()
    assert loaded.created and loaded.communes == 111
    assert totals(province, "2023") == {
        "HV_TONG": 180833, "HV_KETNAP": 4677, "HV_GIAM": 583, "HV_DIABAN": 111062, "HV_PTM": 4094
    }  # fmt: skip
    assert totals(province, "2022")["HV_TONG"] == 176739
    assert members_count(province, dt.date(2023, 12, 31)) == 180833
    assert registry_keeps(province)


def test_every_commune_and_district_counts_what_its_registry_holds(loaded):
    province = demo_province()
    communes = demo_communes(province)
    for unit in [*communes[::10], *{c.parent for c in communes}]:
        year = totals(unit, "2023")
        assert year["HV_TONG"] == members_count(unit, dt.date(2023, 12, 31)), unit.name
        before = totals(unit, "2022")["HV_TONG"]
        assert year["HV_TONG"] == before + year["HV_KETNAP"] - year["HV_GIAM"], unit.name


def test_names_are_vietnamese_and_loading_again_changes_nothing(loaded):
    sample = Member.objects.order_by("pk").first()
    assert sample is not None and len(sample.full_name.split()) >= 3
    again = demo_registry_load()
    assert not again.created and again.members == Member.objects.count()


def test_hand_entry_of_membership_refused_for_demo_communes(loaded):
    commune = demo_communes(demo_province())[0]
    with pytest.raises(ValidationError):
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators_by_code()["HV_TONG"],
            unit=commune,
            period=period_get("2023"),
            value=Decimal(1),
        )
