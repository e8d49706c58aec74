"""The Bình Phước 2023 emulation demo: criteria, scores, published results, the headline award.

The province grades its 111 commune unions and its 11 district unions (pre-2025 structure)
on 100 points: indicator criteria scored from the demo figures against targets the province
assigned in proportion to membership and to poor households, and hand-scored criteria with
deterministic points (seeded by the unit's code). Everything goes through the services:
self-assessment, check, council, publication. The central union grades the province in 2022
and 2023 (hand scores); two years of "hoàn thành xuất sắc" give, by the award rule, the
Bằng khen of the Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam that the seed's headline reports.
The decision's number, date and signer are illustrative: the seed does not give them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from phongtrao.actors import DEMO
from phongtrao.catalog.models import Indicator
from phongtrao.catalog.selectors import indicators_by_code
from phongtrao.data.models import DataValue, Period, Target
from phongtrao.data.services import period_get, targets_set
from phongtrao.demo.binh_phuoc import demo_communes, demo_province
from phongtrao.emulation.models import (
    Award,
    AwardRule,
    AwardType,
    CriteriaSet,
    Method,
    Proposal,
)
from phongtrao.emulation.selectors import share_good_or_better
from phongtrao.emulation.services import (
    assessment_check,
    assessment_start,
    assessment_submit,
    cluster_set,
    criteria_set_confirm,
    criteria_set_create,
    criteria_set_publish,
    criterion_add,
    decision_issue,
    group_add,
    proposals_generate,
    scores_self_set,
)
from phongtrao.orgs.models import Level, Unit

YEAR = 2023
D = Decimal
HALF = D("0.5")
# District codes of the towns and of the border districts (the rest form the third cluster).
TOWN_DISTRICTS = ("689", "690", "688", "697")
BORDER_DISTRICTS = ("691", "692", "693")


@dataclass(frozen=True)
class AwardSpec:
    code: str
    name: str
    issuer_name: str
    rule: AwardRule
    rule_years: int
    unit_level: int | None


AWARD_TYPES = (
    AwardSpec(
        "BK_TW",
        "Bằng khen của Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam",
        "Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam",
        AwardRule.CONSECUTIVE_EXCELLENT,
        2,
        Level.PROVINCE,
    ),
    AwardSpec(
        "CO_TINH",
        "Cờ thi đua của Ban Chấp hành Hội LHPN tỉnh",
        "Ban Chấp hành Hội LHPN tỉnh",
        AwardRule.CLUSTER_LEADER,
        1,
        Level.DISTRICT,
    ),
    AwardSpec(
        "TTLDXS",
        "Danh hiệu Tập thể lao động xuất sắc",
        "Ban Thường vụ Hội LHPN tỉnh",
        AwardRule.EXCELLENT,
        1,
        Level.DISTRICT,
    ),
    AwardSpec(
        "GK_TINH",
        "Giấy khen của Ban Thường vụ Hội LHPN tỉnh",
        "Ban Thường vụ Hội LHPN tỉnh",
        AwardRule.EXCELLENT,
        1,
        Level.COMMUNE,
    ),
)


@dataclass
class EmulationDemoResult:
    sets_created: int = 0
    sets_kept: int = 0
    assessments: int = 0
    share_text: str = ""


def award_types_ensure() -> list[AwardType]:
    """The demo's award types (kept as they are when already there)."""
    result = []
    for order, spec in enumerate(AWARD_TYPES, start=1):
        award_type, _ = AwardType.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "issuer_name": spec.issuer_name,
                "rule": spec.rule,
                "rule_years": spec.rule_years,
                "unit_level": spec.unit_level,
                "sort_order": order,
            },
        )
        result.append(award_type)
    return result


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in ("thi-dua", *parts)))  # noqa: S311 - demo


def _half_points(value: float, maximum: Decimal) -> Decimal:
    """A hand score as officers give them: to the half point, within 0 and the maximum."""
    points = (D(str(value)) / HALF).quantize(D(1), rounding=ROUND_HALF_UP) * HALF
    return min(max(points, D(0)), maximum)


def _targets_assign(units: Sequence[Unit], code: str, total: int, by: str, year: int) -> None:
    """Targets of `code` for the units, in proportion to their `by` figure (largest share
    rounded, at least 1)."""
    indicators = indicators_by_code()
    period = period_get(str(year))
    weights = {
        v.unit_id: v.value
        for v in DataValue.objects.filter(
            indicator=indicators[by], period=period, unit__in=units
        ).only("unit_id", "value")
    }
    whole = sum(weights.values(), D(0))
    kept = _with_target(indicators[code], period, units)
    values = {}
    for unit in units:
        if unit.pk not in kept:
            share = weights.get(unit.pk, D(0)) * total / whole if whole else D(0)
            values[unit] = max(share.quantize(D(1), rounding=ROUND_HALF_UP), D(1))
    targets_set(
        actor=DEMO,
        indicator=indicators[code],
        period=period,
        values=values,
        note=f"Chỉ tiêu tỉnh giao năm {year} (dữ liệu mẫu)",
    )


def _with_target(indicator: Indicator, period: Period, units: Sequence[Unit]) -> set[int]:
    """The units that have a target of the indicator for the period already (kept as is)."""
    return set(
        Target.objects.filter(indicator=indicator, period=period, unit__in=units).values_list(
            "unit_id", flat=True
        )
    )


def _district_targets(districts: Sequence[Unit], communes: Sequence[Unit], year: int) -> None:
    """A district's target is the sum of its communes' targets."""
    indicators = indicators_by_code()
    period = period_get(str(year))
    for code in ("HV_PTM", "GIAMNGHEO"):
        indicator = indicators[code]
        by_commune = {
            t.unit_id: t.value
            for t in Target.objects.filter(indicator=indicator, period=period, unit__in=communes)
        }
        kept = _with_target(indicator, period, districts)
        values = {}
        for district in districts:
            value = sum(
                (by_commune.get(c.pk, D(0)) for c in communes if c.parent_id == district.pk), D(0)
            )
            if value and district.pk not in kept:
                values[district] = value
        targets_set(
            actor=DEMO,
            indicator=indicator,
            period=period,
            values=values,
            note=f"Tổng chỉ tiêu các cơ sở năm {year} (dữ liệu mẫu)",
        )


def _criteria_build(criteria_set: CriteriaSet, *, level: int) -> None:
    """The province's 100-point criteria (the same shape for districts and communes)."""
    i = indicators_by_code()
    g1 = group_add(
        actor=DEMO,
        criteria_set=criteria_set,
        number=1,
        name="Xây dựng tổ chức Hội vững mạnh",
        max_points=D(40),
    )
    criterion_add(
        actor=DEMO,
        group=g1,
        number=1,
        name="Phát triển hội viên mới so với chỉ tiêu giao",
        max_points=D(20),
        bonus_max=D(1),
        must=True,
        method=Method.LINEAR,
        indicator=i["HV_PTM"],
    )
    criterion_add(
        actor=DEMO,
        group=g1,
        number=2,
        name="Củng cố chi, tổ hội; sinh hoạt định kỳ; công tác cán bộ",
        max_points=D(20),
        method=Method.HAND,
    )
    g2 = group_add(
        actor=DEMO,
        criteria_set=criteria_set,
        number=2,
        name="Hỗ trợ phụ nữ phát triển kinh tế, giảm nghèo",
        max_points=D(30),
    )
    criterion_add(
        actor=DEMO,
        group=g2,
        number=1,
        name="Hộ phụ nữ thoát nghèo, thoát cận nghèo so với chỉ tiêu giao",
        max_points=D(15),
        bonus_max=D(1),
        method=Method.STEPPED,
        indicator=i["GIAMNGHEO"],
        steps=[[50, 8], [80, 12], [100, 15], [150, 16]],
    )
    criterion_add(
        actor=DEMO,
        group=g2,
        number=2,
        name="Quản lý vốn vay, hỗ trợ sinh kế, khởi nghiệp",
        max_points=D(15),
        method=Method.HAND,
    )
    g3 = group_add(
        actor=DEMO,
        criteria_set=criteria_set,
        number=3,
        name="Tuyên truyền, giáo dục; các phong trào thi đua, cuộc vận động",
        max_points=D(30),
    )
    criterion_add(
        actor=DEMO,
        group=g3,
        number=1,
        name="Lượt hội viên, phụ nữ dự tuyên truyền trên tổng số hội viên (× 20)",
        max_points=D(15),
        method=Method.FORMULA,
        formula="TT_LUOT / HV_TONG * 20",
    )
    criterion_add(
        actor=DEMO,
        group=g3,
        number=2,
        name="Thực hiện các phong trào, cuộc vận động; mô hình, điển hình",
        max_points=D(15),
        bonus_max=D(3) if level == Level.COMMUNE else D(0),
        method=Method.HAND,
    )


def _grade(criteria_set: CriteriaSet, units: Sequence[Unit], quality: dict[int, float]) -> int:
    """Every unit through self-assessment, check, council and publication."""
    for unit in units:
        assessment = assessment_start(actor=DEMO, criteria_set=criteria_set, unit=unit)
        noise = _rng(criteria_set.year, unit.code, "hand")
        values = {}
        for score in assessment.scores.select_related("criterion"):
            criterion = score.criterion
            if criterion.method != Method.HAND:
                continue
            share = quality[unit.pk] + noise.uniform(-0.05, 0.05)
            points = _half_points(float(criterion.max_points) * share, criterion.max_points)
            bonus = D(0)
            if criterion.bonus_max and share > 0.97:
                bonus = _half_points(
                    noise.uniform(0, float(criterion.bonus_max)), criterion.bonus_max
                )
            values[criterion.pk] = (points, bonus, "")
        scores_self_set(actor=DEMO, assessment=assessment, values=values)
        assessment_submit(actor=DEMO, assessment=assessment)
        assessment_check(actor=DEMO, assessment=assessment)
    criteria_set_confirm(actor=DEMO, criteria_set=criteria_set)
    criteria_set_publish(actor=DEMO, criteria_set=criteria_set)
    return len(units)


def _quality(units: Sequence[Unit], year: int, *, mean: float, spread: float) -> dict[int, float]:
    """A unit's hand-scored share of the maximum: steady from year to year, seeded by code."""
    return {u.pk: min(max(_rng(u.code, "quality").gauss(mean, spread), 0.3), 0.96) for u in units}


@transaction.atomic
def emulation_demo_load() -> EmulationDemoResult:
    """Grade Bình Phước's communes and districts for 2023, publish, and record the province's
    Bằng khen of the central Presidium. Idempotent: a set already there is kept as it is."""
    result = EmulationDemoResult()
    award_types_ensure()
    province = demo_province()
    communes = demo_communes(province)
    districts = list(Unit.objects.filter(parent=province, level=Level.DISTRICT).order_by("code"))
    _targets_assign(communes, "HV_PTM", 2100, "HV_TONG", YEAR)
    _targets_assign(communes, "GIAMNGHEO", 350, "NGHEO_DN", YEAR)
    _district_targets(districts, communes, YEAR)

    plans = (
        (Level.COMMUNE, communes, "Bộ tiêu chí thi đua cơ sở Hội năm 2023", 0.78, 0.12),
        (Level.DISTRICT, districts, "Bộ tiêu chí thi đua Hội LHPN cấp huyện năm 2023", 0.88, 0.06),
    )
    for level, units, name, mean, spread in plans:
        if CriteriaSet.objects.filter(grader=province, year=YEAR, level=level).exists():
            result.sets_kept += 1
            continue
        criteria_set = criteria_set_create(
            actor=DEMO,
            grader=province,
            year=YEAR,
            level=level,
            name=name,
            excellent_group_min_pct=D(50),
            excellent_quota_pct=D(20),
        )
        _criteria_build(criteria_set, level=level)
        _clusters(criteria_set, level, units, districts)
        result.assessments += _grade(
            criteria_set, units, _quality(units, YEAR, mean=mean, spread=spread)
        )
        result.sets_created += 1

    central = province.parent
    assert central is not None
    for year, points in ((2022, (D(38), D(28), D("27.5"))), (2023, (D(39), D("28.5"), D(29)))):
        if CriteriaSet.objects.filter(grader=central, year=year, level=Level.PROVINCE).exists():
            result.sets_kept += 1
            continue
        result.assessments += _central_grade(central, province, year, points)
        result.sets_created += 1
    _headline_award(central, province)

    share = share_good_or_better(province, YEAR)
    if share is not None:
        result.share_text = f"{share.good_or_better}/{share.graded}"
    return result


def _clusters(
    criteria_set: CriteriaSet, level: int, units: Sequence[Unit], districts: Sequence[Unit]
) -> None:
    if level == Level.DISTRICT:
        groups = {
            "Cụm thi đua số 1 (thành phố, thị xã)": [u for u in units if u.code in TOWN_DISTRICTS],
            "Cụm thi đua số 2 (huyện biên giới)": [u for u in units if u.code in BORDER_DISTRICTS],
            "Cụm thi đua số 3": [
                u for u in units if u.code not in TOWN_DISTRICTS + BORDER_DISTRICTS
            ],
        }
    else:
        groups = {
            f"Cụm cơ sở {district.name}": [u for u in units if u.parent_id == district.pk]
            for district in districts
        }
    for name, members in groups.items():
        if members:
            cluster_set(actor=DEMO, criteria_set=criteria_set, name=name, units=members)


def _central_grade(central: Unit, province: Unit, year: int, points: Sequence[Decimal]) -> int:
    """The central union's grading of the province (hand-scored, the province alone)."""
    criteria_set = criteria_set_create(
        actor=DEMO,
        grader=central,
        year=year,
        level=Level.PROVINCE,
        name=f"Tiêu chí thi đua Hội LHPN các tỉnh, thành phố năm {year}",
        excellent_group_min_pct=D(50),
    )
    groups = (
        (1, "Thực hiện các trọng tâm chỉ đạo của Ban Chấp hành, Đoàn Chủ tịch", D(40)),
        (2, "Thực hiện nhiệm vụ thường xuyên", D(30)),
        (3, "Xây dựng tổ chức Hội vững mạnh", D(30)),
    )
    for number, name, maximum in groups:
        group = group_add(
            actor=DEMO, criteria_set=criteria_set, number=number, name=name, max_points=maximum
        )
        criterion_add(
            actor=DEMO, group=group, number=1, name=name, max_points=maximum, method=Method.HAND
        )
    assessment = assessment_start(actor=DEMO, criteria_set=criteria_set, unit=province)
    scores = list(assessment.scores.order_by("criterion__group__number"))
    scores_self_set(
        actor=DEMO,
        assessment=assessment,
        values={
            s.criterion_id: (p, D(0), "Báo cáo tổng kết năm")
            for s, p in zip(scores, points, strict=True)
        },
    )
    assessment_submit(actor=DEMO, assessment=assessment)
    assessment_check(actor=DEMO, assessment=assessment)
    criteria_set_confirm(actor=DEMO, criteria_set=criteria_set)
    criteria_set_publish(actor=DEMO, criteria_set=criteria_set)
    return 1


def _headline_award(central: Unit, province: Unit) -> None:
    """The Bằng khen of the central Presidium for 2023, through the proposal and a decision."""
    award_type = AwardType.objects.get(code="BK_TW")
    if Award.objects.filter(unit=province, award_type=award_type, year=YEAR).exists():
        return
    proposals_generate(actor=DEMO, proposer=central, year=YEAR)
    proposal = Proposal.objects.get(unit=province, award_type=award_type, year=YEAR)
    decision_issue(
        actor=DEMO,
        issuer=central,
        proposals=[proposal],
        number="68/QĐ-ĐCT",
        date=dt.date(2024, 2, 26),
        signer="Nguyễn Thị A",
        signer_title="Chủ tịch",
    )


__all__ = ["EmulationDemoResult", "award_types_ensure", "emulation_demo_load"]
