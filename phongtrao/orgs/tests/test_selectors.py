from __future__ import annotations

import datetime as dt

import pytest

from phongtrao.orgs.models import Edition, Level, Unit
from phongtrao.orgs.selectors import (
    edition_at,
    unit_ancestors,
    unit_children,
    unit_descendants,
    unit_resolve,
)
from phongtrao.orgs.services import unit_create

pytestmark = pytest.mark.django_db


def test_edition_at_picks_the_edition_in_force(editions):
    old, new = editions
    assert edition_at(dt.date(2023, 12, 31)) == old
    assert edition_at(dt.date(2025, 6, 30)) == old
    assert edition_at(dt.date(2025, 7, 1)) == new
    assert edition_at(dt.date(2026, 12, 31)) == new
    with pytest.raises(Edition.DoesNotExist, match="Không có phiên bản cơ cấu nào có hiệu lực"):
        edition_at(dt.date(2000, 1, 1))


def test_unit_resolve_picks_the_unit_by_date(tree):
    assert unit_resolve("70", dt.date(2023, 12, 31)) == tree.binh_phuoc
    assert unit_resolve("75", dt.date(2023, 12, 31)) == tree.dong_nai_old
    assert unit_resolve("75", dt.date(2025, 6, 30)) == tree.dong_nai_old
    assert unit_resolve("75", dt.date(2025, 7, 1)) == tree.dong_nai_new
    assert unit_resolve("75", dt.date(2026, 12, 31)) == tree.dong_nai_new


def test_unit_resolve_raises_in_vietnamese_when_no_unit_covers_the_day(tree):
    with pytest.raises(Unit.DoesNotExist) as caught:
        unit_resolve("70", dt.date(2026, 12, 31))
    assert str(caught.value) == "Không có đơn vị mã “70” có hiệu lực ngày 31/12/2026."


def test_unit_resolve_honours_the_units_own_validity(tree):
    unit_create(
        edition=tree.old,
        code="25999",
        name="Xã Mới Lập",
        level=Level.COMMUNE,
        parent=tree.loc_ninh,
        valid_from=dt.date(2020, 1, 1),
    )
    assert unit_resolve("25999", dt.date(2020, 1, 1)).name == "Xã Mới Lập"
    with pytest.raises(Unit.DoesNotExist):
        unit_resolve("25999", dt.date(2019, 12, 31))


def test_unit_descendants_by_path_prefix(tree):
    assert list(unit_descendants(tree.binh_phuoc)) == [
        tree.binh_phuoc,
        tree.loc_ninh,
        tree.loc_thai,
        tree.loc_hiep,
    ]
    assert set(unit_descendants(tree.loc_ninh, include_self=False)) == {
        tree.loc_thai,
        tree.loc_hiep,
    }
    assert list(unit_descendants(tree.loc_thai, include_self=False)) == []


def test_unit_descendants_does_not_confuse_ids_sharing_digits(tree):
    # "/1/" must not match "/11/": the prefix always ends with a slash.
    units = {unit.pk for unit in unit_descendants(tree.vn)}
    assert tree.vn_new.pk not in units
    assert tree.dong_nai_new.pk not in units


def test_unit_children_in_code_order(tree):
    assert list(unit_children(tree.vn)) == [tree.binh_phuoc, tree.dong_nai_old]
    assert list(unit_children(tree.loc_ninh)) == [tree.loc_thai, tree.loc_hiep]
    assert list(unit_children(tree.loc_thai)) == []


def test_unit_ancestors_root_first(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert unit_ancestors(tree.loc_thai) == [tree.vn, tree.binh_phuoc, tree.loc_ninh]
    with django_assert_num_queries(0):
        assert unit_ancestors(tree.vn) == []
