from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from phongtrao.orgs.models import Edition, Level, Unit, uid_from
from phongtrao.orgs.services import editions_ensure, unit_create, unit_move, unit_update

pytestmark = pytest.mark.django_db


def test_editions_ensure_creates_the_two_editions_once():
    old, new = editions_ensure()
    assert (old.code, old.valid_from, old.valid_to) == (
        "2008",
        dt.date(2008, 8, 1),
        dt.date(2025, 6, 30),
    )
    assert old.name == "Cơ cấu trước 01/7/2025 (63 tỉnh, 3 cấp)"
    assert (new.code, new.valid_from, new.valid_to) == ("2025", dt.date(2025, 7, 1), None)
    assert new.name == "Cơ cấu từ 01/7/2025 (34 tỉnh, 2 cấp)"

    assert editions_ensure() == (old, new)
    assert Edition.objects.count() == 2


def test_unit_create_sets_path_uid_and_validity(tree):
    assert tree.vn.path == f"/{tree.vn.pk}/"
    assert tree.loc_thai.path == (
        f"/{tree.vn.pk}/{tree.binh_phuoc.pk}/{tree.loc_ninh.pk}/{tree.loc_thai.pk}/"
    )
    stored = Unit.objects.get(pk=tree.loc_thai.pk)
    assert stored.path == tree.loc_thai.path
    assert stored.uid == uid_from("2008:25297")
    assert (stored.valid_from, stored.valid_to) == (dt.date(2008, 8, 1), dt.date(2025, 6, 30))
    assert stored.ancestor_ids == [tree.vn.pk, tree.binh_phuoc.pk, tree.loc_ninh.pk]
    assert stored.union_name == "Hội LHPN xã Lộc Thái"
    assert tree.vn.union_name == "Hội Liên hiệp Phụ nữ Việt Nam"


def test_unit_create_keeps_given_uid_and_validity(tree):
    branch = unit_create(
        edition=tree.old,
        code="25297-01",
        name="Chi hội ấp 1",
        level=Level.BRANCH,
        parent=tree.loc_thai,
        uid="a1234567890",
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    assert (branch.uid, branch.valid_from, branch.valid_to) == (
        "a1234567890",
        dt.date(2020, 1, 1),
        dt.date(2024, 12, 31),
    )


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_unit_create_rejects_a_level_not_below_the_parent(tree):
    errors = errors_of(
        lambda: unit_create(
            edition=tree.old,
            code="71",
            name="Tỉnh Mới",
            level=Level.PROVINCE,
            parent=tree.binh_phuoc,
        )
    )
    assert errors["level"] == [
        "Đơn vị phải ở cấp thấp hơn đơn vị cấp trên “Tỉnh Bình Phước” (Tỉnh, thành phố)."
    ]


def test_unit_create_rejects_a_parent_of_another_edition(tree):
    errors = errors_of(
        lambda: unit_create(
            edition=tree.new,
            code="25297",
            name="Xã Lộc Thái",
            level=Level.COMMUNE,
            parent=tree.loc_ninh,
        )
    )
    assert errors["parent"] == [
        "Đơn vị cấp trên “Huyện Lộc Ninh” thuộc phiên bản cơ cấu "
        "“Cơ cấu trước 01/7/2025 (63 tỉnh, 3 cấp)”, "
        "không phải “Cơ cấu từ 01/7/2025 (34 tỉnh, 2 cấp)”."
    ]


def test_unit_create_rejects_a_code_used_in_the_edition(tree):
    errors = errors_of(
        lambda: unit_create(
            edition=tree.old, code="70", name="Tỉnh khác", level=Level.PROVINCE, parent=tree.vn
        )
    )
    assert errors["code"] == [
        "Mã “70” đã có trong phiên bản cơ cấu “Cơ cấu trước 01/7/2025 (63 tỉnh, 3 cấp)”."
    ]
    # The same code in the other edition is another unit.
    again = unit_create(
        edition=tree.new, code="70", name="Tỉnh thử", level=Level.PROVINCE, parent=tree.vn_new
    )
    assert again.uid != tree.binh_phuoc.uid


def test_unit_create_rejects_blank_names_bad_uids_and_reversed_validity(tree):
    errors = errors_of(
        lambda: unit_create(
            edition=tree.old,
            code=" ",
            name="",
            level=Level.COMMUNE,
            parent=tree.loc_ninh,
            uid="1abc",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2023, 1, 1),
        )
    )
    assert errors == {
        "code": ["Mã đơn vị không được để trống."],
        "name": ["Tên đơn vị không được để trống."],
        "uid": ["UID phải gồm 11 ký tự: một chữ cái, rồi 10 chữ cái hoặc chữ số."],
        "valid_to": ["Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."],
    }
    errors = errors_of(
        lambda: unit_create(
            edition=tree.old,
            code="25999",
            name="Xã Thử",
            level=Level.COMMUNE,
            parent=tree.loc_ninh,
            uid=tree.loc_thai.uid,
        )
    )
    assert errors["uid"] == [f"UID “{tree.loc_thai.uid}” đã được dùng cho đơn vị khác."]
    assert not Unit.objects.filter(code__in=["25999", " "]).exists()


def test_unit_move_rewrites_the_paths_of_the_whole_subtree(tree):
    branch = unit_create(
        edition=tree.old, code="B1", name="Chi hội 1", level=Level.BRANCH, parent=tree.loc_thai
    )
    unit_move(unit=tree.loc_ninh, new_parent=tree.dong_nai_old)

    moved = {unit.pk: unit for unit in Unit.objects.all()}
    prefix = f"/{tree.vn.pk}/{tree.dong_nai_old.pk}/{tree.loc_ninh.pk}/"
    assert moved[tree.loc_ninh.pk].path == prefix
    assert moved[tree.loc_ninh.pk].parent_id == tree.dong_nai_old.pk
    assert moved[tree.loc_thai.pk].path == f"{prefix}{tree.loc_thai.pk}/"
    assert moved[tree.loc_hiep.pk].path == f"{prefix}{tree.loc_hiep.pk}/"
    assert moved[branch.pk].path == f"{prefix}{tree.loc_thai.pk}/{branch.pk}/"
    # Units outside the subtree keep their paths.
    assert moved[tree.binh_phuoc.pk].path == tree.binh_phuoc.path
    assert moved[tree.dong_nai_old.pk].path == tree.dong_nai_old.path


def test_unit_move_to_the_root(tree):
    moved = unit_move(unit=tree.loc_ninh, new_parent=None)
    assert moved.path == f"/{tree.loc_ninh.pk}/"
    assert Unit.objects.get(pk=tree.loc_thai.pk).path == f"/{tree.loc_ninh.pk}/{tree.loc_thai.pk}/"


def test_unit_move_rejects_a_move_into_its_own_subtree(tree):
    errors = errors_of(lambda: unit_move(unit=tree.binh_phuoc, new_parent=tree.loc_thai))
    assert "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó." in errors["parent"]
    assert Unit.objects.get(pk=tree.binh_phuoc.pk).path == tree.binh_phuoc.path


def test_unit_move_rejects_a_parent_at_the_same_level_or_another_edition(tree):
    errors = errors_of(lambda: unit_move(unit=tree.loc_thai, new_parent=tree.loc_hiep))
    assert errors["level"] == [
        "Đơn vị phải ở cấp thấp hơn đơn vị cấp trên “Xã Lộc Hiệp” (Xã, phường, thị trấn)."
    ]
    errors = errors_of(lambda: unit_move(unit=tree.loc_ninh, new_parent=tree.dong_nai_new))
    assert list(errors) == ["parent"]


def test_unit_update_changes_fields_and_moves_when_the_parent_changes(tree):
    updated = unit_update(
        unit=tree.loc_ninh,
        code="692",
        name="Thị xã Lộc Ninh",
        kind=tree.loc_ninh.kind,
        parent=tree.dong_nai_old,
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        area_km2=853.9,
    )
    assert (updated.name, updated.valid_from, updated.area_km2) == (
        "Thị xã Lộc Ninh",
        dt.date(2010, 1, 1),
        853.9,
    )
    assert updated.path == f"/{tree.vn.pk}/{tree.dong_nai_old.pk}/{tree.loc_ninh.pk}/"
    assert Unit.objects.get(pk=tree.loc_thai.pk).path.startswith(updated.path)


def test_unit_update_rejects_the_code_of_another_unit(tree):
    errors = errors_of(
        lambda: unit_update(
            unit=tree.loc_thai,
            code="25318",
            name="Xã Lộc Thái",
            kind=tree.loc_thai.kind,
            parent=tree.loc_ninh,
            valid_from=tree.loc_thai.valid_from,
            valid_to=tree.loc_thai.valid_to,
            area_km2=None,
        )
    )
    assert list(errors) == ["code"]
