"""Completeness across a reorganisation: the reporting units of the structure the data were
entered on count for the unit that stands for them on the other structure."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.actors import SYSTEM
from phongtrao.analytics.selectors import unit_completeness
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_structures(small_tree_2025, indicators):
    """`small_tree_2025`; Xã A and Xã C reported 2023."""
    for commune in ("c1", "c3"):
        datavalues_save(
            actor=SYSTEM,
            unit=small_tree_2025[commune],
            period=period_get("2023"),
            values={indicators["TT_DOT"]: Decimal(10)},
        )
    return small_tree_2025


def names(units):
    return [u.name for u in units]


def test_the_new_province_counts_the_old_communes_for_2023(two_structures):
    done = unit_completeness(two_structures["new_province"], "2023")
    assert (done.expected, done.carried, done.carried_era) == (3, 3, -1)
    assert names(done.reported) == ["Xã A", "Xã C"] and names(done.missing) == ["Xã B"]


def test_a_new_commune_counts_the_old_communes_it_came_from(two_structures):
    north = unit_completeness(two_structures["north"], "2023")
    assert names(north.reported) == ["Xã A", "Xã C"] and names(north.missing) == ["Xã B"]
    south = unit_completeness(two_structures["south"], "2023")
    assert (names(south.reported), south.expected) == (["Xã C"], 1)


def test_the_same_structure_is_unchanged(two_structures):
    done = unit_completeness(two_structures["province"], "2023")
    assert (done.expected, done.carried) == (2, 0)
    assert names(done.reported) == ["Huyện Một", "Huyện Hai"]
    assert unit_completeness(two_structures["new_province"], "2026").expected == 2


def test_the_queries_do_not_grow_with_the_units(two_structures):
    province = two_structures["new_province"]
    with CaptureQueriesContext(connection) as few:
        unit_completeness(province, "2023")
    district = two_structures["d1"]
    for n in range(20):
        unit_create(
            edition=district.edition,
            code=f"T-701{n:02d}X",
            name=f"Xã thêm {n}",
            level=Level.COMMUNE,
            parent=district,
        )
    with CaptureQueriesContext(connection) as many:
        done = unit_completeness(province, "2023")
    assert done.expected == 23
    assert len(many.captured_queries) == len(few.captured_queries) <= 7
