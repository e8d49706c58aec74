"""A name search's page: the same members in the same order as the list's own query.

On PostgreSQL a province's search reads its page by merging name indexes
(`selectors.members_page`); these tests pin it to the plain query (`members_list`) and both to
the rule written out here in Python, on random names built to share prefixes across words.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.paginator import Paginator

from phongtrao.members.bulk import members_bulk_write
from phongtrao.members.choices import EndKind, Status
from phongtrao.members.models import Member
from phongtrao.members.names import name_key
from phongtrao.members.selectors import MembersFound, members_list, members_page
from phongtrao.members.services import MemberData
from phongtrao.members.tests.conftest import SYSTEM
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

# Words sharing prefixes ("hoa", "hoai", "hoang"; "thi", "thu", "thuy") in every place of a name.
WORDS = (
    "Nguyễn Ngô Hoàng Hồ Hà Hoa Hòa Hoài Hoan Thị Thu Thủy Thư Lan Lành Lan Anh Ánh Đào "
    "Dao Ngọc Kim H'Hen Y Niê Tuyết Hằng Hạnh Xuân Tôn Nữ"
).split()
ENDS = [None, None, None, None, EndKind.LEFT, EndKind.DECEASED]


def random_name(draw: random.Random) -> str:
    # 1 to 6 words; most of 3 and 4, as Vietnamese names are.
    length = draw.choice([1, 2, 3, 3, 3, 3, 4, 4, 4, 5, 6])
    return " ".join(draw.choice(WORDS) for _ in range(length))


@pytest.fixture
def book(small_tree: dict[str, Any]) -> dict[str, Any]:
    """Two provinces of 260 random members (namesakes with one birth date among them),
    in communes and a chi hội; some have left or died."""
    tree = small_tree
    other = unit_create(
        edition=tree["vn"].edition,
        code="T-71",
        name="Tỉnh Khác",
        level=Level.PROVINCE,
        parent=tree["vn"],
    )
    far = unit_create(
        edition=tree["vn"].edition, code="T-71001", name="Xã Xa", level=Level.COMMUNE, parent=other
    )
    branch = unit_create(
        edition=tree["vn"].edition,
        code="T-70101-1",
        name="Chi hội Ấp 1",
        level=Level.BRANCH,
        parent=tree["c1"],
    )
    places = [tree["c1"], tree["c2"], tree["c3"], branch, far]
    draw = random.Random(19)  # noqa: S311
    rows = []
    for _ in range(260):
        place = draw.choice(places)
        end = draw.choice(ENDS)
        rows.append(
            MemberData(
                full_name=random_name(draw),
                # Few birth dates: namesakes born the same day are ordered by id.
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=draw.randrange(3)),
                join_date=dt.date(2010, 1, 1),
                unit_id=place.pk,
                unit_path=place.path,
                end=dt.date(2020, 1, 1) if end else None,
                end_kind=end or "",
            )
        )
    members_bulk_write(
        actor=SYSTEM,
        rows=rows,
        purpose="kiểm thử",
        consent_on=dt.date(2020, 1, 1),
        figures=False,
    )
    return {**tree, "other": other, "far": far, "branch": branch}


def expected(unit: Any, key: str, status: str = "") -> list[int]:
    """The rule in Python: a word of the name starts with the key; names compared byte-wise
    (word by word), then birth date, then id."""
    found = [
        m
        for m in Member.objects.filter(unit_path__startswith=unit.path)
        if (m.name_key.startswith(key) or f" {key}" in m.name_key)
        and (not status or m.status == status)
    ]
    found.sort(key=lambda m: (m.name_key.encode(), m.birth_date, m.pk))
    return [m.pk for m in found]


def keys(draw: random.Random) -> list[str]:
    """Every prefix of every word, pieces of names (the last word cut), keys matching
    nothing, typed with marks, capitals and LIKE's wildcards."""
    words = sorted({name_key(w) for w in WORDS})
    found = {w[:n] for w in words for n in range(1, len(w) + 1)}
    names = list(Member.objects.values_list("name_key", flat=True))
    for name in draw.sample(names, 40):
        parts = name.split(" ")
        start = draw.randrange(len(parts))
        piece = " ".join(parts[start : start + draw.randint(1, 3)])
        found.add(piece[: draw.randint(1, len(piece))].strip())
    found |= {"zz", "hoa zz", "thi  thu", "h'", "%", "_", "h%", "thi_", "Hoà", "NGUYỄN THỊ"}
    return sorted(found)


@pytest.mark.django_db
def test_a_page_is_the_lists_query_and_the_rule(book):
    draw = random.Random(8)  # noqa: S311
    units = [book["vn"], book["province"], book["other"], book["d1"], book["c1"], book["branch"]]
    for query in keys(draw):
        key = name_key(query)
        for unit in units:
            want = expected(unit, key)
            listed = [m.pk for m in members_list(actor=SYSTEM, unit=unit, query=query)]
            assert listed == want, (query, unit.name)
            for offset, limit in ((0, 50), (0, 1), (3, 7)):
                page = members_page(
                    actor=SYSTEM, unit=unit, query=query, offset=offset, limit=limit
                )
                assert [m.pk for m in page] == want[offset : offset + limit], (query, unit.name)


@pytest.mark.django_db
def test_a_page_with_filters_is_the_lists_query(book):
    for query in ("h", "hoa", "thi", "thu", "nguyen thi", "lan", "y", "ton nu"):
        for status in (Status.ACTIVE, Status.DECEASED):
            want = expected(book["province"], name_key(query), status)
            page = members_page(actor=SYSTEM, unit=book["province"], query=query, status=status)
            assert [m.pk for m in page] == want[:50], (query, status)
            listed = members_list(actor=SYSTEM, unit=book["province"], query=query, status=status)
            assert [m.pk for m in listed] == want, (query, status)


@pytest.mark.django_db
def test_names_are_ordered_word_by_word_on_every_engine(small_tree):
    # Byte order: "hoa lan" before "hoai" (a space sorts before letters), on SQLite and
    # PostgreSQL alike, whatever the server's locale (the column's collation is "C").
    c1 = small_tree["c1"]
    rows = [
        MemberData(
            full_name=name,
            birth_date=dt.date(1980, 1, 1),
            join_date=dt.date(2010, 1, 1),
            unit_id=c1.pk,
            unit_path=c1.path,
        )
        for name in ("Hoài An", "Hoa Lan", "Hoa", "Hòa Bình", "Hoàng Lan")
    ]
    members_bulk_write(actor=SYSTEM, rows=rows, purpose="x", consent_on=dt.date(2020, 1, 1))
    listed = members_list(actor=SYSTEM, unit=small_tree["province"], query="hoa")
    assert [m.full_name for m in listed] == [
        "Hoa",
        "Hòa Bình",
        "Hoa Lan",
        "Hoài An",
        "Hoàng Lan",
    ]


@pytest.mark.postgres  # the merged name indexes (SQLite reads the list's query)
@pytest.mark.django_db
def test_a_province_search_on_postgresql_reads_the_page_in_four_queries(
    book, django_assert_num_queries
):
    # JIT off for the search, the vocabulary of the words starting with the key, the merged
    # page, its rows.
    with django_assert_num_queries(4):
        page = members_page(actor=SYSTEM, unit=book["province"], query="hoa")
    assert [m.pk for m in page] == expected(book["province"], "hoa")[:50]
    assert page
    # A key of several words needs no vocabulary; a card number takes the list's query.
    name = next(
        n
        for n in Member.objects.filter(unit_path__startswith=book["province"].path)
        .values_list("name_key", flat=True)
        .order_by("pk")
        if " " in n
    )
    with django_assert_num_queries(3):
        page = members_page(actor=SYSTEM, unit=book["province"], query=name[: name.rindex(" ") + 2])
    assert page
    with django_assert_num_queries(1):
        members_page(actor=SYSTEM, unit=book["province"], query="HV-0012")


@pytest.mark.django_db
def test_the_registry_pages_read_the_same_members(book):
    # The unit page's Paginator counts by the list's query and reads each page by
    # `members_page`: every page holds the list's members in its order.
    for query, status in (("h", ""), ("thi", Status.ACTIVE), ("", "")):
        found = MembersFound(actor=SYSTEM, unit=book["province"], query=query, status=status)
        listed = [
            m.pk
            for m in members_list(actor=SYSTEM, unit=book["province"], query=query, status=status)
        ]
        pages = Paginator(found, 7)
        assert pages.count == len(listed)
        read = [m.pk for number in pages.page_range for m in pages.page(number).object_list]
        assert read == listed
        assert [m.pk for m in found] == listed
        assert found[2].pk == listed[2]
