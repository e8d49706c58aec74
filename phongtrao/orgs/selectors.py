"""Reads of units and editions: which unit a code means on a day, subtrees, ancestors, what
became of a subtree in another structure."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from phongtrao.orgs.models import Edition, Succession, Unit, UnitMapping
from phongtrao.vn import format_date_short
from phongtrao.vn.text import fold_words

# At most this many words of a query are matched (a pasted paragraph is not a unit's name).
SEARCH_WORDS = 8


def _valid_on(at: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": at}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": at})
    )


def edition_at(at: dt.date) -> Edition:
    """The hierarchy edition in force on `at` (the latest one if editions overlap).

    Raises Edition.DoesNotExist when no edition covers the day.
    """
    edition = Edition.objects.filter(_valid_on(at)).order_by("-valid_from").first()
    if edition is None:
        raise Edition.DoesNotExist(
            f"Không có phiên bản cơ cấu nào có hiệu lực ngày {format_date_short(at)}."
        )
    return edition


def unit_resolve(code: str, at: dt.date) -> Unit:
    """The unit that `code` meant on `at`.

    Codes are reused across editions ("75" is Đồng Nai before and after 1/7/2025, with other
    communes), so the unit is the one whose edition and own validity both cover the day.
    Raises Unit.DoesNotExist when there is none.
    """
    unit = (
        Unit.objects.filter(_valid_on(at), _valid_on(at, "edition__"), code=code)
        .select_related("edition")
        .order_by("-edition__valid_from")
        .first()
    )
    if unit is None:
        raise Unit.DoesNotExist(
            f"Không có đơn vị mã “{code}” có hiệu lực ngày {format_date_short(at)}."
        )
    return unit


def units_named(name: str, at: dt.date, *, limit: int = 50) -> list[Unit]:
    """The units called `name` on `at` (up to `limit`): names repeat (many communes share
    one), so the caller decides what several mean."""
    return list(
        Unit.objects.filter(_valid_on(at), _valid_on(at, "edition__"), name=name).order_by("path")[
            :limit
        ]
    )


def units_search(units: QuerySet[Unit], query: str) -> QuerySet[Unit]:
    """The units among `units` (the caller's access-checked set) whose names hold every word
    of `query` at a word's start, diacritics and case aside, as the portal's search forgives
    them: the query is folded as the names are (`vn.text.fold`, kept in `Unit.name_key`) and
    the engine matches the folded words. A query of digits also finds a unit by its code.

    Best first: the name itself ("loc thai" for "Xã Lộc Thái"), then the words in a row,
    then the words anywhere; units in force before those that ended; then by level and name.
    """
    words = fold_words(query)[:SEARCH_WORDS]
    if not words:
        return units.none()
    matched = Q()
    for word in words:
        matched &= Q(name_key__startswith=word) | Q(name_key__contains=f" {word}")
    phrase = " ".join(words)
    if query.strip().isdigit():
        matched |= Q(code__startswith=query.strip())
    rank = Case(
        When(Q(name_key=phrase) | Q(name_key__endswith=f" {phrase}"), then=Value(0)),
        When(
            Q(code=query.strip())
            | Q(name_key__startswith=phrase)
            | Q(name_key__contains=f" {phrase}"),
            then=Value(1),
        ),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        units.filter(matched)
        .annotate(search_rank=rank)
        .order_by("search_rank", F("valid_to").desc(nulls_first=True), "level", "name_key", "code")
    )


def unit_descendants(unit: Unit, *, include_self: bool = True) -> QuerySet[Unit]:
    """The unit's subtree, found by the prefix of the materialised path, parents first."""
    units = Unit.objects.filter(path__startswith=unit.path)
    if not include_self:
        units = units.exclude(pk=unit.pk)
    return units


def unit_children(unit: Unit) -> QuerySet[Unit]:
    """The units directly under `unit`, in the order of their official codes."""
    return Unit.objects.filter(parent=unit).order_by("code", "name")


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down to its parent (one query, none for a root)."""
    ids = unit.ancestor_ids
    if not ids:
        return []
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def edition_get(edition: Edition | str) -> Edition:
    """The edition itself, or the one with this code ("2008", "2025").

    Raises Edition.DoesNotExist with a Vietnamese message for an unknown code.
    """
    if isinstance(edition, Edition):
        return edition
    found = Edition.objects.filter(code=edition).first()
    if found is None:
        raise Edition.DoesNotExist(f"Không có phiên bản cơ cấu “{edition}”.")
    return found


def edition_for_period(end: dt.date, edition: Edition | str | dt.date | None = None) -> Edition:
    """The structure a report asks for: an edition, its code, a date, or (None) the period's end."""
    if isinstance(edition, dt.date):
        return edition_at(edition)
    if edition is None:
        return edition_at(end)
    return edition_get(edition)


def edition_parse(text: str) -> Edition:
    """The structure an `edition=` parameter names: an edition's code ("2008", "2025") or a
    day ("2025-07-01": the structure in force that day).

    Raises Edition.DoesNotExist with a Vietnamese message.
    """
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise Edition.DoesNotExist(
                f"Ngày “{text}” không hợp lệ: hãy ghi theo dạng năm-tháng-ngày, ví dụ 2025-07-01."
            ) from None
        return edition_at(day)
    return edition_get(text)


def structure_note(unit: Unit, end: dt.date, carried: bool) -> str:
    """Says on which structure a unit's figures up to `end` are, when some come from the other
    one (`carried`) or the unit is not of the structure in force at `end`; else ""."""
    try:
        at_end: Edition | None = edition_for_period(end)
    except Edition.DoesNotExist:
        at_end = None
    if not carried and (at_end is None or at_end.pk == unit.edition_id):
        return ""
    name = unit.edition.name
    return (
        f"Số liệu tổng hợp theo {name[:1].lower()}{name[1:]}; số liệu do các đơn vị trước "
        "hoặc sau khi sắp xếp nhập được quy đổi theo quan hệ kế thừa giữa các đơn vị."
    )


def unit_counterpart(unit: Unit, edition: Edition | str) -> Unit:
    """The unit standing for `unit` in another edition of the structure.

    The unit of the same code in that edition (codes carry over: "75" is Đồng Nai in both);
    else the unit its figures mostly went into or came from (Bình Phước → the 2025 Đồng Nai),
    at its own level if there is one; else its parent's counterpart (an abolished district →
    its 2025 province). Raises Unit.DoesNotExist when nothing stands for it.
    """
    target = edition_get(edition)
    if unit.edition_id == target.pk:
        return unit
    same_code = Unit.objects.filter(edition=target, code=unit.code).order_by("-valid_from").first()
    if same_code is not None and same_code.level == unit.level:
        return same_code
    rows = list(
        UnitMapping.objects.filter(source=unit, target__edition=target).select_related("target")
    )
    if rows:
        best = min(rows, key=lambda r: (abs(r.target.level - unit.level), -r.weight, r.target.path))
        return best.target
    if unit.parent_id is not None:
        parent = Unit.objects.select_related("edition").get(pk=unit.parent_id)
        return unit_counterpart(parent, target)
    raise Unit.DoesNotExist(f"Không có đơn vị nào thay cho “{unit}” trong cơ cấu “{target}”.")


def successions_across(unit: Unit, edition: Edition | str) -> list[Succession]:
    """The successions linking `unit`'s subtree with the units of `edition`: old → new when
    `edition` is the later structure (what became of the province's communes from 01/7/2025),
    new → old when it is the earlier one. Ordered by the subtree's unit, then the other."""
    target = edition_get(edition)
    if target.valid_from > unit.edition.valid_from:
        rows = Succession.objects.filter(
            predecessor__path__startswith=unit.path, successor__edition=target
        ).order_by("predecessor__path", "successor__path")
    else:
        rows = Succession.objects.filter(
            successor__path__startswith=unit.path, predecessor__edition=target
        ).order_by("successor__path", "predecessor__path")
    return list(rows.select_related("predecessor", "successor"))
