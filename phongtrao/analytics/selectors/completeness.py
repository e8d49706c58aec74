"""Completeness: which units below a unit reported for a period, on either structure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from phongtrao.analytics.models import Activity
from phongtrao.analytics.selectors.base import MappedSource, period_row
from phongtrao.analytics.selectors.mapped import mapped_sources, source_era
from phongtrao.data.models import DataValue, Period
from phongtrao.data.rollups import ZERO
from phongtrao.orgs.models import Unit


@dataclass(frozen=True)
class Completeness:
    """Which units below a unit reported anything for a period.

    Its direct children; and, for the part of the period the unit did not exist (2023 on
    a 2025 commune), the reporting units of the structure the data were entered on that
    map into it: `carried` of the `expected` units are those, entered before the
    reorganisation (`carried_era` -1) or after it (1).
    """

    expected: int
    reported: list[Unit]
    missing: list[Unit]
    carried: int = 0
    carried_era: int = 0

    @property
    def pct(self) -> Decimal:
        return Decimal(len(self.reported) * 100) / self.expected if self.expected else ZERO


def _carried_units(unit: Unit, period: Period, sources: Sequence[MappedSource]) -> list[Unit]:
    """The units of another structure that stand, for completeness, where `unit`'s children
    would: in each whole source's subtree, the units at the level of `unit`'s children
    (the old communes of Bình Phước for the 2025 Đồng Nai); the source itself where there
    are none (old communes for a new commune without chi hội) or where only its own values
    are mapped. A fixed number of queries, whatever the number of units.
    """
    level = (
        Unit.objects.filter(parent=unit).order_by("level").values_list("level", flat=True).first()
    )
    if level is None:
        level = unit.level + 1
    in_subtrees = Q(pk__in=[])
    for source in sources:
        if source.whole:
            in_subtrees |= Q(path__startswith=source.path)
    found = {
        u.pk: u
        for u in Unit.objects.filter(in_subtrees, level=level, valid_from__lte=period.end).exclude(
            valid_to__lt=period.start
        )
    }
    paths = [u.path for u in found.values()]
    themselves = [
        s.id for s in sources if not s.whole or not any(path.startswith(s.path) for path in paths)
    ]
    if themselves:
        found.update(Unit.objects.in_bulk(themselves))
    return sorted(found.values(), key=lambda u: u.path)


def unit_completeness(unit: Unit, period: Period | str) -> Completeness:
    """Children that reported (themselves or below them) for the period, and who did not.

    For the part of the period outside the unit's validity, the reporting units of the other
    structure that map into it count too (see `Completeness`). The number of queries does
    not depend on the number of units.
    """
    row = period_row(period)
    children = list(
        Unit.objects.filter(parent=unit, valid_from__lte=row.end).exclude(valid_to__lt=row.start)
    )
    sources = mapped_sources(unit, row)
    carried = _carried_units(unit, row, sources) if sources else []
    child_ids = {c.pk for c in children}
    units = children + [u for u in carried if u.pk not in child_ids]
    ids = [u.pk for u in units]
    below = Activity.objects.filter(unit_id__in=ids, period=row, count__gt=0)
    # Units below the roll-ups' levels (communes) have no Activity row: one value of theirs
    # in the period is enough, found per unit through the (unit, ...) index rather than by
    # reading every value of hundreds of communes.
    within = Period.objects.filter(start__gte=row.start, end__lte=row.end).values("pk")
    own = Unit.objects.filter(pk__in=ids).filter(
        Exists(DataValue.objects.filter(unit_id=OuterRef("pk"), period_id__in=within))
    )
    done = set(below.values_list("unit_id", flat=True)) | set(own.values_list("pk", flat=True))
    eras = {source_era(unit, source) for source in sources}
    return Completeness(
        expected=len(units),
        reported=[u for u in units if u.pk in done],
        missing=[u for u in units if u.pk not in done],
        carried=len(units) - len(children),
        carried_era=min(eras) if eras else 0,
    )
