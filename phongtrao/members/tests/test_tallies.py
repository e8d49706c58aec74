"""Counts read from the yearly tallies equal the counts of the whole book, at any day and
level, after admissions, leavings, deaths, transfers, imports and a reorganisation."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.members.bulk import members_import
from phongtrao.members.figures import (
    figures_count,
    figures_recount,
    members_count,
    members_recount,
)
from phongtrao.members.models import EnrolmentTally, Member
from phongtrao.members.reorganisation import members_follow_successions
from phongtrao.members.services import (
    MemberData,
    member_admit,
    member_leave,
    member_transfer_request,
    transfer_accept,
)
from phongtrao.members.tallies import tallies_rebuild

from .conftest import SYSTEM, person

CONSENT = {"purpose": "Quản lý hội viên", "consent_on": dt.date(2020, 1, 1)}
TODAY = dt.date.today()  # noqa: DTZ011 - the services' own "today"


def days_to_check(draw: random.Random) -> list[dt.date]:
    """Year ends, year starts, days in both halves of a year, and random days."""
    days = [dt.date(year, 12, 31) for year in range(2017, TODAY.year + 1)]
    days += [dt.date(year, 1, 1) for year in range(2018, TODAY.year + 1)]
    days += [dt.date(2021, 3, 15), dt.date(2021, 7, 2), dt.date(2021, 7, 3), dt.date(2022, 11, 30)]
    span = (TODAY - dt.date(2017, 1, 1)).days
    days += [dt.date(2017, 1, 1) + dt.timedelta(days=draw.randrange(span)) for _ in range(10)]
    return days


def assert_counts_equal(units: list[Any], draw: random.Random, note: str = "") -> None:
    for unit in units:
        for day in days_to_check(draw):
            assert members_count(unit, day) == members_recount(unit, day), (unit.name, day, note)
        years = range(2017, TODAY.year + 1)
        assert figures_count(unit, years) == figures_recount(unit, years), (unit.name, note)


def test_counts_from_tallies_equal_the_book_after_random_changes(registry):
    """In communes with and without a registry and a chi hội: every level's count at many
    days (year ends, both halves of a year) equals the count of every enrolment."""
    draw = random.Random(8)  # noqa: S311
    places = [registry["c1"], registry["branch"], registry["c2"], registry["c3"]]
    levels = [registry[k] for k in ("vn", "province", "d1", "d2", "c1", "c2", "c3", "branch")]
    last = min(TODAY, registry["c1"].valid_to or TODAY)
    day_count = (last - dt.date(2018, 1, 1)).days
    active: list[Member] = []
    for step in range(40):
        day = dt.date(2018, 1, 1) + dt.timedelta(days=draw.randrange(day_count))
        action = draw.choice(["admit", "admit", "leave", "transfer"]) if active else "admit"
        if action == "admit":
            active.append(
                member_admit(
                    actor=SYSTEM,
                    unit=draw.choice(places),
                    data=person(
                        f"Người Thứ {step}", join_date=day, by_residence=draw.random() < 0.6
                    ),
                    **CONSENT,
                )
            )
        else:
            member = active.pop(draw.randrange(len(active)))
            start = member.enrolments.get(end__isnull=True).start
            if start >= last:
                continue
            on = start + dt.timedelta(days=1 + draw.randrange((last - start).days))
            if action == "leave":
                member_leave(
                    actor=SYSTEM, member=member, on=on, reason="Chuyển đi", deceased=step % 3 == 0
                )
            else:
                target = draw.choice([p for p in places if p.pk != member.unit_id])
                transfer = member_transfer_request(
                    actor=SYSTEM, member=member, to_unit=target, on=on
                )
                active.append(transfer_accept(actor=SYSTEM, transfer=transfer))
        if step % 10 == 9:
            assert_counts_equal(levels, draw, f"step {step}")
    rows = [
        MemberData(
            full_name=f"Đỗ Thị Nhập {i}",
            birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i),
            join_date=dt.date(2018, 1, 1) + dt.timedelta(days=draw.randrange(day_count)),
            unit_id=registry["branch"].pk,
            unit_path=registry["branch"].path,
            by_residence=i % 2 == 0,
        )
        for i in range(25)
    ]
    members_import(
        actor=SYSTEM, unit=registry["c1"], rows=rows, numbers=list(range(2, 27)), **CONSENT
    )
    assert_counts_equal(levels, draw, "import")
    kept = sorted(EnrolmentTally.objects.values_list("unit_id", "year", "starts", "ends"))
    tallies_rebuild()
    rebuilt = sorted(EnrolmentTally.objects.values_list("unit_id", "year", "starts", "ends"))
    assert [row for row in kept if row[2] or row[3]] == rebuilt


def test_a_reorganisation_moves_the_tallies(registry, small_tree_2025):
    units = [registry[k] for k in ("c1", "c2", "c3", "branch", "province", "vn")]
    for i, unit in enumerate([registry["branch"], registry["c2"], registry["c3"]]):
        member_admit(
            actor=SYSTEM,
            unit=unit,
            data=person(f"Lê Thị {i}", join_date=dt.date(2023, 3, 8)),
            **CONSENT,
        )
    members_follow_successions(actor=SYSTEM, units=[registry["c1"], registry["c2"], registry["c3"]])
    new = [small_tree_2025[k] for k in ("north", "south", "new_province", "new_vn")]
    assert_counts_equal(units + new, random.Random(25))  # noqa: S311
    assert members_count(small_tree_2025["north"], small_tree_2025["north"].valid_from) == 2


def test_a_count_takes_one_query_whatever_the_day(registry):
    member_admit(actor=SYSTEM, unit=registry["branch"], data=person(), **CONSENT)
    for day in (dt.date(2023, 12, 31), dt.date(2023, 2, 1), dt.date(2023, 11, 1)):
        with CaptureQueriesContext(connection) as queries:
            assert members_count(registry["province"], day) == int(day >= dt.date(2023, 3, 8))
        assert len(queries) == 1
