"""A name search's page: the same members in the same order as the list's own query.

On PostgreSQL a province's or the country's search reads its page by merging name indexes
(`selectors.members_page`); these tests pin it to the plain query (`members_list`) and both to
the rule written out here in Python, on random names built to share prefixes across words.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.accounts.models import Role
from phongtrao.members import selectors, views
from phongtrao.members.bulk import members_bulk_write
from phongtrao.members.choices import EndKind, Status
from phongtrao.members.models import Member, RecordsGrant
from phongtrao.members.names import name_key
from phongtrao.members.selectors import MembersFound, members_list, members_page
from phongtrao.members.services import MemberData
from phongtrao.members.tests.conftest import SYSTEM, officer
from phongtrao.members.tests.test_api import basic
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


def expected(unit: Any, key: str, status: str = "", members: list[Any] | None = None) -> list[int]:
    """The rule in Python: a word of the name starts with the key; names compared byte-wise
    (word by word), then birth date, then id. `members`: the unit's, when read already."""
    if members is None:
        members = list(Member.objects.filter(unit_path__startswith=unit.path))
    found = [
        m
        for m in members
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
    under = {u.pk: list(Member.objects.filter(unit_path__startswith=u.path)) for u in units}
    for query in keys(draw):
        key = name_key(query)
        for unit in units:
            want = expected(unit, key, members=under[unit.pk])
            listed = [m.pk for m in members_list(actor=SYSTEM, unit=unit, query=query)]
            assert listed == want, (query, unit.name)
            for offset, limit in ((0, 50), (0, 1), (3, 7)):
                page = members_page(
                    actor=SYSTEM, unit=unit, query=query, offset=offset, limit=limit
                )
                assert [m.pk for m in page] == want[offset : offset + limit], (query, unit.name)


@pytest.mark.django_db
def test_a_page_with_filters_is_the_lists_query(book):
    for unit in (book["province"], book["vn"]):
        for query in ("h", "hoa", "thi", "thu", "nguyen thi", "lan", "y", "ton nu"):
            for status in (Status.ACTIVE, Status.DECEASED):
                want = expected(unit, name_key(query), status)
                page = members_page(actor=SYSTEM, unit=unit, query=query, status=status)
                assert [m.pk for m in page] == want[:50], (query, status, unit.name)
                listed = members_list(actor=SYSTEM, unit=unit, query=query, status=status)
                assert [m.pk for m in listed] == want, (query, status, unit.name)


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


def _words_start(unit: Any) -> str:
    """A key of several words: the first name of several words in `unit`'s subtree, cut after
    the first letter of its last word."""
    name = next(
        n
        for n in Member.objects.filter(unit_path__startswith=unit.path)
        .values_list("name_key", flat=True)
        .order_by("pk")
        if " " in n
    )
    return name[: name.rindex(" ") + 2]


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
    key = _words_start(book["province"])
    with django_assert_num_queries(3):
        page = members_page(actor=SYSTEM, unit=book["province"], query=key)
    assert page
    with django_assert_num_queries(1):
        members_page(actor=SYSTEM, unit=book["province"], query="HV-0012")


@pytest.mark.postgres  # the merged name indexes (SQLite reads the list's query)
@pytest.mark.django_db
def test_a_country_search_reads_every_province_in_one_statement(book, django_assert_num_queries):
    # The country's provinces, JIT off, the vocabulary, the provinces' pages merged, the
    # page's rows: as many statements whatever the number of provinces.
    for more in range(3):
        with django_assert_num_queries(5):
            page = members_page(actor=SYSTEM, unit=book["vn"], query="hoa")
        assert [m.pk for m in page] == expected(book["vn"], "hoa")[:50]
        assert page
        # A key of several words (a name's start, found in the other province) needs no
        # vocabulary.
        key = _words_start(book["other"])
        with django_assert_num_queries(4):
            page = members_page(actor=SYSTEM, unit=book["vn"], query=key, limit=3)
        assert [m.pk for m in page] == expected(book["vn"], key)[:3]
        assert page
        # With a filter most pass (active), the country's first 2 × 50 are tested together
        # (one statement more); with a rare one, the provinces' pages read it (two more).
        for status, queries in ((Status.ACTIVE, 6), (Status.DECEASED, 7)):
            with django_assert_num_queries(queries):
                page = members_page(actor=SYSTEM, unit=book["vn"], query="h", status=status)
            assert [m.pk for m in page] == expected(book["vn"], "h", status)[:50]
            assert page
        unit_create(
            edition=book["vn"].edition,
            code=f"T-8{more}",
            name=f"Tỉnh Thêm {more}",
            level=Level.PROVINCE,
            parent=book["vn"],
        )


@pytest.mark.django_db
def test_the_api_without_an_org_unit_searches_the_country(client, book):
    # A central officer granted the records: `filter=name:ilike:` finds the key anywhere in
    # the name (without diacritics), across the provinces, in the registry's order.
    user = officer("canbo_trung_uong", book["vn"], Role.VIEW)
    RecordsGrant.objects.create(user=user, purpose="Kiểm tra", granted_by="kiểm thử")
    everyone = list(Member.objects.filter(unit_path__startswith=book["vn"].path))
    everyone.sort(key=lambda m: (m.name_key.encode(), m.birth_date, m.pk))
    assert {m.unit_path.split("/")[2] for m in everyone} == {
        str(book["province"].pk),
        str(book["other"].pk),
    }
    for query in ("hoa", "Nguyễn Thị", "oa", "thu", "an", "y ni", "zz"):
        want = [m.uid for m in everyone if name_key(query) in m.name_key]
        for number in (1, 2):
            body = client.get(
                "/api/members",
                {"filter": f"name:ilike:{query}", "fields": "id", "pageSize": 20, "page": number},
                **basic("canbo_trung_uong"),
            ).json()
            assert body["pager"]["total"] == len(want), query
            assert [m["id"] for m in body["members"]] == want[20 * (number - 1) : 20 * number]


@pytest.mark.django_db
def test_the_registry_pages_read_the_same_members(book):
    # The unit page's Paginator counts by the list's query and reads each page by
    # `members_page`: every page holds the list's members in its order.
    for unit in (book["province"], book["vn"]):
        for query, status in (("h", ""), ("thi", Status.ACTIVE), ("", "")):
            found = MembersFound(actor=SYSTEM, unit=unit, query=query, status=status)
            listed = [
                m.pk for m in members_list(actor=SYSTEM, unit=unit, query=query, status=status)
            ]
            pages = Paginator(found, 7)
            assert pages.count == len(listed)
            read = [m.pk for number in pages.page_range for m in pages.page(number).object_list]
            assert read == listed
            assert [m.pk for m in found] == listed
            assert found[2].pk == listed[2]


@pytest.mark.django_db
def test_a_count_above_a_commune_stops_at_the_cap(book, monkeypatch):
    # Above a commune the page counts at most COUNT_CAP members (one statement, a LIMIT of
    # cap + 1): beyond it, the count is the cap, `capped` is set and the pager ends at the
    # cap's last page, holding the list's members up to the cap in its order.
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    for unit in (book["province"], book["vn"]):
        for query, status in (("h", ""), ("thi", Status.ACTIVE), ("", "")):
            listed = [
                m.pk for m in members_list(actor=SYSTEM, unit=unit, query=query, status=status)
            ]
            assert len(listed) > 10
            found = MembersFound(actor=SYSTEM, unit=unit, query=query, status=status)
            with CaptureQueriesContext(connection) as counted:
                assert found.count() == 10
            assert found.capped
            assert len(counted) == 1 and "LIMIT 11" in counted[0]["sql"]
            pages = Paginator(MembersFound(actor=SYSTEM, unit=unit, query=query, status=status), 7)
            assert (pages.count, pages.num_pages) == (10, 2)
            read = [m.pk for number in pages.page_range for m in pages.page(number).object_list]
            assert read == listed[:10]
            assert pages.get_page(99).number == 2 and not pages.get_page(2).has_next()
    # At the cap exactly, or below it, the count is exact.
    key_only = [m.pk for m in members_list(actor=SYSTEM, unit=book["province"], query="thu")]
    monkeypatch.setattr(selectors, "COUNT_CAP", len(key_only))
    found = MembersFound(actor=SYSTEM, unit=book["province"], query="thu")
    assert (found.count(), found.capped) == (len(key_only), False)


@pytest.mark.django_db
def test_a_communes_count_is_exact(book, monkeypatch):
    # A commune's (or a branch's) list is counted exactly, however small the cap.
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for unit in (book["c1"], book["branch"]):
        for query in ("", "h"):
            listed = list(members_list(actor=SYSTEM, unit=unit, query=query))
            assert len(listed) > 3
            found = MembersFound(actor=SYSTEM, unit=unit, query=query)
            pages = Paginator(found, 2)
            assert pages.count == len(listed) and not found.capped
            assert [m.pk for m in pages.page(pages.num_pages).object_list] == [
                m.pk for m in listed[2 * (pages.num_pages - 1) :]
            ]


@pytest.mark.django_db
def test_the_registry_page_says_when_there_are_more_than_the_cap(client, book, monkeypatch):
    # The page says "hơn 10 hội viên" and why the pager ends; a commune's page its exact count.
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    user = officer("canbo_trung_uong", book["vn"], Role.VIEW)
    RecordsGrant.objects.create(user=user, purpose="Kiểm tra", granted_by="kiểm thử")
    client.login(username="canbo_trung_uong", password="x")
    for unit in (book["vn"], book["province"]):
        text = client.get(f"/hoi-vien/{unit.uid}/", {"q": "h", "status": ""}).content.decode()
        assert "Trang 1/1 · hơn 10 hội viên" in text
        assert "Danh sách chỉ hiển thị 10 hội viên đầu tiên (1 trang)" in text
    monkeypatch.setattr(selectors, "COUNT_CAP", 10_000)
    text = client.get(f"/hoi-vien/{book['vn'].uid}/", {"q": "", "status": ""}).content.decode()
    assert f"Trang 1/6 · {Member.objects.count()} hội viên</span>" in text
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    commune = list(members_list(actor=SYSTEM, unit=book["c1"], query="h"))
    assert len(commune) > 10
    text = client.get(f"/hoi-vien/{book['c1'].uid}/", {"q": "h", "status": ""}).content.decode()
    assert f"· {len(commune)} hội viên</span>" in text
    assert "hơn" not in text.split('class="pager"')[1]


@pytest.mark.django_db
def test_an_export_above_its_size_is_refused(client, book, monkeypatch):
    # The export's size check counts at most MAX_EXPORT + 1 active members.
    user = officer("canbo_trung_uong", book["vn"], Role.VIEW)
    RecordsGrant.objects.create(user=user, purpose="Kiểm tra", granted_by="kiểm thử")
    client.login(username="canbo_trung_uong", password="x")
    active = Member.objects.filter(unit_path__startswith=book["far"].path, status=Status.ACTIVE)
    monkeypatch.setattr(views, "MAX_EXPORT", active.count())
    assert client.get(f"/hoi-vien/{book['far'].uid}/danh-sach.xlsx").status_code == 200
    monkeypatch.setattr(views, "MAX_EXPORT", active.count() - 1)
    assert client.get(f"/hoi-vien/{book['far'].uid}/danh-sach.xlsx").status_code == 403
