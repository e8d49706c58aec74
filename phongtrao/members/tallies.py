"""Yearly tallies of the enrolments per unit, kept with the book, and counts read from them.

`EnrolmentTally` holds, per unit and year, how many enrolments began and ended (and of them
by residence). Every write of enrolments moves it in the same transaction (`tallies_move`,
one statement: the admission, leaving and transfer services, list imports, reorganisations),
by the spans the change made (+1) and unmade (-1), the same changes the registry figures
move by. A subtree's members active on 31/12 of a year are then its units' starts minus ends
up to that year (read by path prefix: contiguous rows of one index); on another day the
enrolments of the rest of the year are counted too, by unit and day (`enrolment_unit_start`,
`enrolment_unit_end`), from the nearer year end.
`tallies_rebuild` counts them again from the enrolments (the migration, the benchmark).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import connection

from phongtrao.orgs.models import Unit


class Move(NamedTuple):
    """An enrolment of unit `unit_id` (at `unit_path`) made (`sign` +1) or unmade (-1), or
    `sign` such alike: the years it began and ended and whether it counts by residence (as
    `figures.Span`)."""

    unit_id: int
    unit_path: str
    start_year: int
    end_year: int | None
    by_residence: bool
    sign: int = 1


TALLY = "members_enrolmenttally"
UPSERT = (
    f"INSERT INTO {TALLY} (unit_id, unit_path, year, starts, ends, residence_starts, "  # noqa: S608
    "residence_ends) "
    "VALUES {rows} ON CONFLICT (unit_id, year) DO UPDATE SET "
    f"starts = {TALLY}.starts + excluded.starts, ends = {TALLY}.ends + excluded.ends, "
    f"residence_starts = {TALLY}.residence_starts + excluded.residence_starts, "
    f"residence_ends = {TALLY}.residence_ends + excluded.residence_ends"
)
UPSERT_BATCH = 4_000  # rows per statement: 28,000 parameters, under SQLite's limit


def tallies_move(moves: Iterable[Move]) -> None:
    """Add the moves to the tallies of their units: one statement per few thousand rows, in
    key order (two writers lock the rows they share in the same order)."""
    delta: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    paths: dict[int, str] = {}
    for move in moves:
        paths[move.unit_id] = move.unit_path
        started = delta[(move.unit_id, move.start_year)]
        started[0] += move.sign
        if move.by_residence:
            started[2] += move.sign
        if move.end_year is not None:
            ended = delta[(move.unit_id, move.end_year)]
            ended[1] += move.sign
            if move.by_residence:
                ended[3] += move.sign
    rows: list[tuple[Any, ...]] = [
        (unit_id, paths[unit_id], year, *counts)
        for (unit_id, year), counts in sorted(delta.items())
        if any(counts)
    ]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), UPSERT_BATCH):
            part = rows[first : first + UPSERT_BATCH]
            marks = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(part))
            values: list[Any] = [v for row in part for v in row]
            cursor.execute(UPSERT.format(rows=marks), values)


def _year(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(YEAR FROM {column})::int"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def tallies_rebuild() -> None:
    """Count every unit's tallies again from the enrolments (after a load that wrote them
    without `tallies_move`)."""
    start, end = _year("start"), _year('"end"')
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {TALLY} (unit_id, unit_path, year, starts, ends, "  # noqa: S608
            "residence_starts, residence_ends) "
            "SELECT unit_id, MIN(unit_path), year, SUM(starts), SUM(ends), SUM(rs), SUM(re) "
            f"FROM (SELECT unit_id, unit_path, {start} AS year, COUNT(*) AS starts, 0 AS ends, "
            "SUM(CASE WHEN by_residence THEN 1 ELSE 0 END) AS rs, 0 AS re "
            f"FROM members_enrolment GROUP BY unit_id, unit_path, {start} "
            f"UNION ALL SELECT unit_id, unit_path, {end}, 0, COUNT(*), 0, "
            "SUM(CASE WHEN by_residence THEN 1 ELSE 0 END) "
            f'FROM members_enrolment WHERE "end" IS NOT NULL GROUP BY unit_id, unit_path, {end}'
            ") AS counted GROUP BY unit_id, year",
            [],  # so that "%%" is read as "%" on both engines
        )


def _under(column: str, path: str) -> tuple[str, list[str]]:
    """`column` starts with `path`, as each engine's index serves it: LIKE on PostgreSQL (the
    pattern operator class), a range on SQLite (whose LIKE ignores case and no index)."""
    if connection.vendor == "postgresql":
        return f"{column} LIKE %s", [path + "%"]
    # Paths are digits and "/": those starting with `path` sort from it to the next string.
    return f"{column} >= %s AND {column} < %s", [path, path[:-1] + chr(ord(path[-1]) + 1)]


def _stock_sql(path: str) -> tuple[str, list[Any]]:
    under, params = _under("unit_path", path)
    sql = f"SELECT COALESCE(SUM(starts - ends), 0) FROM {TALLY} WHERE {under} AND year <= %s"  # noqa: S608
    return sql, params


def _part_sql(path: str, column: str) -> tuple[str, list[Any]]:
    under, params = _under("path", path)
    sql = (
        f"SELECT COUNT(*) FROM members_enrolment WHERE unit_id IN "  # noqa: S608
        f"(SELECT id FROM orgs_unit WHERE {under}) AND {column} >= %s AND {column} <= %s"
    )
    return sql, params


def tally_count(unit: Unit, day: dt.date) -> int:
    """Members of `unit`'s subtree active on `day` (joined on or before it, not yet ended):
    one query.

    Active on a day = enrolments begun by then minus those ended by then (an enrolment ends
    after it begins). Whole years come from the tallies; the part of `day`'s year on the
    near side of it from the enrolments: those of 1/1 to `day` added to the year before's
    stock, or those after `day` taken from the year's.
    """
    year_end = dt.date(day.year, 12, 31)
    if day == year_end:
        through, first, last, sign = day.year, day, day, 0
    elif day.timetuple().tm_yday <= 183:
        through, first, last, sign = day.year - 1, dt.date(day.year, 1, 1), day, 1
    else:
        through, first, last, sign = day.year, day + dt.timedelta(days=1), year_end, -1
    stock_sql, under = _stock_sql(unit.path)
    with connection.cursor() as cursor:
        if sign == 0:
            cursor.execute(stock_sql, [*under, through])
            return int(cursor.fetchone()[0])
        starts_sql, units = _part_sql(unit.path, "start")
        ends_sql, _ = _part_sql(unit.path, '"end"')
        cursor.execute(
            f"SELECT ({stock_sql}), ({starts_sql}), ({ends_sql})",
            [*under, through, *units, first, last, *units, first, last],
        )
        stock, started, ended = cursor.fetchone()
    return int(stock) + sign * (int(started) - int(ended))


def tally_figures(unit: Unit, years: Iterable[int]) -> dict[int, dict[str, int]]:
    """HV_TONG, HV_DIABAN, HV_KETNAP, HV_GIAM of `unit`'s subtree for each year, from the
    tallies: one query (stocks are the sums of the years up to each)."""
    wanted = sorted(set(years))
    if not wanted:
        return {}
    under, params = _under("unit_path", unit.path)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT year, SUM(starts), SUM(ends), SUM(residence_starts), "  # noqa: S608
            f"SUM(residence_ends) FROM {TALLY} WHERE {under} AND year <= %s "
            "GROUP BY year ORDER BY year",
            [*params, wanted[-1]],
        )
        rows = cursor.fetchall()
    figures: dict[int, dict[str, int]] = {}
    stock = residence = 0
    at = 0
    for year in wanted:
        joined = left = 0
        while at < len(rows) and rows[at][0] <= year:
            row_year, starts, ends, residence_starts, residence_ends = rows[at]
            stock += int(starts) - int(ends)
            residence += int(residence_starts) - int(residence_ends)
            if row_year == year:
                joined, left = int(starts), int(ends)
            at += 1
        figures[year] = {
            "HV_TONG": stock,
            "HV_DIABAN": residence,
            "HV_KETNAP": joined,
            "HV_GIAM": left,
        }
    return figures


__all__ = ["Move", "tallies_move", "tallies_rebuild", "tally_count", "tally_figures"]
