"""Loading a catalog from CSV: the service and `manage.py load_catalog`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from phongtrao.catalog.models import Form, Indicator, Section
from phongtrao.catalog.services import (
    CATALOG_COLUMNS,
    DEFAULT_CATALOG,
    CatalogError,
    catalog_load,
)
from phongtrao.orgs.models import uid_from

pytestmark = pytest.mark.django_db


def parent_code(indicator: Indicator) -> str | None:
    return indicator.parent.code if indicator.parent else None


def default_rows() -> list[dict[str, str]]:
    with DEFAULT_CATALOG.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CATALOG_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in CATALOG_COLUMNS})
    return path


def row(code: str, **fields: str) -> dict[str, str]:
    base = {
        "code": code,
        "section": "5",
        "name_vi": f"Chỉ tiêu {code}",
        "unit_vi": "người",
        "value_type": "integer",
        "agg_time": "sum",
    }
    return {**base, **fields}


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Indicator.objects.order_by("code").values_list(
            "code", "uid", "name", "section__number", "parent__code", "formula", "sort_order"
        )
    )


def test_load_into_an_empty_catalog_creates_everything():
    Form.objects.all().delete()
    Indicator.objects.update(parent=None)
    Indicator.objects.all().delete()
    Section.objects.all().delete()

    result = catalog_load()

    assert (result.sections_created, result.indicators_created) == (5, 73)
    assert parent_code(Indicator.objects.get(code="HG_THANH")) == "HG_VU"
    assert Indicator.objects.get(code="GIAMNGHEO").formula == "THOAT_NGHEO + THOAT_CANNGHEO"
    assert Indicator.objects.get(code="HV_TONG").uid == uid_from("indicator:HV_TONG")
    assert "73 thêm mới" in str(result)


def test_load_is_idempotent():
    before = snapshot()
    first = catalog_load()
    second = catalog_load()
    assert first == second
    assert second.indicators_unchanged == 73
    assert snapshot() == before


def test_load_updates_changed_rows_and_restores_the_file(tmp_path):
    Indicator.objects.filter(code="HV_TONG").update(name="sửa tay", sort_order=999)
    Section.objects.filter(number=2).update(name="tên cũ")

    result = catalog_load()

    assert (result.indicators_created, result.indicators_updated) == (0, 1)
    assert result.sections_updated == 1
    hv = Indicator.objects.get(code="HV_TONG")
    assert hv.name == "Tổng số hội viên"
    assert hv.sort_order == [r["code"] for r in default_rows()].index("HV_TONG") + 1


def test_an_organisations_catalog_adds_indicators_that_read_existing_ones(tmp_path):
    path = write(
        tmp_path / "to-chuc.csv",
        [
            row("HV_TRE", parent="HV_TONG", agg_time="last"),
            row("HV_PTM_TL", value_type="percent", formula="HV_PTM*100/HV_TONG"),
        ],
    )
    result = catalog_load(path=path)

    assert result.indicators_created == 2
    assert Indicator.objects.count() == 75
    assert parent_code(Indicator.objects.get(code="HV_TRE")) == "HV_TONG"
    # Formulas are kept as normalised text.
    assert Indicator.objects.get(code="HV_PTM_TL").formula == "HV_PTM * 100 / HV_TONG"
    assert catalog_load(path=path).indicators_unchanged == 2


def test_a_parent_may_come_later_in_the_file(tmp_path):
    path = write(tmp_path / "c.csv", [row("X_CON", parent="X_CHA"), row("X_CHA")])
    catalog_load(path=path)
    assert parent_code(Indicator.objects.get(code="X_CON")) == "X_CHA"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row("X_A", parent="KHONG_CO")], "chỉ tiêu cha 'KHONG_CO' không có trong danh mục"),
        ([row("X_A", parent="X_B"), row("X_B", parent="X_A")], "chỉ tiêu cha tạo vòng lặp"),
        ([row("X_A", parent="X_A")], "X_A → X_A"),
        ([row("X_A", formula="HV_TONG +")], "Công thức không hợp lệ: sai cú pháp"),
        ([row("X_A", formula="__import__('os')")], "Công thức không hợp lệ: không được gọi hàm"),
        ([row("X_A", formula="KHONG_CO * 2")], "không có trong danh mục: KHONG_CO"),
        ([row("X_A", formula="HV_TONG[-1]")], "không dùng giá trị kỳ trước: HV_TONG[-1]"),
        (
            [row("X_A", formula="X_B + 1"), row("X_B", formula="X_C"), row("X_C", formula="X_A")],
            "Công thức tạo vòng lặp giữa các chỉ tiêu: X_A → X_B → X_C → X_A",
        ),
        ([row("X_A", formula="X_A + 1")], "X_A → X_A"),
        ([row("X_A", formula="GIAMNGHEO + X_B"), row("X_B", formula="X_A")], "X_A → X_B → X_A"),
        ([row("x_thuong")], "mã phải gồm chữ in hoa"),
        ([row("X_A"), row("X_A")], "dòng 4 (X_A): mã trùng với dòng 3"),
        ([row("X_A", section="9")], "không có phần báo cáo số 9"),
        ([row("X_A", section="hai")], "số phần 'hai' không hợp lệ"),
        ([row("X_A", value_type="text")], "kiểu giá trị 'text' không hợp lệ"),
        ([row("X_A", agg_time="avg")], "tổng hợp theo thời gian 'avg' không hợp lệ"),
        ([row("X_A", name_vi="")], "thiếu tên chỉ tiêu"),
        ([row("X_A", unit_vi="")], "thiếu đơn vị tính"),
        ([], "không có chỉ tiêu nào"),
    ],
)
def test_a_bad_catalog_is_refused_and_nothing_is_written(tmp_path, rows, message):
    # The file also renames an existing indicator: that must not be written either.
    rename = row("HV_TONG", name_vi="TÊN MỚI", agg_time="last") if rows else None
    path = write(tmp_path / "bad.csv", ([rename] if rename else []) + rows)
    before = snapshot()
    sections_before = list(Section.objects.values_list("number", "name"))

    with pytest.raises(CatalogError) as excinfo:
        catalog_load(path=path)

    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith("Không nạp được danh mục chỉ tiêu:")
    assert snapshot() == before
    assert list(Section.objects.values_list("number", "name")) == sections_before


def test_every_problem_is_listed_at_once(tmp_path):
    path = write(
        tmp_path / "bad.csv",
        [row("X_A", parent="KHONG_CO"), row("X_B", formula="X_A +"), row("X_C", value_type="?")],
    )
    with pytest.raises(CatalogError) as excinfo:
        catalog_load(path=path)
    assert sorted(e.split(":")[0] for e in excinfo.value.errors) == [
        "dòng 2 (X_A)",
        "dòng 3 (X_B)",
        "dòng 4 (X_C)",
    ]


def test_a_file_without_the_columns_or_missing_is_refused(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ma,ten\nX,Y\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="thiếu cột: code"):
        catalog_load(path=bad)
    with pytest.raises(CatalogError, match="không tìm thấy tệp"):
        catalog_load(path=tmp_path / "khong-co.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,section\nX,\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="UTF-8"):
        catalog_load(path=latin)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = write(tmp_path / "bom.csv", [row("X_BOM")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert catalog_load(path=path).indicators_created == 1


def test_own_sections_file(tmp_path):
    sections = tmp_path / "phan.csv"
    sections.write_text("number,name\n6,Công tác khác\n", encoding="utf-8")
    path = write(tmp_path / "c.csv", [row("X_KHAC", section="6")])
    result = catalog_load(path=path, sections_path=sections)
    assert result.sections_created == 1
    assert Indicator.objects.get(code="X_KHAC").section.name == "Công tác khác"


def test_command_loads_and_reports(tmp_path):
    out = io.StringIO()
    call_command("load_catalog", stdout=out)
    assert "73 không đổi" in out.getvalue()

    path = write(tmp_path / "c.csv", [row("X_LENH")])
    out = io.StringIO()
    call_command("load_catalog", "--path", str(path), stdout=out)
    assert "1 thêm mới" in out.getvalue()
    assert Indicator.objects.filter(code="X_LENH").exists()


def test_command_refuses_a_bad_file_with_the_reasons(tmp_path):
    path = write(tmp_path / "c.csv", [row("X_A", formula="X_A")])
    with pytest.raises(CommandError, match="vòng lặp"):
        call_command("load_catalog", "--path", str(path))
    assert not Indicator.objects.filter(code="X_A").exists()
