"""Largest-remainder shares: exact totals, proportional, within caps."""

from __future__ import annotations

import pytest

from phongtrao.demo.binh_phuoc import split_total


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1.0, 1.0, 1.0], [4, 3, 3]),
        (3, [5.0, 1.0, 1.0, 1.0], [2, 1, 0, 0]),
        (0, [1.0, 2.0], [0, 0]),
        (100, [1.0, 3.0], [25, 75]),
        (7, [0.0, 1.0], [0, 7]),
    ],
)
def test_shares_add_up_to_the_total_in_proportion(total, weights, expected):
    assert split_total(total, weights) == expected


def test_caps_are_respected_and_the_rest_goes_elsewhere():
    shares = split_total(12, [10.0, 1.0, 1.0], caps=[4, 6, 6])
    assert shares[0] == 4
    assert sum(shares) == 12
    assert all(s <= c for s, c in zip(shares, [4, 6, 6], strict=True))


def test_a_total_equal_to_the_caps_fills_every_cap():
    assert split_total(12, [3.0, 1.0, 5.0], caps=[2, 3, 7]) == [2, 3, 7]


def test_an_impossible_split_is_refused():
    with pytest.raises(ValueError, match="Không thể chia"):
        split_total(10, [1.0, 1.0], caps=[3, 3])
    with pytest.raises(ValueError, match="Không thể chia"):
        split_total(1, [0.0, 0.0])
