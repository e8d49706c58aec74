"""Reads of the registry: lists (masked), one record (logged), counts at a date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TypedDict, Unpack, overload

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from phongtrao.members.access import Actor, records_may_view, records_root
from phongtrao.members.choices import Status
from phongtrao.members.models import Enrolment, Member
from phongtrao.members.names import mask_tail, name_key
from phongtrao.members.services import member_read_log
from phongtrao.orgs.models import Level, Unit

NOT_FOUND = "Không tìm thấy hội viên."


class MemberFilters(TypedDict, total=False):
    """What a list of members is filtered by (`members_list`); the page reader and the
    paginator's list take the same and pass it on."""

    query: str
    active_on: dt.date | None
    status: str
    ethnicity: str
    religion: str
    occupation: str


# The filters kept by equality, each on the member's field of the same name.
EQUAL = ("status", "ethnicity", "religion", "occupation")


def members_list(*, actor: Actor, unit: Unit, **filters: Unpack[MemberFilters]) -> QuerySet[Member]:
    """The members of `unit`'s subtree the actor may read, filtered, ordered by name.

    `query` matches the name without diacritics (a word's start anywhere in the name) or the
    card number; `active_on` keeps those enrolled on that day (wherever they are now
    listed under the unit they belonged to then); `status`, `ethnicity`, `religion` and
    `occupation` keep the members with that value. Raises PermissionDenied for an actor who
    sees only aggregates.
    """
    if not records_may_view(actor, unit):
        raise PermissionDenied("Cấp của bạn chỉ xem số liệu tổng hợp, không xem hồ sơ hội viên.")
    active_on = filters.get("active_on")
    if active_on is not None:
        # By the units of the subtree: the enrolments are indexed by unit and day.
        enrolled = Enrolment.objects.filter(
            Q(
                unit_id__in=Unit.objects.filter(path__startswith=unit.path).values("pk"),
                start__lte=active_on,
            )
            & (Q(end__isnull=True) | Q(end__gt=active_on))
        ).values("member_id")
        members = Member.objects.filter(pk__in=enrolled)
    else:
        members = Member.objects.filter(unit_path__startswith=unit.path)
    query = filters.get("query", "")
    key = name_key(query)
    if key:
        members = members.filter(name_search(key, card_number=query.strip()))
    for field, value in _equal(filters).items():
        members = members.filter(**{field: value})
    return members.select_related("unit").order_by("name_key", "birth_date", "pk")


def _equal(filters: Mapping[str, object]) -> dict[str, object]:
    """The equality filters that are set, by field."""
    return {field: filters[field] for field in EQUAL if filters.get(field)}


def members_page(
    *, actor: Actor, unit: Unit, offset: int = 0, limit: int = 50, **filters: Unpack[MemberFilters]
) -> list[Member]:
    """`members_list(…)[offset : offset + limit]`: the same members in the same order.

    A name search at a province's or the country's scope on PostgreSQL reads the page by
    merging the name indexes of migration 0007 (`_province_page`, `_country_page`): a bounded
    number of index entries, however many members match. Anything else is the list's own
    query.
    """
    members = members_list(actor=actor, unit=unit, **filters)
    return _page(members, unit, filters, offset, limit)


def _page(
    members: QuerySet[Member], unit: Unit, filters: MemberFilters, offset: int, limit: int
) -> list[Member]:
    """`members[offset : offset + limit]` for the list `members_list(…, **filters)` of `unit`
    (its access checked): see `members_page`."""
    query = filters.get("query", "")
    key = name_key(query)
    depth = unit.path.count("/")
    if (
        connection.vendor != "postgresql"
        or not key
        or depth not in (COUNTRY_SLASHES, PROVINCE_SLASHES)
        or any(ch.isdigit() for ch in query)  # a card number: the list's query asks it
        or filters.get("active_on") is not None  # by enrolments: the list's query
    ):
        return list(members[offset : offset + limit])
    equal = {field: str(value) for field, value in _equal(filters).items()}
    if depth == PROVINCE_SLASHES:
        ids = _province_page(str(unit.pk), key, equal, offset + limit)
    else:
        # A member belongs to a commune or below: her path's second id is a child of the
        # country's unit (a province, of any edition of the structure).
        provinces = Unit.objects.filter(parent=unit).values_list("pk", flat=True)
        ids = _country_page([str(pk) for pk in provinces], key, equal, offset + limit)
    page = ids[offset : offset + limit]
    if not page:
        return []
    # The page's rows by id (the list's other conditions could lead the planner to read every
    # match again), in the list's order.
    return list(
        Member.objects.filter(pk__in=page)
        .select_related("unit")
        .order_by("name_key", "birth_date", "pk")
    )


# The registry page counts a list above a commune up to this many members ("hơn 10.000 hội
# viên" beyond it): one statement that stops at the cap + 1st match, however many match.
COUNT_CAP = 10_000


class MembersFound:
    """A list for Django's Paginator: counted by the list's query (`members_list`), its pages
    read as `members_page` reads them (a province's or the country's name search merges the
    name indexes), the actor's access checked once.

    Above a commune the count stops at `COUNT_CAP`: `count()` is then the cap (the pager's
    last page is the cap's) and `capped` is True. A commune's or a branch's list is counted
    exactly (a commune's members are few: the count is cheap)."""

    ordered = True

    def __init__(self, *, actor: Actor, unit: Unit, **filters: Unpack[MemberFilters]) -> None:
        self.unit, self.filters = unit, filters
        self.members = members_list(actor=actor, unit=unit, **filters)
        self.cap = COUNT_CAP if unit.level < Level.COMMUNE else None
        self.capped = False

    def count(self) -> int:
        if self.cap is None:
            return self.members.count()
        # COUNT(*) over the list's first cap + 1 matches (no order: any cap + 1 will do).
        found = self.members.order_by().values("pk")[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    @overload
    def __getitem__(self, part: int) -> Member: ...
    @overload
    def __getitem__(self, part: slice) -> list[Member]: ...
    def __getitem__(self, part: int | slice) -> Member | list[Member]:
        if isinstance(part, int):
            return self[part : part + 1][0]
        start = part.start or 0
        return _page(self.members, self.unit, self.filters, start, max(0, part.stop - start))


# The country's path is "/<country>/"; a province's is "/<country>/<province>/": its members'
# paths share the second id.
COUNTRY_SLASHES = 2
PROVINCE_SLASHES = 3
SCOPE = "split_part(unit_path, '/', 3)"
ORDER = "name_key, birth_date, id"
WORDS = (2, 3, 4)  # the word positions with an index of their own (migration 0007)
# The distinct j-th words starting with the key, by skipping through `member_word{j}`: the
# next one is the least greater than the last (one descent each).
VOCABULARY = (
    "SELECT {j} AS j, w FROM (WITH RECURSIVE v (w) AS ("
    "SELECT (SELECT min({word}) FROM members_member WHERE {word} LIKE %s{partial}) "
    "UNION ALL SELECT (SELECT min({word}) FROM members_member "
    "WHERE {word} LIKE %s AND {word} > v.w{partial}) "
    "FROM v WHERE v.w IS NOT NULL) SELECT w FROM v WHERE w IS NOT NULL) AS s"
)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _word(j: int) -> str:
    return f"split_part(name_key, ' ', {j})"


def _province_page(scope: str, key: str, filters: dict[str, str], count: int) -> list[int]:
    """The ids of the first `count` members of the province `scope` (its id) whose name has a
    word starting with `key`, by (name, birth date, id), matching `filters` (field: value).

    A name matches if it starts with the key, or if its j-th word (j ≥ 2) does and the rest
    follows. Each stream below is read in name order from an index, and PostgreSQL merges
    them (Merge Append) and stops at `count`:
    - the names starting with the key: a range of `member_scope_name`;
    - for j = 2, 3, 4 and each word w of the j-th place starting with the key's first word
      (exactly that word when the key has more words), the members of the province whose
      j-th word is w: an equality prefix of `member_word{j}` (the words are found by skipping
      through that index, one descent each: the vocabulary, not the members);
    - names of five words or more (few): `member_scope_long` walked, the rule as a filter.
    Each stream reads at most what the merge takes from it, plus one descent. SQL made of
    fixed names and numbers only; every value is a parameter.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        _jit_off(cursor)
        found, params = _found(cursor, key, "%s", [scope])
        sql, tail = _first(found, filters, "found.id")
        cursor.execute(sql, [*params, *tail, count])
        return [row[0] for row in cursor.fetchall()]


def _country_page(provinces: list[str], key: str, filters: dict[str, str], count: int) -> list[int]:
    """The ids of the first `count` members of the country whose name has a word starting
    with `key`, by (name, birth date, id), matching `filters`; `provinces`: the ids of the
    country's children, which every member's path names second.

    The country's first `count` are among each province's first `count`: the province's
    merge (`_province_page`, its vocabulary read once) runs for each province in one
    statement (LATERAL, planned once), and the provinces' pages are sorted together. Each
    province reads what its own search reads; none reads the rest of its members.

    With filters, each province would test its own `count` (a row read by id each: most of
    the search's buffers). Most members pass a page's filters (active, the page's default):
    the country's first `2 × count` are merged without them and tested together; when
    `count` of them pass (or no more match), they are the page. Else the provinces' pages
    are merged with the filters.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        _jit_off(cursor)
        found, params = _found(cursor, key, "p.scope", [])

        def merged(tested: dict[str, str], limit: int) -> list[int]:
            first, tail = _first(found, tested, "found.name_key, found.birth_date, found.id")
            sql = (
                f"SELECT page.id FROM unnest(%s::text[]) AS p (scope) "  # noqa: S608
                f"CROSS JOIN LATERAL ({first}) AS page "
                f"ORDER BY page.name_key, page.birth_date, page.id LIMIT %s"
            )
            cursor.execute(sql, [provinces, *params, *tail, limit, limit])
            return [row[0] for row in cursor.fetchall()]

        if not filters:
            return merged({}, count)
        wider = merged({}, 2 * count)
        tests = " AND ".join(f"{field} = %s" for field in filters)
        cursor.execute(
            f"SELECT id FROM members_member WHERE id = ANY(%s) AND {tests}",  # noqa: S608
            [wider, *filters.values()],
        )
        passed = {row[0] for row in cursor.fetchall()}
        page = [pk for pk in wider if pk in passed]
        if len(page) >= count or len(wider) < 2 * count:
            return page[:count]
        return merged(filters, count)


def _jit_off(cursor: CursorWrapper) -> None:
    # The merge reads a bounded number of index entries, but the planner costs each stream
    # by the table's size, and past `jit_above_cost` PostgreSQL compiles the statement: at
    # 20 million members about 200 ms for a read of about 500 buffers.
    cursor.execute("SET LOCAL jit = off")


def _found(
    cursor: CursorWrapper, key: str, scope: str, scope_params: list[str]
) -> tuple[str, list[str]]:
    """The SQL of a province's members whose name has a word starting with `key`, in name
    order, one row each (name_key, birth_date, id), and its parameters: the streams of
    `_province_page` merged. `scope` is the SQL of the province's id (a placeholder, whose
    parameters are `scope_params`, or a column of an outer query)."""
    words = key.split(" ")
    first = words[0]
    pattern = _like(key) + "%"
    later = "% " + _like(key) + "%"
    if len(words) > 1:
        vocabulary = [(j, first) for j in WORDS]
    else:
        parts, vocabulary_params = [], []
        for j in WORDS:
            partial = f" AND {_word(j)} <> ''" if j == 4 else ""
            parts.append(VOCABULARY.format(j=j, word=_word(j), partial=partial))
            vocabulary_params += [pattern, pattern]
        cursor.execute(" UNION ALL ".join(parts), vocabulary_params)
        vocabulary = cursor.fetchall()
    streams = [f"{SCOPE} = {scope} AND name_key LIKE %s"]
    params = [*scope_params, pattern]
    for j, word in vocabulary:
        condition = f"{_word(j)} = %s AND {SCOPE} = {scope}"
        condition += f" AND {_word(j)} <> ''" if j == 4 else ""
        streams.append(condition + (" AND ' ' || name_key LIKE %s" if len(words) > 1 else ""))
        params += [word, *scope_params, *([later] if len(words) > 1 else [])]
    streams.append(f"{SCOPE} = {scope} AND {_word(5)} <> '' AND ' ' || name_key LIKE %s")
    params += [*scope_params, later]
    union = " UNION ALL ".join(
        f"(SELECT {ORDER} FROM members_member WHERE {s} ORDER BY {ORDER})"  # noqa: S608
        for s in streams
    )
    # A member found by two streams comes twice, side by side in the merge: DISTINCT
    # (a Unique node over the Merge Append) keeps one.
    return f"SELECT DISTINCT {ORDER} FROM ({union}) AS s", params  # noqa: S608


def _first(found: str, filters: dict[str, str], columns: str) -> tuple[str, list[str]]:
    """The SQL of the first rows (`columns`) of `found` matching `filters`, its LIMIT a
    placeholder last, and the filters' parameters (after `found`'s)."""
    if not filters:
        return f"SELECT {columns} FROM ({found}) AS found ORDER BY {ORDER} LIMIT %s", []  # noqa: S608
    # Each member of the merge, in order, is read (by id) for the other fields, until
    # `count` pass: a few more than `count` for a common value (active), more for rare.
    tests = " AND ".join(f"m.{field} = %s" for field in filters)
    sql = (
        f"SELECT {columns} FROM ({found}) AS found "  # noqa: S608
        f"JOIN members_member AS m ON m.id = found.id WHERE {tests} "
        "ORDER BY found.name_key, found.birth_date, found.id LIMIT %s"
    )
    return sql, list(filters.values())


def name_search(key: str, *, card_number: str = "") -> Q:
    """Members whose name (without diacritics) has a word starting with `key`, or whose card
    number is `card_number` (asked only when it has a digit).

    Served by the name index of migration 0003: pg_trgm's GIN index on PostgreSQL (it serves
    both LIKEs), the FTS5 trigram table on SQLite (its candidates, then the exact rule).
    """
    condition = Q(name_key__startswith=key) | Q(name_key__contains=" " + key)
    bare = key.replace("%", "").replace("_", "")
    if connection.vendor == "sqlite" and len(bare) >= 3:
        candidates = RawSQL(
            "SELECT rowid FROM member_name_search WHERE name_key LIKE %s", [f"%{bare}%"]
        )
        condition &= Q(pk__in=candidates)
    if card_number and any(ch.isdigit() for ch in card_number):
        condition |= Q(card_number=card_number)
    return condition


def member_get(*, actor: Actor, uid: str, purpose: str) -> Member:
    """One member's full record, if the actor may read it; the read is logged with `purpose`.

    404 for a member outside the actor's subtree (as if it did not exist).
    """
    root = records_root(actor)
    member = Member.objects.filter(uid=uid).select_related("unit", "residence_unit").first()
    if member is None or root is None or not member.unit_path.startswith(root):
        raise Http404(NOT_FOUND)
    member_read_log(actor=actor, member=member, purpose=purpose or "Xem hồ sơ")
    return member


def member_lookup(*, actor: Actor, uid: str) -> Member:
    """The member for a write (no read logged): 404 outside the actor's subtree."""
    root = records_root(actor)
    member = Member.objects.filter(uid=uid).select_related("unit").first()
    if member is None or root is None or not member.unit_path.startswith(root):
        raise Http404(NOT_FOUND)
    return member


def masked_phone(member: Member) -> str:
    """The phone as lists show it: the last three digits only."""
    return mask_tail(member.phone)


def masked_citizen_id(member: Member) -> str:
    """The citizen ID as lists show it: the last three digits only."""
    return mask_tail(member.citizen_id)


def status_counts(unit: Unit) -> dict[str, int]:
    """How many members of the subtree are in each status now (aggregates: no personal data)."""
    counts = dict.fromkeys(Status.values, 0)
    for row in (
        Member.objects.filter(unit_path__startswith=unit.path)
        .values_list("status")
        .order_by()
        .annotate(n=Count("id"))
    ):
        counts[row[0]] = row[1]
    return counts


__all__ = [
    "COUNT_CAP",
    "NOT_FOUND",
    "MemberFilters",
    "MembersFound",
    "masked_citizen_id",
    "masked_phone",
    "member_get",
    "member_lookup",
    "members_list",
    "members_page",
    "name_search",
    "status_counts",
]
