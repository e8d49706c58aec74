"""The Bình Phước 2023 demo: commune figures whose roll-up is the province's published report.

The province's totals are fixed (`data/binh-phuoc-totals.csv`: the published figures, and
for "trên", "hơn" and "gần" an exact amount just above or below the shown one); the seed
decides how they are spread over the 111 commune unions of the pre-2025 structure. Communes
get a size (the loaded units have no area before 2025, so a pseudo-random one), each figure
a little noise on top, and integer shares by largest remainder, so every total is exact.
"Of which" figures are split inside each commune's own parent figure, so every commune,
district and the province pass the validation rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction

from phongtrao.actors import DEMO
from phongtrao.catalog.models import FormIndicator, Indicator
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.bulk import BulkResult, BulkValue, datavalues_import
from phongtrao.data.guards import guards_blocked
from phongtrao.data.models import (
    LOCKED_STATUSES,
    DataValue,
    Period,
    Submission,
    SubmissionStatus,
    Target,
)
from phongtrao.data.services import period_get, target_set
from phongtrao.data.workflow import (
    submission_approve,
    submission_return,
    submission_submit,
    submission_unlock,
)
from phongtrao.demo.report_texts import demo_report_texts_load
from phongtrao.orgs.models import Level, Unit
from phongtrao.orgs.selectors import unit_descendants, unit_resolve

DATA_DIR = Path(__file__).resolve().parent / "data"
TOTALS_FILE = DATA_DIR / "binh-phuoc-totals.csv"
TARGETS_FILE = DATA_DIR / "binh-phuoc-targets.csv"
FIGURES_FILE = DATA_DIR / "binh-phuoc-2023-figures.csv"

PROVINCE_CODE = "70"
REPORT_DAY = dt.date(2023, 12, 31)
YEARS = ("2023", "2022", "2021")
SOURCE = "demo"
# Huyện Bù Gia Mập, Lộc Ninh, Bù Đốp: the districts on the Cambodian border.
BORDER_DISTRICTS = frozenset({"691", "692", "693"})
BORDER_INDICATORS = frozenset({"BC_CUOC", "BC_LUOT", "BC_KP"})
# Caps beyond the catalog's "of which": households leaving poverty were poor at the start.
EXTRA_PARENTS = {"THOAT_NGHEO": "NGHEO_DN", "THOAT_CANNGHEO": "CANNGHEO_DN"}
# Breakdowns whose sum (not only each one) stays within the parent: HG_THANH + HG_CHUYEN.
SUMMED_BREAKDOWNS = {"HG_VU": ("HG_THANH", "HG_CHUYEN")}
# 2022 as a share of 2023 where the file gives no 2022 total; poverty was higher before.
GROWTH_DEFAULT = (0.85, 1.0)
GROWTH = {"NGHEO_DN": (1.12, 1.25), "CANNGHEO_DN": (1.05, 1.15)}


@dataclass(frozen=True)
class DemoTotal:
    """The province total of one indicator per year (None: derived from the seed)."""

    code: str
    totals: Mapping[str, int | None]
    step: int


@dataclass(frozen=True)
class DemoTarget:
    code: str
    period: str
    phase: str
    value: Decimal
    note: str


@dataclass
class DemoLoadResult:
    """What a load wrote: values (see `BulkResult`) and targets created or restored."""

    province: Unit
    communes: int
    values: BulkResult
    targets_set: int = 0
    targets_kept: int = 0
    texts_set: int = 0
    plan: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    # Sent or approved reports a restore reopened, rewrote and put back as they were.
    reopened: list[Submission] = field(default_factory=list)


# The reason a restore gives when it reopens a report whose figures officers changed.
RESTORE_REASON = "Khôi phục số liệu mẫu (load_demo --restore)"


@dataclass(frozen=True)
class _Reopened:
    submission: Submission
    status: str
    submitted_at: dt.datetime | None


def _locked_reports_reopen(values: list[BulkValue]) -> tuple[list[BulkValue], list[_Reopened]]:
    """For a restore: leave out the values that sent or approved reports already hold as the
    demo has them (their figures are locked: offering them again is refused), and reopen
    through the workflow, as the demo's system actor, the reports where a figure differs.
    From the top down, as the workflow unlocks."""
    unit_ids = {v.unit_id for v in values}
    period_ids = {v.period.id for v in values}
    locked_rows = list(
        Submission.objects.filter(
            unit_id__in=unit_ids, period_id__in=period_ids, status__in=LOCKED_STATUSES
        ).select_related("form", "unit", "period")
    )
    if not locked_rows:
        return values, []
    members: dict[int, list[int]] = {}
    for form_id, indicator_id in FormIndicator.objects.filter(
        form_id__in={s.form_id for s in locked_rows}
    ).values_list("form_id", "indicator_id"):
        members.setdefault(form_id, []).append(indicator_id)
    locked = {
        (s.unit_id, s.period_id, indicator_id): s
        for s in locked_rows
        for indicator_id in members.get(s.form_id, [])
    }
    stored = {
        (unit_id, indicator_id, period_id): value
        for unit_id, indicator_id, period_id, value in DataValue.objects.filter(
            unit_id__in=unit_ids, period_id__in=period_ids
        ).values_list("unit_id", "indicator_id", "period_id", "value")
    }
    kept: list[BulkValue] = []
    differ: dict[int, Submission] = {}
    for value in values:
        submission = locked.get((value.unit_id, value.period.id, value.indicator.id))
        if submission is not None:
            if stored.get((value.unit_id, value.indicator.id, value.period.id)) == value.value:
                continue
            differ[submission.pk] = submission
        kept.append(value)
    reopened = []
    for submission in sorted(differ.values(), key=lambda s: (len(s.unit.path), s.unit.code)):
        reopened.append(_Reopened(submission, submission.status, submission.submitted_at))
        step = (
            submission_unlock
            if submission.status == SubmissionStatus.APPROVED
            else submission_return
        )
        step(
            form=submission.form,
            unit=submission.unit,
            period=submission.period,
            user=DEMO,
            reason=RESTORE_REASON,
        )
    return kept, reopened


def _reports_put_back(reopened: list[_Reopened]) -> list[Submission]:
    """Send (and approve) again, from the bottom up, the reports a restore reopened, as they
    were: sent at the same time, approved if they were."""
    done = []
    for item in reversed(reopened):
        submission = item.submission
        form, unit, period = submission.form, submission.unit, submission.period
        row = submission_submit(
            form=form, unit=unit, period=period, user=DEMO, submitted_at=item.submitted_at
        )
        if item.status == SubmissionStatus.APPROVED:
            row = submission_approve(form=form, unit=unit, period=period, user=DEMO)
        done.append(row)
    return done


def demo_totals() -> list[DemoTotal]:
    """The province totals the demo reproduces, in catalog order, from the package's CSV."""
    with TOTALS_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            DemoTotal(
                code=row["code"],
                totals={
                    year: int(row[f"total_{year}"]) if row[f"total_{year}"] else None
                    for year in YEARS
                },
                step=int(row["step"]),
            )
            for row in csv.DictReader(handle)
        ]


def demo_targets() -> list[DemoTarget]:
    """The province's targets (annual and for the 2021-2025 phase) that give the published rates."""
    with TARGETS_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            DemoTarget(
                code=row["code"],
                period=row["period"],
                phase=row["phase"],
                value=Decimal(row["value"]),
                note=row["note"],
            )
            for row in csv.DictReader(handle)
        ]


def split_total(
    total: int, weights: Sequence[float], *, caps: Sequence[int] | None = None
) -> list[int]:
    """Integers in proportion to `weights` that add up to exactly `total` (largest remainder).

    With `caps`, no share exceeds its cap: a unit at its cap passes its turn to the next
    remainder. Raises ValueError when the total cannot be placed.
    """
    limit = list(caps) if caps is not None else [total] * len(weights)
    usable = [w if cap > 0 else 0.0 for w, cap in zip(weights, limit, strict=True)]
    weight_sum = math.fsum(usable)
    if total < 0 or sum(limit) < total or (total and weight_sum <= 0):
        raise ValueError(f"Không thể chia {total} cho các đơn vị đã cho.")
    quotas = [total * w / weight_sum if weight_sum else 0.0 for w in usable]
    shares = [min(math.floor(q), cap) for q, cap in zip(quotas, limit, strict=True)]
    remainders = [(q - math.floor(q), q) for q in quotas]
    order = sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)
    left = total - sum(shares)
    while left:
        # Weighted units first; units without weight only take what the others cannot hold.
        room = [i for i in order if shares[i] < limit[i] and quotas[i] > 0] or [
            i for i in order if shares[i] < limit[i]
        ]
        for i in room[:left]:
            shares[i] += 1
        left -= min(left, len(room))
    return shares


def _noise(seed: int, *parts: str) -> random.Random:
    # Seeded with a string: stable across runs and Python processes (hashed with SHA-512).
    return random.Random(":".join([str(seed), *parts]))  # noqa: S311 - demo figures, not secrets


def demo_plan(
    *,
    communes: Sequence[Unit],
    indicators: Mapping[str, Indicator],
    seed: int = 2023,
) -> dict[tuple[str, str], dict[int, int]]:
    """Every commune's value, as {(indicator code, year): {unit id: value}}.

    Pure computation from the totals file and the seed: no database writes.
    """
    ordered = sorted(communes, key=lambda u: u.code)
    sizes = _noise(seed, "size")
    size = {u.pk: sizes.lognormvariate(0.0, 0.6) for u in ordered}
    district_code = {u.pk: _district_code(u) for u in ordered}
    parent_of = {
        code: indicator.parent.code
        for code, indicator in indicators.items()
        if indicator.parent is not None
    }
    parent_of.update(EXTRA_PARENTS)
    summed = {child: parent for parent, kids in SUMMED_BREAKDOWNS.items() for child in kids}
    totals = demo_totals()
    province = _year_totals(totals, parent_of, seed)
    plan: dict[tuple[str, str], dict[int, int]] = {}
    for item in totals:
        for year in YEARS:
            total = province.get((item.code, year))
            if total is None:
                continue
            units = ordered
            if item.code in BORDER_INDICATORS:
                units = [u for u in ordered if district_code[u.pk] in BORDER_DISTRICTS]
            if item.code == "HV_TONG" and year == "2022":
                plan[(item.code, year)] = _members_before(plan, units)
                continue
            noise = _noise(seed, item.code, year)
            base = {u.pk: size[u.pk] for u in units}
            spread = 0.35
            caps: list[int] | None = None
            parent = parent_of.get(item.code)
            latest = plan.get((item.code, "2023"), {})
            if year != "2023" and any(latest.values()):
                # A commune's earlier years follow its own 2023 figure, not a fresh draw.
                base = {u.pk: float(latest.get(u.pk, 0)) for u in units}
                spread = 0.1
            elif parent is not None and (parent, year) in plan:
                base = {u.pk: float(plan[(parent, year)].get(u.pk, 0)) for u in units}
            if parent is not None and (parent, year) in plan:
                room = dict(plan[(parent, year)])
                if summed.get(item.code) == parent:
                    for sibling in SUMMED_BREAKDOWNS[parent]:
                        if sibling != item.code and (sibling, year) in plan:
                            for pk, value in plan[(sibling, year)].items():
                                room[pk] -= value
                caps = [room.get(u.pk, 0) for u in units]
            weights = [base[u.pk] * noise.lognormvariate(0.0, spread) for u in units]
            steps = split_total(total // item.step, weights, caps=_in_steps(caps, item.step))
            plan[(item.code, year)] = {
                u.pk: share * item.step for u, share in zip(units, steps, strict=True)
            }
    return plan


def _in_steps(caps: list[int] | None, step: int) -> list[int] | None:
    return None if caps is None else [cap // step for cap in caps]


def _district_code(commune: Unit) -> str:
    parent = commune.parent
    return parent.code if parent is not None else ""


def _members_before(
    plan: Mapping[tuple[str, str], Mapping[int, int]], units: Sequence[Unit]
) -> dict[int, int]:
    """Members at the end of 2022, so that 2023 = 2022 + admitted - left in every commune."""
    stock = plan[("HV_TONG", "2023")]
    admitted = plan[("HV_KETNAP", "2023")]
    left = plan[("HV_GIAM", "2023")]
    return {u.pk: stock[u.pk] - admitted[u.pk] + left[u.pk] for u in units}


def _year_totals(
    totals: Sequence[DemoTotal], parent_of: Mapping[str, str], seed: int
) -> dict[tuple[str, str], int]:
    """Province totals per (code, year): the file's, else 2022 from a seeded growth rate.

    A breakdown never exceeds its parent's total (nor, for summed breakdowns, what its
    siblings leave), so the per-commune split always has room.
    """
    result: dict[tuple[str, str], int] = {}
    summed = {child: parent for parent, kids in SUMMED_BREAKDOWNS.items() for child in kids}
    for item in totals:
        for year in YEARS:
            given = item.totals.get(year)
            if given is not None:
                result[(item.code, year)] = given
                continue
            latest = item.totals.get("2023")
            if year != "2022" or latest is None:
                continue
            low, high = GROWTH.get(item.code, GROWTH_DEFAULT)
            share = _noise(seed, item.code, "growth").uniform(low, high)
            value = round(latest * share / item.step) * item.step
            parent = parent_of.get(item.code)
            if parent is not None and (parent, year) in result:
                room = result[(parent, year)]
                if summed.get(item.code) == parent:
                    room -= sum(
                        result.get((sibling, year), 0)
                        for sibling in SUMMED_BREAKDOWNS[parent]
                        if sibling != item.code
                    )
                value = min(value, room - room % item.step)
            result[(item.code, year)] = value
    return result


def demo_province() -> Unit:
    """The Bình Phước provincial union of the pre-2025 structure (code 70 on 31/12/2023)."""
    return unit_resolve(PROVINCE_CODE, REPORT_DAY)


def demo_communes(province: Unit) -> list[Unit]:
    """The province's commune unions, in the order of their official codes."""
    return list(
        unit_descendants(province)
        .filter(level=Level.COMMUNE)
        .select_related("parent")
        .order_by("code")
    )


@transaction.atomic
def demo_binh_phuoc_load(*, seed: int = 2023, restore: bool = False) -> DemoLoadResult:
    """Enter the Bình Phước communes' 2021-2023 figures and the province's targets.

    Needs the administrative units (`manage.py load_admin_units`). Idempotent: values and
    targets already there are kept, so a second run writes nothing; an officer's later
    correction survives too. `restore=True` puts the demo figures back over any change
    (audited, source "demo"); a sent or approved report whose figures were changed (through
    the workflow: reopened, corrected, sent again) is reopened by the demo's system actor,
    restored and sent (and approved) again, so it ends in the state it was in, every step
    in the audit log; the seed's passages of the province's 2023 report are written
    once (`demo.report_texts`). All or nothing.
    """
    province = demo_province()
    communes = demo_communes(province)
    indicators = indicators_by_code()
    plan = demo_plan(communes=communes, indicators=indicators, seed=seed)
    period_rows: dict[str, Period] = {year: period_get(year) for year in YEARS}
    paths = {u.pk: u.path for u in communes}
    values = [
        BulkValue(
            unit_id=pk,
            unit_path=paths[pk],
            indicator=indicators[code],
            period=period_rows[year],
            value=Decimal(value),
        )
        for (code, year), shares in plan.items()
        for pk, value in shares.items()
    ]
    # Figures of units keeping a member book come from it (`demo.registry`), not the plan.
    blocked = guards_blocked(set(paths), SOURCE)
    values = [v for v in values if (v.unit_id, v.indicator.code) not in blocked]
    kept = 0
    reopened: list[_Reopened] = []
    if restore:
        offered = len(values)
        values, reopened = _locked_reports_reopen(values)
        kept = offered - len(values)
    else:
        # Values already there stay as they are and are not offered again: those of reports
        # the demo has since submitted or approved are locked, and offering them is refused.
        stored = set(
            DataValue.objects.filter(
                unit_id__in=paths, period__in=period_rows.values()
            ).values_list("unit_id", "indicator_id", "period_id")
        )
        offered = len(values)
        values = [v for v in values if (v.unit_id, v.indicator.id, v.period.id) not in stored]
        kept = offered - len(values)
    written = datavalues_import(values=values, actor=DEMO, source=SOURCE, update=restore)
    written.ignored += kept
    put_back = _reports_put_back(reopened)
    if connection.vendor == "postgresql":
        # Tens of thousands of new values: let the planner see them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE data_datavalue, data_period, analytics_rollup")
    result = DemoLoadResult(
        province=province, communes=len(communes), values=written, plan=plan, reopened=put_back
    )
    for target in demo_targets():
        indicator = indicators[target.code]
        period = period_rows[target.period] if target.period else None
        existing = Target.objects.filter(
            indicator=indicator, unit=province, period=period, phase=target.phase
        ).first()
        if existing is not None and (not restore or existing.value == target.value):
            result.targets_kept += 1
            continue
        target_set(
            actor=DEMO,
            indicator=indicator,
            unit=province,
            value=target.value,
            period=period,
            phase=target.phase,
            note=target.note,
        )
        result.targets_set += 1
    # The seed's qualitative passages in the province's 2023 report.
    result.texts_set = demo_report_texts_load(province=province)
    return result


__all__ = [
    "DemoLoadResult",
    "demo_binh_phuoc_load",
    "demo_communes",
    "demo_plan",
    "demo_province",
    "demo_targets",
    "demo_totals",
    "split_total",
]
