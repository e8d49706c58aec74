"""Reads of the registry: lists (masked), one record (logged), counts at a date."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from phongtrao.members.access import Actor, records_may_view, records_root
from phongtrao.members.choices import Status
from phongtrao.members.models import Enrolment, Member
from phongtrao.members.names import mask_tail, name_key
from phongtrao.members.services import member_read_log
from phongtrao.orgs.models import Unit

NOT_FOUND = "Không tìm thấy hội viên."


def members_list(
    *,
    actor: Actor,
    unit: Unit,
    query: str = "",
    active_on: dt.date | None = None,
    status: str = "",
    ethnicity: str = "",
    religion: str = "",
    occupation: str = "",
) -> QuerySet[Member]:
    """The members of `unit`'s subtree the actor may read, filtered, ordered by name.

    `query` matches the name without diacritics (a word's start anywhere in the name) or the
    card number; `active_on` keeps those enrolled on that day (wherever they are now
    listed under the unit they belonged to then). Raises PermissionDenied for an actor who
    sees only aggregates.
    """
    if not records_may_view(actor, unit):
        raise PermissionDenied("Cấp của bạn chỉ xem số liệu tổng hợp, không xem hồ sơ hội viên.")
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
    key = name_key(query)
    if key:
        members = members.filter(name_search(key, card_number=query.strip()))
    for field, value in (
        ("status", status),
        ("ethnicity", ethnicity),
        ("religion", religion),
        ("occupation", occupation),
    ):
        if value:
            members = members.filter(**{field: value})
    return members.select_related("unit").order_by("name_key", "birth_date", "pk")


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
    "NOT_FOUND",
    "masked_citizen_id",
    "masked_phone",
    "member_get",
    "member_lookup",
    "members_list",
    "name_search",
    "status_counts",
]
