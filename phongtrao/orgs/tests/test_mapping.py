"""The mapping between structures, computed from successions (no database)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from phongtrao.orgs.mapping import MappingRow, mapping_compute

# Old structure: VN(1) > P(2) > D(3) > c4, c5; D(3) > c6.   New: VN'(11) > P'(12) > n13, n14.
PATHS = {
    1: "/1/",
    2: "/1/2/",
    3: "/1/2/3/",
    4: "/1/2/3/4/",
    5: "/1/2/3/5/",
    6: "/1/2/3/6/",
    11: "/11/",
    12: "/11/12/",
    13: "/11/12/13/",
    14: "/11/12/14/",
}
SUCCESSIONS = [
    (1, 11, Decimal(1)),
    (2, 12, Decimal(1)),
    (4, 13, Decimal(1)),
    (5, 13, Decimal(1)),
    (6, 13, Decimal("0.6")),
    (6, 14, Decimal("0.4")),
]


def rows_of(target: int, rows: list[MappingRow]) -> dict[int, tuple[Fraction, bool]]:
    return {r.source: (r.weight, r.whole) for r in rows if r.target == target}


def test_a_whole_old_unit_is_one_row_read_from_its_roll_up():
    rows = mapping_compute(PATHS, SUCCESSIONS)
    assert rows_of(12, rows) == {2: (1, True)}
    assert rows_of(11, rows) == {1: (1, True)}


def test_a_new_commune_gets_its_old_communes_and_a_share_of_a_split_one():
    rows = mapping_compute(PATHS, SUCCESSIONS)
    assert rows_of(13, rows) == {4: (1, True), 5: (1, True), 6: (Fraction(3, 5), True)}
    assert rows_of(14, rows) == {6: (Fraction(2, 5), True)}
    assert [r.estimated for r in rows if r.target == 14] == [True]


def test_new_data_go_back_to_the_old_units_by_the_same_weights_normalised():
    rows = mapping_compute(PATHS, SUCCESSIONS)
    # n13 came from c4 (1), c5 (1) and 0.6 of c6: c4 gets 1/2.6 of n13's figures.
    assert rows_of(4, rows) == {13: (Fraction(1) / Fraction(13, 5), True)}
    # n14 came only from c6: all of it goes back to c6, exactly.
    assert rows_of(6, rows)[14] == (1, True)
    # The old district holds all of n13's and n14's sources: exact.
    assert rows_of(3, rows) == {13: (1, True), 14: (1, True)}


def test_the_values_of_an_abolished_level_go_with_the_nearest_unit_that_has_successions():
    # P' takes P whole; if c6 had gone partly to another province, P is not whole in P':
    # then P's own values and D's own values are separate rows, and each commune its own.
    paths = {**PATHS, 15: "/11/15/", 16: "/11/15/16/"}
    successions = [*SUCCESSIONS[:-1], (6, 16, Decimal("0.4"))]
    rows = mapping_compute(paths, successions)
    assert rows_of(12, rows) == {
        2: (1, False),
        3: (1, False),
        4: (1, True),
        5: (1, True),
        6: (Fraction(3, 5), True),
    }


def test_chains_count_once_at_the_first_unit_inside_the_target():
    # c4 → n13 → m17 (a merge in the new structure); the province holds both n13 and m17.
    paths = {**PATHS, 17: "/11/12/17/"}
    rows = mapping_compute(paths, [*SUCCESSIONS, (13, 17, Decimal(1)), (14, 17, Decimal(1))])
    assert rows_of(17, rows) == {
        13: (1, True),
        14: (1, True),
        4: (1, True),
        5: (1, True),
        6: (1, True),
    }
    assert rows_of(12, rows) == {2: (1, True)}
