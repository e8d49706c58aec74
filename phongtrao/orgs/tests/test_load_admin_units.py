"""`manage.py load_admin_units` on the real register of the vietnamadminunits package.

The units are the run's shared ones (conftest.py's `admin_units`: the command run once on the
empty test database, inside a transaction rolled back after the last test that uses them);
each test runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from phongtrao.orgs.models import Level, Succession, SuccessionKind, Unit
from phongtrao.orgs.selectors import unit_children, unit_descendants, unit_resolve

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def first_run(admin_units: str) -> str:
    """The command's output on an empty database."""
    return admin_units


def level_counts(edition_code: str) -> dict[int, int]:
    rows = (
        Unit.objects.filter(edition__code=edition_code)
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    )
    return {row["level"]: row["n"] for row in rows}


def unit(edition_code: str, code: str) -> Unit:
    return Unit.objects.get(edition__code=edition_code, code=code)


def test_loads_both_editions_with_the_expected_counts(first_run):
    assert level_counts("2008") == {0: 1, 1: 63, 2: 696, 3: 10_035}
    assert level_counts("2025") == {0: 1, 1: 34, 3: 3_321}
    assert "Xã, phường, thị trấn 10.035" in first_run
    assert "Xã, phường, thị trấn 3.321" in first_run
    assert "Bỏ qua: 0 mục không khớp được." in first_run


def test_central_units_carry_the_unions_name(first_run):
    for edition_code in ("2008", "2025"):
        central = unit(edition_code, "VN")
        assert (central.level, central.parent_id) == (Level.CENTRAL, None)
        assert central.union_name == "Hội Liên hiệp Phụ nữ Việt Nam"


def test_a_second_run_writes_nothing(first_run):
    successions_before = Succession.objects.count()
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_admin_units", stdout=out)
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    assert "Không có thay đổi" in out.getvalue()
    assert level_counts("2008") == {0: 1, 1: 63, 2: 696, 3: 10_035}
    assert level_counts("2025") == {0: 1, 1: 34, 3: 3_321}
    assert Succession.objects.count() == successions_before


def test_paths_follow_the_parents(first_run):
    units = Unit.objects.values_list("id", "parent_id", "path")
    paths = {pk: path for pk, _, path in units}
    wrong = [pk for pk, parent_id, path in units if path != f"{paths.get(parent_id, '/')}{pk}/"]
    assert wrong == []


def test_binh_phuoc_before_2025(first_run):
    binh_phuoc = unit_resolve("70", dt.date(2023, 12, 31))
    assert (binh_phuoc.name, binh_phuoc.edition.code) == ("Tỉnh Bình Phước", "2008")
    assert binh_phuoc.union_name == "Hội LHPN tỉnh Bình Phước"
    assert unit_children(binh_phuoc).count() == 11
    assert unit_descendants(binh_phuoc).filter(level=Level.COMMUNE).count() == 111

    loc_ninh = unit_children(binh_phuoc).get(name="Huyện Lộc Ninh")
    loc_thai = unit_children(loc_ninh).get(name="Xã Lộc Thái")
    assert loc_thai.code == "25297"
    assert loc_thai.union_name == "Hội LHPN xã Lộc Thái"


def test_dong_nai_is_resolved_by_date(first_run):
    old = unit_resolve("75", dt.date(2023, 12, 31))
    new = unit_resolve("75", dt.date(2026, 12, 31))
    assert (old.name, old.edition.code) == ("Tỉnh Đồng Nai", "2008")
    assert (new.name, new.edition.code) == ("Tỉnh Đồng Nai", "2025")
    assert unit_children(new).count() == 95
    with pytest.raises(Unit.DoesNotExist):
        unit_resolve("70", dt.date(2026, 12, 31))


def test_new_communes_have_their_area(first_run):
    new_communes = Unit.objects.filter(edition__code="2025", level=Level.COMMUNE)
    # The package lacks the area of Đông Trạch and Thượng Trạch (Quảng Trị) and gives 0 km²
    # for Kỳ Lừa (Lạng Sơn) and Mỹ Phước Tây (Đồng Tháp): stored as unknown.
    assert set(new_communes.filter(area_km2__isnull=True).values_list("name", flat=True)) == {
        "Xã Đông Trạch",
        "Xã Thượng Trạch",
        "Phường Kỳ Lừa",
        "Phường Mỹ Phước Tây",
    }
    assert new_communes.filter(area_km2__gt=0).count() == 3_317


def test_all_binh_phuoc_communes_go_to_the_new_dong_nai(first_run):
    binh_phuoc = unit("2008", "70")
    new_dong_nai = unit("2025", "75")
    successions = Succession.objects.filter(
        predecessor__path__startswith=binh_phuoc.path, predecessor__level=Level.COMMUNE
    ).select_related("successor")
    assert {s.predecessor_id for s in successions} == set(
        unit_descendants(binh_phuoc).filter(level=Level.COMMUNE).values_list("id", flat=True)
    )
    assert {s.successor.parent_id for s in successions} == {new_dong_nai.pk}
    # Per the package, no Bình Phước commune was split: each went whole into one of 40 new
    # communes, which took in no commune of the old Đồng Nai.
    assert {s.weight for s in successions} == {Decimal(1)}
    receiving = {s.successor_id for s in successions}
    assert len(receiving) == 40
    old_dong_nai = unit("2008", "75")
    assert not Succession.objects.filter(
        successor_id__in=receiving, predecessor__path__startswith=old_dong_nai.path
    ).exists()

    province = Succession.objects.get(predecessor=binh_phuoc)
    assert (province.successor, province.kind, province.weight) == (
        new_dong_nai,
        SuccessionKind.MERGE,
        Decimal(1),
    )
    assert province.effective == dt.date(2025, 7, 1)


def test_every_old_commune_passes_on_exactly_its_whole(first_run):
    totals: dict[int, Decimal] = defaultdict(Decimal)
    kinds: dict[int, set[str]] = defaultdict(set)
    for predecessor_id, kind, weight in Succession.objects.filter(
        predecessor__edition__code="2008"
    ).values_list("predecessor_id", "kind", "weight"):
        totals[predecessor_id] += weight
        kinds[predecessor_id].add(kind)
    assert set(totals.values()) == {Decimal(1)}
    communes = Unit.objects.filter(edition__code="2008", level=Level.COMMUNE)
    assert communes.exclude(pk__in=totals.keys()).count() == 0
    split = [pk for pk, k in kinds.items() if SuccessionKind.SPLIT in k]
    assert len(split) == 471
    assert all(kinds[pk] == {SuccessionKind.SPLIT} for pk in split)


def test_successions_by_kind(first_run):
    kinds = dict(Succession.objects.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    assert sum(kinds.values()) == 10_666
    assert kinds[SuccessionKind.SPLIT] == 1_033
    assert "Quan hệ kế thừa từ 01/7/2025: 10.666" in first_run


def test_only_island_districts_have_successors(first_run):
    districts = Succession.objects.filter(
        predecessor__edition__code="2008", predecessor__level=Level.DISTRICT
    ).select_related("predecessor", "successor")
    assert sorted((s.predecessor.name, s.successor.name) for s in districts) == [
        ("Huyện Bạch Long Vĩ", "Đặc khu Bạch Long Vĩ"),
        ("Huyện Côn Đảo", "Đặc khu Côn Đảo"),
        ("Huyện Cồn Cỏ", "Đặc khu Cồn Cỏ"),
        ("Huyện Hoàng Sa", "Đặc khu Hoàng Sa"),
        ("Huyện Lý Sơn", "Đặc khu Lý Sơn"),
    ]
    assert "Huyện đảo không có đơn vị cấp xã" in first_run


def test_every_new_commune_has_a_predecessor(first_run):
    new_communes = Unit.objects.filter(edition__code="2025", level=Level.COMMUNE)
    assert new_communes.filter(successions_in__isnull=True).count() == 0
