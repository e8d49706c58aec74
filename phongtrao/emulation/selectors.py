"""Reads of emulation: which criteria grade a unit, published results, shares, awards; the
points a criterion computes from the figures and an assessment's outcome.

"Published result" always means the result in force: the published assessment, or its
latest correction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from phongtrao import expressions
from phongtrao.analytics.selectors import ReportRow, unit_report, unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.emulation import scoring
from phongtrao.emulation.models import (
    CLASSIFICATION_ORDER,
    Assessment,
    Award,
    Classification,
    Correction,
    CriteriaSet,
    Criterion,
    Method,
    Proposal,
    Score,
    Status,
)
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_number, format_percent

ZERO = Decimal(0)
GOOD_OR_BETTER = frozenset({Classification.EXCELLENT, Classification.GOOD})


def criteria_set_for(unit: Unit, year: int) -> CriteriaSet | None:
    """The set grading `unit` in `year`: the nearest ancestor's set for the unit's level."""
    if not unit.ancestor_ids:
        return None
    return (
        CriteriaSet.objects.filter(grader_id__in=unit.ancestor_ids, year=year, level=unit.level)
        .select_related("grader")
        .order_by("-grader__level")
        .first()
    )


def criteria_sets_of(grader: Unit) -> QuerySet[CriteriaSet]:
    return CriteriaSet.objects.filter(grader=grader).order_by("-year", "level")


def criteria_set_get(grader: Unit, year: int, level: int) -> CriteriaSet | None:
    return (
        CriteriaSet.objects.filter(grader=grader, year=year, level=level)
        .select_related("grader")
        .first()
    )


def assessment_scores(assessment: Assessment) -> list[Score]:
    """The assessment's scores with their criteria, groups and evidence, in order."""
    return list(
        assessment.scores.select_related("criterion__group", "criterion__indicator")
        .prefetch_related("evidence")
        .order_by("criterion__group__number", "criterion__number")
    )


@dataclass(frozen=True)
class Result:
    """A unit's published result in force for a year."""

    assessment: Assessment
    unit: Unit
    year: int
    total: Decimal
    classification: Classification
    corrected: bool
    is_cluster_leader: bool
    cluster_name: str
    cluster_rank: int | None

    @property
    def classification_label(self) -> str:
        return Classification(self.classification).label


def _latest_corrections(ids: Iterable[int]) -> dict[int, Correction]:
    latest: dict[int, Correction] = {}
    for correction in Correction.objects.filter(assessment_id__in=list(ids)).order_by("at", "id"):
        latest[correction.assessment_id] = correction
    return latest


def _results(assessments: QuerySet[Assessment]) -> list[Result]:
    rows = list(assessments.select_related("unit", "criteria_set__grader", "cluster"))
    latest = _latest_corrections(a.pk for a in rows)
    results = []
    for a in rows:
        correction = latest.get(a.pk)
        results.append(
            Result(
                assessment=a,
                unit=a.unit,
                year=a.criteria_set.year,
                total=correction.new_total if correction else a.total,
                classification=Classification(
                    correction.new_classification if correction else a.classification
                ),
                corrected=correction is not None,
                is_cluster_leader=a.is_cluster_leader,
                cluster_name=a.cluster.name if a.cluster else "",
                cluster_rank=a.cluster_rank,
            )
        )
    return results


def effective_results(*, grader: Unit, years: Iterable[int]) -> list[Result]:
    """Published results in force of the units `grader` graded in these years."""
    return _results(
        Assessment.objects.filter(
            criteria_set__grader=grader,
            criteria_set__year__in=list(years),
            status=Status.PUBLISHED,
        )
    )


def unit_results(unit: Unit) -> list[Result]:
    """The unit's own published results, latest year first."""
    results = _results(Assessment.objects.filter(unit=unit, status=Status.PUBLISHED))
    return sorted(results, key=lambda r: -r.year)


@dataclass(frozen=True)
class Share:
    """How many graded commune unions are rated at least "hoàn thành tốt", of how many."""

    good_or_better: int
    graded: int

    @property
    def pct(self) -> Decimal:
        return Decimal(self.good_or_better * 100) / self.graded


def share_good_or_better(unit: Unit, year: int, *, level: int = Level.COMMUNE) -> Share | None:
    """The share of the commune unions of `unit`'s subtree rated at least "hoàn thành tốt
    nhiệm vụ" in the published results of `year` (CS_TOT_TL), or None when none is published.
    """
    published = Assessment.objects.filter(
        unit__path__startswith=unit.path,
        unit__level=level,
        criteria_set__year=year,
        status=Status.PUBLISHED,
    )
    pairs = list(published.values_list("pk", "classification"))
    if not pairs:
        return None
    latest = _latest_corrections(pk for pk, _ in pairs)
    good = 0
    for pk, classification in pairs:
        correction = latest.get(pk)
        final = correction.new_classification if correction else classification
        good += final in GOOD_OR_BETTER
    return Share(good_or_better=good, graded=len(pairs))


def set_results(criteria_set: CriteriaSet) -> list[Assessment]:
    """Every assessment of the set, best first once totals exist."""
    return list(
        criteria_set.assessments.select_related("unit", "cluster").order_by(
            "-total", "-base_points", "unit__code"
        )
    )


def classification_counts(assessments: Iterable[Assessment]) -> list[tuple[str, int]]:
    counts = dict.fromkeys(CLASSIFICATION_ORDER, 0)
    for a in assessments:
        if a.classification:
            counts[a.classification] += 1
    return [(Classification(c).label, n) for c, n in counts.items()]


def unit_awards(unit: Unit) -> list[Award]:
    return list(
        Award.objects.filter(unit=unit).select_related("award_type", "decision", "decision__issuer")
    )


def proposals_of(proposer: Unit, year: int) -> list[Proposal]:
    return list(
        Proposal.objects.filter(proposer=proposer, year=year)
        .select_related("unit", "award_type", "decision")
        .order_by("award_type__sort_order", "unit__code")
    )


__all__ = [
    "Result",
    "Share",
    "assessment_scores",
    "criteria_set_for",
    "effective_results",
    "proposals_of",
    "set_results",
    "share_good_or_better",
    "unit_awards",
    "unit_results",
]


def criteria_of(criteria_set: CriteriaSet) -> list[Criterion]:
    """The set's criteria with their groups, in order."""
    return list(
        Criterion.objects.filter(group__criteria_set=criteria_set)
        .select_related("group", "indicator")
        .order_by("group__number", "number")
    )


@dataclass(frozen=True)
class Computed:
    points: Decimal
    bonus: Decimal
    basis: str


def criteria_compute(criteria: Sequence[Criterion], unit: Unit, year: int) -> dict[int, Computed]:
    """Points of the indicator-based criteria for a unit, from its totals and targets:
    {criterion id: Computed}. Hand-scored criteria are left out.

    The figures are read together, whatever the number of criteria: one report
    (`unit_report`) for the criteria on an indicator and this year's figures the formulas
    name, one read of totals for each other year a formula names (`CODE[-1]`).
    """
    on_indicator = [c for c in criteria if c.method in (Method.LINEAR, Method.STEPPED)]
    formulas = {c.pk: expressions.parse(c.formula) for c in criteria if c.method == Method.FORMULA}
    codes = {code for expr in formulas.values() for code in expr.codes}
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=codes)} if codes else {}
    by_offset: dict[int, dict[int, Indicator]] = defaultdict(dict)
    for expr in formulas.values():
        for ref in expr.references:
            indicator = by_code[ref.code]
            by_offset[ref.offset][indicator.pk] = indicator
    # figures[(indicator id, offset)]: the total, None when nobody reported.
    figures: dict[tuple[int, int], Decimal | None] = {}
    rows: dict[int, ReportRow] = {}
    if on_indicator:
        wanted = {c.indicator.pk: c.indicator for c in on_indicator if c.indicator is not None}
        wanted.update(by_offset.pop(0, {}))  # read with the report: no query more
        for row in unit_report(unit, str(year), list(wanted.values())):
            rows[row.indicator.pk] = row
            figures[(row.indicator.pk, 0)] = row.value if row.count else None
    for offset, indicators in by_offset.items():
        totals = unit_totals(unit, str(year + offset), list(indicators.values()))
        for pk, total in totals.items():
            figures[(pk, offset)] = total.value if total.count else None
    result: dict[int, Computed] = {}
    for criterion in on_indicator:
        assert criterion.indicator is not None
        result[criterion.pk] = _on_indicator(criterion, rows[criterion.indicator.pk])
    for criterion in criteria:
        if criterion.pk in formulas:
            expr = formulas[criterion.pk]
            inputs = {ref: figures[(by_code[ref.code].pk, ref.offset)] for ref in expr.references}
            result[criterion.pk] = _by_formula(
                criterion, expr.evaluate(inputs, missing_as_zero=False)
            )
    return result


def _by_formula(criterion: Criterion, value: Decimal | None) -> Computed:
    """Points of a formula criterion from the formula's value (None: figures missing)."""
    if value is None:
        return Computed(ZERO, ZERO, "Chưa đủ số liệu để tính công thức")
    points, bonus = scoring.points_split(
        value, max_points=criterion.max_points, bonus_max=criterion.bonus_max
    )
    return Computed(points, bonus, f"{criterion.formula} = {format_number(value, 2)}")


def _on_indicator(criterion: Criterion, row: ReportRow) -> Computed:
    """Points of a linear or stepped criterion from its indicator's report row."""
    if row.achievement_pct is None:
        return Computed(ZERO, ZERO, "Chưa có chỉ tiêu giao cho đơn vị")
    pct = row.achievement_pct if row.count else ZERO
    if criterion.method == Method.LINEAR:
        raw = scoring.linear_points(pct, criterion.max_points)
    else:
        raw = scoring.stepped_points(pct, criterion.steps)
    points, bonus = scoring.points_split(
        raw, max_points=criterion.max_points, bonus_max=criterion.bonus_max
    )
    basis = (
        f"{format_number(row.value)}/{format_number(row.target or ZERO)} "
        f"(đạt {format_percent(pct, 1)} chỉ tiêu)"
    )
    return Computed(points, bonus, basis)


def _group_totals(
    assessment: Assessment, overrides: Mapping[int, tuple[Decimal, Decimal]] | None = None
) -> tuple[list[scoring.GroupTotal], list[str]]:
    overrides = overrides or {}
    groups = list(assessment.criteria_set.groups.order_by("number"))
    points: dict[int, Decimal] = defaultdict(Decimal)
    bonus: dict[int, Decimal] = defaultdict(Decimal)
    must_missed = []
    for score in assessment.scores.select_related("criterion__group"):
        criterion = score.criterion
        p, b = overrides.get(criterion.pk, (score.points, score.bonus))
        points[criterion.group_id] += p
        bonus[criterion.group_id] += b
        if criterion.must and p < criterion.max_points:
            must_missed.append(f"{score.criterion.group.number}.{criterion.number}")
    totals = [scoring.GroupTotal(g.number, g.max_points, points[g.pk], bonus[g.pk]) for g in groups]
    return totals, sorted(must_missed)


def rules_of(criteria_set: CriteriaSet) -> scoring.Thresholds:
    """The set's thresholds, conditions and quota, for `scoring`."""
    c = criteria_set
    return scoring.Thresholds(
        scale_max=c.scale_max,
        excellent_min=c.excellent_min,
        good_min=c.good_min,
        done_min=c.done_min,
        excellent_group_min_pct=c.excellent_group_min_pct,
        excellent_requires_must=c.excellent_requires_must,
        excellent_quota_pct=c.excellent_quota_pct,
    )


def assessment_outcome(
    assessment: Assessment, overrides: Mapping[int, tuple[Decimal, Decimal]] | None = None
) -> scoring.Outcome:
    """The unit's total and classification from its scores (before the quota)."""
    groups, must_missed = _group_totals(assessment, overrides)
    return scoring.assessment_outcome(
        groups, must_missed=must_missed, rules=rules_of(assessment.criteria_set)
    )


def correction_overrides(assessment: Assessment) -> dict[int, tuple[Decimal, Decimal]]:
    """Points in force after the corrections: {criterion id: (points, bonus)}."""
    result: dict[int, tuple[Decimal, Decimal]] = {}
    for correction in assessment.corrections.order_by("at", "id"):
        if correction.criterion_id is not None and correction.new_points is not None:
            result[correction.criterion_id] = (
                correction.new_points,
                correction.new_bonus or ZERO,
            )
    return result
