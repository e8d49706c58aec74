"""Fixtures of the orgs tests: the two editions and a small piece of the real tree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from phongtrao.orgs.models import Edition, Level, Unit
from phongtrao.orgs.services import editions_ensure, unit_create


@pytest.fixture
def editions() -> tuple[Edition, Edition]:
    return editions_ensure()


@dataclass
class Tree:
    old: Edition
    new: Edition
    vn: Unit
    binh_phuoc: Unit
    loc_ninh: Unit
    loc_thai: Unit
    loc_hiep: Unit
    dong_nai_old: Unit
    vn_new: Unit
    dong_nai_new: Unit


@pytest.fixture
def tree(editions: tuple[Edition, Edition]) -> Tree:
    """Bình Phước → Lộc Ninh → Lộc Thái, Lộc Hiệp before 2025; Đồng Nai in both editions."""
    old, new = editions
    vn = unit_create(edition=old, code="VN", name="Việt Nam", level=Level.CENTRAL)
    binh_phuoc = unit_create(
        edition=old, code="70", name="Tỉnh Bình Phước", level=Level.PROVINCE, parent=vn
    )
    loc_ninh = unit_create(
        edition=old, code="692", name="Huyện Lộc Ninh", level=Level.DISTRICT, parent=binh_phuoc
    )
    loc_thai = unit_create(
        edition=old, code="25297", name="Xã Lộc Thái", level=Level.COMMUNE, parent=loc_ninh
    )
    loc_hiep = unit_create(
        edition=old, code="25318", name="Xã Lộc Hiệp", level=Level.COMMUNE, parent=loc_ninh
    )
    dong_nai_old = unit_create(
        edition=old, code="75", name="Tỉnh Đồng Nai", level=Level.PROVINCE, parent=vn
    )
    vn_new = unit_create(edition=new, code="VN", name="Việt Nam", level=Level.CENTRAL)
    dong_nai_new = unit_create(
        edition=new, code="75", name="Tỉnh Đồng Nai", level=Level.PROVINCE, parent=vn_new
    )
    return Tree(
        old, new, vn, binh_phuoc, loc_ninh, loc_thai, loc_hiep, dong_nai_old, vn_new, dong_nai_new
    )
