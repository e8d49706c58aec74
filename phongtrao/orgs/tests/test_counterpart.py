"""Which unit stands for another in the other structure, and which structure a report uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from phongtrao.orgs.mapping import mapping_rebuild
from phongtrao.orgs.models import Edition, Succession, SuccessionKind, Unit
from phongtrao.orgs.selectors import edition_for_period, unit_counterpart

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(tree):
    Succession.objects.create(
        predecessor=tree.binh_phuoc,
        successor=tree.dong_nai_new,
        kind=SuccessionKind.MERGE,
        weight=Decimal(1),
        effective=tree.new.valid_from,
    )
    mapping_rebuild()
    return tree


def test_the_same_code_else_where_the_figures_went_else_the_parents(history):
    assert unit_counterpart(history.dong_nai_old, "2025") == history.dong_nai_new
    assert unit_counterpart(history.binh_phuoc, "2025") == history.dong_nai_new
    # An abolished district stands for nothing itself: its province's counterpart.
    assert unit_counterpart(history.loc_ninh, history.new) == history.dong_nai_new
    assert unit_counterpart(history.dong_nai_new, "2008") == history.dong_nai_old
    with pytest.raises(Edition.DoesNotExist):
        unit_counterpart(history.binh_phuoc, "1999")
    orphan = Unit.objects.create(
        uid="Aaaaaaaaaaa",
        code="X",
        name="X",
        level=1,
        edition=history.old,
        valid_from=history.old.valid_from,
        path="/0/",
    )
    with pytest.raises(Unit.DoesNotExist):
        unit_counterpart(orphan, "2025")


def test_the_structure_of_a_period_by_default_by_code_or_by_date(history):
    assert edition_for_period(dt.date(2023, 12, 31)).code == "2008"
    assert edition_for_period(dt.date(2025, 12, 31)).code == "2025"
    assert edition_for_period(dt.date(2023, 12, 31), "2025").code == "2025"
    assert edition_for_period(dt.date(2023, 12, 31), dt.date(2025, 7, 1)).code == "2025"
    with pytest.raises(Edition.DoesNotExist, match="1999"):
        edition_for_period(dt.date(2023, 12, 31), "1999")
