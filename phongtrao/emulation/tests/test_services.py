"""The scoring workflow through the services: indicators, validation, quota, clusters,
publication, corrections and award rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongtrao.audit.models import AuditAction, AuditLog
from phongtrao.data.services import datavalues_save, period_get, target_set
from phongtrao.emulation.models import (
    Assessment,
    Award,
    AwardRule,
    AwardType,
    Classification,
    Method,
    Proposal,
    PublishedError,
    Score,
    Status,
)
from phongtrao.emulation.selectors import share_good_or_better, unit_results
from phongtrao.emulation.services import (
    assessment_check,
    assessment_correct,
    assessment_return,
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
from phongtrao.emulation.services.assessment import _scores_refresh
from phongtrao.orgs.models import Level

from .conftest import SYSTEM, hand_set, scored

pytestmark = pytest.mark.django_db
D = Decimal


def test_criteria_maxima_may_not_exceed_their_groups(small_tree):
    criteria_set = criteria_set_create(
        actor=SYSTEM, grader=small_tree["province"], year=2023, level=Level.COMMUNE, name="Bộ"
    )
    group = group_add(
        actor=SYSTEM, criteria_set=criteria_set, number=1, name="Nhóm", max_points=D(30)
    )
    criterion_add(
        actor=SYSTEM, group=group, number=1, name="A", max_points=D(20), method=Method.HAND
    )
    with pytest.raises(ValidationError, match="vượt điểm tối đa của nhóm"):
        criterion_add(
            actor=SYSTEM, group=group, number=2, name="B", max_points=D(15), method=Method.HAND
        )
    with pytest.raises(ValidationError, match="vượt thang điểm 100"):
        group_add(
            actor=SYSTEM, criteria_set=criteria_set, number=2, name="Nhóm 2", max_points=D(71)
        )
    with pytest.raises(ValidationError, match="cần chọn chỉ tiêu thống kê"):
        criterion_add(
            actor=SYSTEM, group=group, number=3, name="C", max_points=D(5), method=Method.LINEAR
        )
    with pytest.raises(ValidationError, match="mã chỉ tiêu không có: KHONG_CO"):
        criterion_add(
            actor=SYSTEM,
            group=group,
            number=3,
            name="C",
            max_points=D(5),
            method=Method.FORMULA,
            formula="KHONG_CO * 2",
        )
    with pytest.raises(ValidationError, match="giảm dần"):
        criteria_set_create(
            actor=SYSTEM,
            grader=small_tree["province"],
            year=2024,
            level=Level.COMMUNE,
            name="Sai",
            good_min=D(95),
        )
    assert group.criteria.count() == 1


def test_points_from_indicators_against_targets_with_caps_and_bonus(small_tree, indicators):
    c1 = small_tree["c1"]
    year = period_get("2023")
    datavalues_save(
        actor=SYSTEM,
        unit=c1,
        period=year,
        values={
            indicators["HV_KETNAP"]: D(130),
            indicators["HV_GIAM"]: D(0),
            indicators["TH_HD"]: D(45),
            indicators["HV_TONG"]: D(1000),
        },
    )
    target_set(actor=SYSTEM, indicator=indicators["HV_PTM"], unit=c1, value=D(100), period=year)
    target_set(actor=SYSTEM, indicator=indicators["TH_HD"], unit=c1, value=D(50), period=year)
    criteria_set = criteria_set_create(
        actor=SYSTEM, grader=small_tree["province"], year=2023, level=Level.COMMUNE, name="Bộ"
    )
    group = group_add(
        actor=SYSTEM, criteria_set=criteria_set, number=1, name="Nhóm", max_points=D(40)
    )
    linear = criterion_add(
        actor=SYSTEM,
        group=group,
        number=1,
        name="Hội viên",
        max_points=D(10),
        bonus_max=D(2),
        method=Method.LINEAR,
        indicator=indicators["HV_PTM"],
    )
    stepped = criterion_add(
        actor=SYSTEM,
        group=group,
        number=2,
        name="Hoạt động",
        max_points=D(10),
        method=Method.STEPPED,
        indicator=indicators["TH_HD"],
        steps=[[50, 4], [80, 7], [100, 10]],
    )
    formula = criterion_add(
        actor=SYSTEM,
        group=group,
        number=3,
        name="Tỷ lệ kết nạp",
        max_points=D(10),
        bonus_max=D(1),
        method=Method.FORMULA,
        formula="HV_KETNAP / HV_TONG * 100",
    )
    no_target = criterion_add(
        actor=SYSTEM,
        group=group,
        number=4,
        name="Giảm nghèo",
        max_points=D(10),
        method=Method.LINEAR,
        indicator=indicators["GIAMNGHEO"],
    )
    assessment = assessment_start(actor=SYSTEM, criteria_set=criteria_set, unit=c1)
    scores = {s.criterion_id: s for s in assessment.scores.all()}
    # 130/100 = 130%: 13 raw points, 10 + bonus capped at 2.
    assert (scores[linear.pk].self_points, scores[linear.pk].self_bonus) == (D(10), D(2))
    assert scores[linear.pk].basis == "130/100 (đạt 130,0% chỉ tiêu)"
    assert scores[stepped.pk].self_points == D(7)  # 45/50 = 90%: the 80% step
    assert (scores[formula.pk].self_points, scores[formula.pk].self_bonus) == (D(10), D(1))
    assert scores[no_target.pk].self_points == 0
    assert scores[no_target.pk].basis == "Chưa có chỉ tiêu giao cho đơn vị"
    assessment.refresh_from_db()
    assert (assessment.base_points, assessment.bonus_points, assessment.total) == (
        D(27),
        D(3),
        D(30),
    )


def test_a_refresh_reads_the_figures_once_whatever_the_number_of_criteria(small_tree, indicators):
    """Indicator points are recomputed at every start and submission: the criteria's figures
    are read together and their rows written set-wise, so twice the criteria cost no query
    more (the figures and the targets read once, one more read per year a formula names)."""
    c1 = small_tree["c1"]
    year, last_year = period_get("2023"), period_get("2022")
    values = {"HV_KETNAP": 130, "HV_GIAM": 0, "TH_HD": 45, "HV_TONG": 1000}
    datavalues_save(
        actor=SYSTEM,
        unit=c1,
        period=year,
        values={indicators[code]: D(value) for code, value in values.items()},
    )
    target_set(actor=SYSTEM, indicator=indicators["HV_PTM"], unit=c1, value=D(100), period=year)
    criteria_set = criteria_set_create(
        actor=SYSTEM, grader=small_tree["province"], year=2023, level=Level.COMMUNE, name="Bộ"
    )
    group = group_add(
        actor=SYSTEM, criteria_set=criteria_set, number=1, name="Nhóm", max_points=D(60)
    )
    numbers = iter(range(1, 100))

    def add(indicator: str, formula: str) -> None:
        for method, extra in (
            (Method.LINEAR, {"indicator": indicators[indicator]}),
            (Method.STEPPED, {"indicator": indicators["TH_HD"], "steps": [[50, 4], [80, 7]]}),
            (Method.FORMULA, {"formula": formula}),
        ):
            criterion_add(
                actor=SYSTEM,
                group=group,
                number=next(numbers),
                name=method.label,
                max_points=D(7),
                method=method,
                **extra,
            )

    def refresh_with_target(value: int) -> tuple[int, list[Score]]:
        """A new target for TH_HD (the stepped points move), then the scores refreshed."""
        target_set(
            actor=SYSTEM, indicator=indicators["TH_HD"], unit=c1, value=D(value), period=year
        )
        with CaptureQueriesContext(connection) as queries:
            assessment = assessment_start(actor=SYSTEM, criteria_set=criteria_set, unit=c1)
        scores = list(assessment.scores.select_related("criterion").order_by("criterion__number"))
        return len(queries), scores

    add("HV_PTM", "HV_KETNAP / HV_TONG[-1] * 100")
    assessment = assessment_start(actor=SYSTEM, criteria_set=criteria_set, unit=c1)
    assert [s.basis for s in assessment.scores.order_by("criterion__number")] == [
        "130/100 (đạt 130,0% chỉ tiêu)",
        "Chưa có chỉ tiêu giao cho đơn vị",
        "Chưa đủ số liệu để tính công thức",  # nothing reported for 2022 yet
    ]
    datavalues_save(actor=SYSTEM, unit=c1, period=last_year, values={indicators["HV_TONG"]: D(800)})
    three, scores = refresh_with_target(60)  # 45/60 = 75%: the 50% step
    assert [(s.self_points, s.basis) for s in scores] == [
        (D(7), "130/100 (đạt 130,0% chỉ tiêu)"),
        (D(4), "45/60 (đạt 75,0% chỉ tiêu)"),
        (D(7), "HV_KETNAP / HV_TONG[-1] * 100 = 16,25"),
    ]
    add("GIAMNGHEO", "HV_KETNAP / HV_TONG * 100")
    assessment_start(actor=SYSTEM, criteria_set=criteria_set, unit=c1)
    six, scores = refresh_with_target(50)  # 45/50 = 90%: the 80% step, for both
    assert [(s.self_points, s.basis) for s in scores] == [
        (D(7), "130/100 (đạt 130,0% chỉ tiêu)"),
        (D(7), "45/50 (đạt 90,0% chỉ tiêu)"),
        (D(7), "HV_KETNAP / HV_TONG[-1] * 100 = 16,25"),
        (D(0), "Chưa có chỉ tiêu giao cho đơn vị"),
        (D(7), "45/50 (đạt 90,0% chỉ tiêu)"),
        (D(7), "HV_KETNAP / HV_TONG * 100 = 13,00"),
    ]
    assert six == three
    # Published since it was read (by another officer, say): nothing is written.
    Assessment.objects.filter(pk=assessment.pk).update(status=Status.PUBLISHED)
    with pytest.raises(PublishedError):
        _scores_refresh(assessment)


def test_the_round_self_assessment_check_council_publication(small_tree, people):
    province, c1 = small_tree["province"], small_tree["c1"]
    criteria_set = hand_set(province)
    assessment = assessment_start(criteria_set=criteria_set, unit=c1, actor=people["xa"])
    criteria = [s.criterion for s in assessment.scores.all()]
    with pytest.raises(PermissionDenied):
        assessment_start(criteria_set=criteria_set, unit=c1, actor=people["xa2"])
    with pytest.raises(ValidationError, match="điểm phải từ 0 đến 40"):
        scores_self_set(
            assessment=assessment, values={criteria[0].pk: ("41", "0", "")}, actor=people["xa"]
        )
    with pytest.raises(ValidationError, match="Không đọc được số “bốn”"):
        scores_self_set(
            assessment=assessment, values={criteria[0].pk: ("bốn", "0", "")}, actor=people["xa"]
        )
    # One reading of numbers everywhere (vn.parse): "1.633" is a thousand and more.
    with pytest.raises(ValidationError, match="điểm phải từ 0 đến 40"):
        scores_self_set(
            assessment=assessment, values={criteria[0].pk: ("1.633", "0", "")}, actor=people["xa"]
        )
    scores_self_set(
        assessment=assessment,
        values={
            criteria[0].pk: ("40", "3", "Kết nạp vượt chỉ tiêu"),
            criteria[1].pk: ("18,5", "", ""),
            criteria[2].pk: ("35", "0", ""),
        },
        actor=people["xa"],
    )
    assessment.refresh_from_db()
    # Group 1: 40 + 3 bonus + 18,5 capped at its 60 points.
    assert (assessment.base_points, assessment.total) == (D("93.50"), D(95))
    with pytest.raises(PermissionDenied):
        assessment_submit(assessment=assessment, actor=people["huyen"])
    assessment_submit(assessment=assessment, actor=people["xa"])
    with pytest.raises(PermissionDenied):
        assessment_check(assessment=assessment, actor=people["xa"])
    assessment_return(assessment=assessment, reason="Thiếu minh chứng", actor=people["huyen"])
    assert assessment.status == Status.DRAFT
    assessment_submit(assessment=assessment, actor=people["xa"])
    with pytest.raises(ValidationError, match="ghi rõ lý do"):
        assessment_check(
            assessment=assessment,
            adjustments={criteria[2].pk: ("30", "0", "")},
            actor=people["huyen"],
        )
    assessment_check(
        assessment=assessment,
        adjustments={criteria[2].pk: ("29,99", "0", "Phong trào chưa đạt yêu cầu")},
        actor=people["huyen"],
    )
    assert assessment.status == Status.CHECKED
    assert assessment.total == D("89.99")
    with pytest.raises(PermissionDenied):
        criteria_set_confirm(criteria_set=criteria_set, actor=people["huyen"])
    criteria_set_confirm(criteria_set=criteria_set, actor=people["tinh"])
    criteria_set_publish(criteria_set=criteria_set, actor=people["tinh"])
    assessment.refresh_from_db()
    assert assessment.status == Status.PUBLISHED
    assert assessment.classification == Classification.GOOD


def test_every_change_of_state_writes_the_audit_log_with_who_did_it(small_tree, people):
    province, c1 = small_tree["province"], small_tree["c1"]
    criteria_set = hand_set(province)
    assessment = assessment_start(criteria_set=criteria_set, unit=c1, actor=people["xa"])
    criteria = [s.criterion for s in assessment.scores.all()]
    values = {c.pk: ("10", "0", "") for c in criteria}
    scores_self_set(assessment=assessment, values=values, actor=people["xa"])
    assessment_submit(assessment=assessment, actor=people["xa"])
    assessment_return(assessment=assessment, reason="Thiếu minh chứng", actor=people["huyen"])
    with pytest.raises(PermissionDenied):
        assessment_submit(assessment=assessment, actor=people["xa2"])
    rows = list(AuditLog.objects.filter(target__contains="Thi đua 2023").order_by("id"))
    assert [(r.username, r.action) for r in rows] == [
        ("xa", AuditAction.ASSESSMENT_START),
        ("xa", AuditAction.SELF_SCORE),
        ("xa", AuditAction.ASSESSMENT_SUBMIT),
        ("huyen", AuditAction.ASSESSMENT_RETURN),
    ]
    assert rows[-1].user == people["huyen"]
    assert rows[-1].detail == "Thiếu minh chứng"
    # The set-up by the system is recorded under the system's name, with no user.
    setup = AuditLog.objects.filter(action=AuditAction.EMULATION_SETUP)
    assert setup.count() == 6  # the set, its two groups and three criteria
    assert {r.username for r in setup} == {"kiểm thử"}
    assert all(r.user is None for r in setup)


def test_published_results_are_immutable_and_corrected_by_a_recorded_decision(small_tree, people):
    criteria_set = hand_set(small_tree["province"])
    assessment = scored(criteria_set, small_tree["c1"], [(40, 0), (20, 0), (25, 0)])
    scored(criteria_set, small_tree["c2"], [(20, 0), (10, 0), (10, 0)])
    criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    criteria_set_publish(actor=SYSTEM, criteria_set=criteria_set)
    assessment.refresh_from_db()
    assert (assessment.total, assessment.classification) == (D(85), Classification.GOOD)
    assessment.total = D(99)
    with pytest.raises(PublishedError):
        assessment.save()
    with pytest.raises(PublishedError):
        assessment.delete()
    score = Score.objects.filter(assessment=assessment).first()
    score.self_points = D(1)
    with pytest.raises(PublishedError):
        score.save()
    criteria = [s.criterion for s in assessment.scores.all()]
    with pytest.raises(PublishedError):
        scores_self_set(
            actor=SYSTEM, assessment=assessment, values={criteria[0].pk: ("1", "0", "")}
        )
    with pytest.raises(PublishedError):
        criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    assert share_good_or_better(small_tree["province"], 2023).good_or_better == 1
    with pytest.raises(ValidationError, match="lý do"):
        assessment_correct(
            actor=SYSTEM, assessment=assessment, criterion=criteria[2], points="35", reason=" "
        )
    with pytest.raises(PermissionDenied):
        assessment_correct(
            assessment=assessment,
            criterion=criteria[2],
            points="35",
            reason="x",
            actor=people["huyen"],
        )
    correction = assessment_correct(
        assessment=assessment,
        criterion=criteria[2],
        points="35",
        reason="Bổ sung minh chứng phong trào",
        decision_number="12/QĐ-BTV",
        actor=people["tinh"],
    )
    assert (correction.old_total, correction.new_total) == (D(85), D(95))
    assert (correction.old_classification, correction.new_classification) == (
        Classification.GOOD,
        Classification.EXCELLENT,
    )
    assert correction.by == people["tinh"]
    assessment.refresh_from_db()
    assert assessment.total == D(85)  # the published row is as it was published
    [result] = unit_results(small_tree["c1"])
    assert (result.total, result.classification, result.corrected) == (
        D(95),
        Classification.EXCELLENT,
        True,
    )
    share = share_good_or_better(small_tree["province"], 2023)
    assert (share.good_or_better, share.graded) == (1, 2)


def test_quota_demotes_by_order_of_merit_and_clusters_have_leaders(small_tree):
    criteria_set = hand_set(small_tree["province"], excellent_quota_pct=D(50))
    c1, c2, c3 = small_tree["c1"], small_tree["c2"], small_tree["c3"]
    cluster_set(actor=SYSTEM, criteria_set=criteria_set, name="Cụm 1", units=[c1, c2])
    cluster_set(actor=SYSTEM, criteria_set=criteria_set, name="Cụm 2", units=[c3])
    with pytest.raises(ValidationError, match="thuộc cụm khác"):
        cluster_set(actor=SYSTEM, criteria_set=criteria_set, name="Cụm 3", units=[c1])
    a1 = scored(criteria_set, c1, [(40, 0), (20, 0), (32, 0)])  # 92
    a2 = scored(criteria_set, c2, [(40, 0), (20, 0), (35, 0)])  # 95
    a3 = scored(criteria_set, c3, [(38, 0), (20, 0), (34, 0)])  # 92: must criterion 1.1 missed
    criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    for a in (a1, a2, a3):
        a.refresh_from_db()
    # 50% of 3 units: one "xuất sắc"; c3 is not eligible (must criterion), c1 is beyond quota.
    assert a2.classification == Classification.EXCELLENT
    assert a1.classification == Classification.GOOD
    assert a1.classification_note.startswith("Đủ điều kiện xuất sắc nhưng ngoài tỷ lệ 50%")
    assert a3.classification == Classification.GOOD
    assert "chưa đạt tiêu chí bắt buộc 1.1" in a3.classification_note
    assert (a2.cluster_rank, a2.is_cluster_leader) == (1, True)
    assert (a1.cluster_rank, a1.is_cluster_leader) == (2, False)
    assert (a3.cluster_rank, a3.is_cluster_leader) == (1, False)  # top, but not xuất sắc


def test_confirm_waits_for_every_check(small_tree):
    criteria_set = hand_set(small_tree["province"])
    scored(criteria_set, small_tree["c1"], [(40, 0), (20, 0), (35, 0)])
    scored(criteria_set, small_tree["c2"], [(40, 0), (20, 0), (35, 0)], check=False)
    with pytest.raises(ValidationError, match="chưa được cấp trên kiểm tra: Xã B"):
        criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    assert not Assessment.objects.filter(status=Status.CONFIRMED).exists()


def _publish_year(province, year, points_by_unit):
    criteria_set = hand_set(province, year=year)
    for unit, points in points_by_unit.items():
        scored(criteria_set, unit, points)
    criteria_set_confirm(actor=SYSTEM, criteria_set=criteria_set)
    criteria_set_publish(actor=SYSTEM, criteria_set=criteria_set)
    return criteria_set


def test_award_rule_over_two_consecutive_years(small_tree, people):
    province, c1, c2 = small_tree["province"], small_tree["c1"], small_tree["c2"]
    excellent, good = [(40, 0), (20, 0), (35, 0)], [(35, 0), (20, 0), (25, 0)]
    _publish_year(province, 2022, {c1: excellent, c2: good})
    _publish_year(province, 2023, {c1: excellent, c2: excellent})
    bang_khen = AwardType.objects.create(
        code="BK_TW",
        name="Bằng khen của Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam",
        issuer_name="Đoàn Chủ tịch Trung ương Hội LHPN Việt Nam",
        rule=AwardRule.CONSECUTIVE_EXCELLENT,
        rule_years=2,
        sort_order=1,
    )
    tap_the = AwardType.objects.create(
        code="TTLDXS",
        name="Tập thể lao động xuất sắc",
        issuer_name="Ban Thường vụ",
        rule=AwardRule.EXCELLENT,
        sort_order=2,
    )
    with pytest.raises(PermissionDenied):
        proposals_generate(proposer=province, year=2023, actor=people["huyen"])
    created = proposals_generate(proposer=province, year=2023, actor=people["tinh"])
    got = {(p.unit.name, p.award_type.code): p.reason for p in created}
    assert got == {
        ("Xã A", "BK_TW"): "Hoàn thành xuất sắc nhiệm vụ 2 năm liên tục (2022, 2023)",
        ("Xã A", "TTLDXS"): "Hoàn thành xuất sắc nhiệm vụ năm 2023",
        ("Xã B", "TTLDXS"): "Hoàn thành xuất sắc nhiệm vụ năm 2023",
    }
    assert proposals_generate(actor=SYSTEM, proposer=province, year=2023) == []  # kept, not doubled
    proposal = Proposal.objects.get(unit=c1, award_type=bang_khen)
    with pytest.raises(ValidationError, match="một hình thức"):
        decision_issue(
            actor=SYSTEM,
            issuer=province,
            proposals=list(Proposal.objects.all()),
            number="1/QĐ",
            date=dt.date(2024, 3, 1),
            signer="A",
            signer_title="Chủ tịch",
        )
    decision = decision_issue(
        issuer=province,
        proposals=[proposal],
        number="125/QĐ-ĐCT",
        date=dt.date(2024, 3, 1),
        signer="Nguyễn Thị A",
        signer_title="Chủ tịch",
        actor=people["tinh"],
    )
    award = Award.objects.get(unit=c1)
    assert (award.award_type, award.year, award.decision) == (bang_khen, 2023, decision)
    proposal.refresh_from_db()
    assert proposal.decision == decision
    assert tap_the.pk


def test_a_stale_page_cannot_move_an_assessment_twice(small_tree):
    criteria_set = hand_set(small_tree["province"])
    assessment = scored(criteria_set, small_tree["c1"], [(40, 0), (20, 0), (30, 0)], check=False)
    stale = Assessment.objects.get(pk=assessment.pk)
    assessment_return(actor=SYSTEM, assessment=assessment, reason="Bổ sung minh chứng")
    with pytest.raises(ValidationError, match="tải lại trang"):
        assessment_check(actor=SYSTEM, assessment=stale)
    stale.refresh_from_db()
    assert stale.status == Status.DRAFT
