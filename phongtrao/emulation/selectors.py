"""Reads of emulation: which criteria grade a unit, published results, shares, awards.

"Published result" always means the result in force: the published assessment, or its
latest correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from phongtrao.emulation.models import (
    CLASSIFICATION_ORDER,
    Assessment,
    Award,
    Classification,
    Correction,
    CriteriaSet,
    Proposal,
    Score,
    Status,
)
from phongtrao.orgs.models import Level, Unit

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
