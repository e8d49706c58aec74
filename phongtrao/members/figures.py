"""Membership figures computed from the registry and written as values.

For a unit that keeps a registry (`RegistryUnit`, a commune union), HV_TONG (members at the
period's end), HV_DIABAN (of which by residence), HV_KETNAP (joined in the period) and
HV_GIAM (left in the period) are counted from the enrolments of its subtree and saved
through `data.services.datavalues_save` with source "registry", so the roll-ups of every
ancestor change in the same transaction, like any saved value. A transfer counts as "giảm"
in the unit left and in HV_KETNAP of the unit joined, so that HV_TONG = HV_TONG of the
period before + HV_KETNAP - HV_GIAM holds in every unit. Units without a registry keep
entering their totals by hand; for registry units those indicators are not editable by hand
(`registry_guard`, registered with `data.guards`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal

from django.db.models import Q

from phongtrao import periods
from phongtrao.actors import SystemActor
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import Period
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.members.models import Enrolment, RegistryUnit
from phongtrao.orgs.models import Unit

SOURCE = "registry"
REGISTRY_CODES = ("HV_TONG", "HV_DIABAN", "HV_KETNAP", "HV_GIAM")
# How reports and dashboards name figures that come from the registry.
REGISTRY_LABEL = "theo sổ hội viên"


def registry_unit_of(unit: Unit) -> Unit | None:
    """The unit keeping the registry that `unit` belongs to (itself or an ancestor), or None."""
    ids = [*unit.ancestor_ids, unit.pk]
    row = (
        RegistryUnit.objects.filter(unit_id__in=ids)
        .select_related("unit")
        .order_by("-unit__level")
        .first()
    )
    return row.unit if row is not None else None


def registry_keeps(unit: Unit) -> bool:
    """Whether `unit`'s membership figures come from the registry ("theo sổ hội viên").

    True for a unit keeping a registry and for a unit all of whose commune unions do:
    the hook reports and dashboards ask before writing "theo sổ hội viên".
    """
    if RegistryUnit.objects.filter(unit_id__in=[*unit.ancestor_ids, unit.pk]).exists():
        return True
    communes = Unit.objects.filter(path__startswith=unit.path, level=3)
    total = communes.count()
    return total > 0 and total == communes.filter(registry__isnull=False).count()


def active_on(path: str, day: dt.date) -> Q:
    """Enrolments under `path` active on `day` (joined on or before, not yet ended)."""
    return Q(unit_path__startswith=path, start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


def members_count(unit: Unit, day: dt.date) -> int:
    """Members of `unit`'s subtree active on `day`, from the registry."""
    return Enrolment.objects.filter(active_on(unit.path, day)).count()


def figures_compute(unit: Unit, period: Period) -> dict[str, int]:
    """HV_TONG, HV_DIABAN, HV_KETNAP, HV_GIAM of `unit`'s subtree for `period`."""
    rows = Enrolment.objects.filter(unit_path__startswith=unit.path)
    stock = rows.filter(active_on(unit.path, period.end))
    return {
        "HV_TONG": stock.count(),
        "HV_DIABAN": stock.filter(by_residence=True).count(),
        "HV_KETNAP": rows.filter(start__gte=period.start, start__lte=period.end).count(),
        "HV_GIAM": rows.filter(end__gte=period.start, end__lte=period.end).count(),
    }


# The registry writing the figures it counts (the audit of values names it).
REGISTRY = SystemActor("sổ hội viên")


def _years(first: dt.date, last: dt.date) -> list[str]:
    return [str(year) for year in range(first.year, last.year + 1)]


def figures_write(
    *, unit: Unit, days: Iterable[dt.date], today: dt.date | None = None
) -> list[str]:
    """Recount and save the registry figures of `unit` for the years touched by `days`.

    A change on a day changes the stock of every later year up to this one, so each year from
    the earliest day (not before the registry's start) to today's is recounted. Returns the
    period codes written. Call inside the transaction of the change (the services do, after
    checking their actor): the figures are written by the registry itself (`REGISTRY`).
    """
    today = today or dt.date.today()  # noqa: DTZ011 - a calendar day in the server's zone
    # Before the unit began keeping its book, its figures stay the ones it entered.
    since = RegistryUnit.objects.filter(unit=unit).values_list("since", flat=True).first()
    touched = sorted(max(day, since) if since else day for day in days)
    if not touched:
        return []
    codes = _years(touched[0], max(today, touched[-1]))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=REGISTRY_CODES)}
    for code in codes:
        period = period_get(code)
        counts = figures_compute(unit, period)
        datavalues_save(
            unit=unit,
            period=period,
            values={indicators[c]: Decimal(counts[c]) for c in REGISTRY_CODES if c in indicators},
            actor=REGISTRY,
            source=SOURCE,
        )
    return codes


def registry_guard(unit_ids: Collection[int], source: str) -> dict[int, tuple[frozenset[str], str]]:
    """Units keeping a registry may not take hand-entered membership figures."""
    if source == SOURCE:
        return {}
    units = RegistryUnit.objects.filter(unit_id__in=list(unit_ids)).values_list(
        "unit_id", flat=True
    )
    return {unit_id: (frozenset(REGISTRY_CODES), GUARD_MESSAGE) for unit_id in units}


GUARD_MESSAGE = (
    "Số hội viên của đơn vị này được tính từ sổ hội viên, không nhập tay: "
    "hãy cập nhật sổ hội viên (kết nạp, chuyển sinh hoạt, ra khỏi Hội)."
)


def period_label(code: str) -> str:
    """The Vietnamese label of a period, as the registry pages print it."""
    return periods.label_vi(code)


__all__ = [
    "REGISTRY_CODES",
    "REGISTRY_LABEL",
    "SOURCE",
    "active_on",
    "figures_compute",
    "figures_write",
    "members_count",
    "period_label",
    "registry_guard",
    "registry_keeps",
    "registry_unit_of",
]
