"""The register reader on small samples in the package's format (no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from phongtrao.orgs.models import Level, SuccessionKind
from phongtrao.orgs.register import register_build, split_weights


def legacy(province, district, ward, codes, keys):
    return {
        "province": province,
        "district": district,
        "ward": ward,
        "provinceCode": codes[0],
        "districtCode": codes[1],
        "wardCode": codes[2],
        "provinceKey": keys[0],
        "districtKey": keys[1],
        "wardKey": keys[2],
    }


def current(province, ward, codes, keys, area):
    return {
        "province": province,
        "ward": ward,
        "provinceCode": codes[0],
        "wardCode": codes[1],
        "wardAreaKm2": area,
        "provinceKey": keys[0],
        "wardKey": keys[1],
    }


LEGACY = [
    legacy("Tỉnh A", "Huyện B", "Xã C", ("01", "001", "00001"), ("tinha", "huyenb", "xac")),
    legacy("Tỉnh A", "Huyện B", "Xã D", ("01", "001", "00002"), ("tinha", "huyenb", "xad")),
    legacy("Tỉnh A", "Huyện B", "Xã E", ("01", "001", "00003"), ("tinha", "huyenb", "xae")),
    legacy("Tỉnh A", "Huyện Đảo", None, ("01", "002", None), ("tinha", "huyendao", None)),
]
CURRENT = [
    current("Tỉnh A", "Xã C", ("01", "00001"), ("tinha", "xac"), 30.0),
    current("Tỉnh A", "Xã E", ("01", "00003"), ("tinha", "xae"), 10.0),
    current("Tỉnh A", "Đặc khu Đảo", ("01", "00009"), ("tinha", "dackhudao"), 5.0),
]
CONVERTER = {
    "DICT_PROVINCE": {"tinha": ["tinha"]},
    "DICT_PROVINCE_WARD_NO_DIVIDED": {
        "tinha": {
            "xac": ["tinha_huyenb_xac"],
            "xae": ["tinha_huyenb_xae"],
            "dackhudao": ["tinha_huyendao_"],
            "xamat": ["tinha_huyenb_xamat"],
        }
    },
    "DICT_PROVINCE_WARD_DIVIDED": {
        "tinha": {
            "tinha_huyenb_xad": [
                {"newWardKey": "xac", "isDefaultNewWard": True, "newWardAreaKm2": 30.0},
                {"newWardKey": "xae", "isDefaultNewWard": False, "newWardAreaKm2": 10.0},
            ]
        }
    },
}


def test_register_build_reads_units_of_both_editions():
    register = register_build(LEGACY, CURRENT, CONVERTER)
    assert [(u.code, u.level, u.parent_code) for u in register.legacy] == [
        ("VN", Level.CENTRAL, None),
        ("01", Level.PROVINCE, "VN"),
        ("001", Level.DISTRICT, "01"),
        ("002", Level.DISTRICT, "01"),
        ("00001", Level.COMMUNE, "001"),
        ("00002", Level.COMMUNE, "001"),
        ("00003", Level.COMMUNE, "001"),
    ]
    assert register.legacy[0].name == "Việt Nam"
    assert [(u.code, u.parent_code, u.area_km2) for u in register.current] == [
        ("VN", None, None),
        ("01", "VN", None),
        ("00001", "01", 30.0),
        ("00003", "01", 10.0),
        ("00009", "01", 5.0),
    ]
    assert register.island_districts == ["Huyện Đảo"]


def test_register_build_maps_successions_and_reports_unknown_keys():
    register = register_build(LEGACY, CURRENT, CONVERTER)
    successions = {
        (s.predecessor_code, s.successor_code): (s.kind, s.weight) for s in register.successions
    }
    assert successions == {
        ("VN", "VN"): (SuccessionKind.RENAME, Decimal(1)),
        ("01", "01"): (SuccessionKind.RENAME, Decimal(1)),
        # Xã C and Xã E also receive parts of the split Xã D: merges, not renames.
        ("00001", "00001"): (SuccessionKind.MERGE, Decimal(1)),
        ("00003", "00003"): (SuccessionKind.MERGE, Decimal(1)),
        ("002", "00009"): (SuccessionKind.RENAME, Decimal(1)),
        ("00002", "00001"): (SuccessionKind.SPLIT, Decimal("0.75")),
        ("00002", "00003"): (SuccessionKind.SPLIT, Decimal("0.25")),
    }
    assert register.skipped == [
        "xã mới tinha_xamat: không tìm thấy",
        "xã cũ tinha_huyenb_xamat: không tìm thấy",
    ]


def test_register_build_skips_keys_that_name_two_units():
    rows = [*CURRENT, current("Tỉnh A", "Xã Ç", ("01", "00004"), ("tinha", "xac"), 1.0)]
    register = register_build(LEGACY, rows, CONVERTER)
    assert "xã mới tinha_xac: trùng khóa" in register.skipped
    assert ("00001", "00001") not in {
        (s.predecessor_code, s.successor_code) for s in register.successions
    }
    # The split old commune went whole to the one new commune left.
    assert ("00002", "00003", Decimal(1)) in {
        (s.predecessor_code, s.successor_code, s.weight) for s in register.successions
    }


def test_split_weights_proportional_to_areas_and_summing_to_one():
    weights = split_weights({"a": 1.0, "b": 1.0, "c": 1.0})
    assert weights == {
        "a": Decimal("0.33333333"),
        "b": Decimal("0.33333333"),
        "c": Decimal("0.33333334"),
    }
    assert sum(weights.values()) == 1


def test_split_weights_equal_when_an_area_is_missing():
    assert split_weights({"a": 73.3, "b": 0.0}) == {"a": Decimal("0.5"), "b": Decimal("0.5")}
    assert split_weights({"a": None, "b": 3.0}) == {"a": Decimal("0.5"), "b": Decimal("0.5")}


@given(
    st.lists(st.floats(min_value=0.01, max_value=10_000, allow_nan=False), min_size=2, max_size=6)
)
def test_split_weights_always_sum_to_one_within_the_fields_range(areas):
    weights = split_weights({str(i): area for i, area in enumerate(areas)})
    assert sum(weights.values()) == 1
    assert all(Decimal(0) < w <= 1 and w == w.quantize(Decimal("1e-8")) for w in weights.values())
