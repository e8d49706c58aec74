"""Emulation pages: self-assessment, check, council and publication, results, proposals.

Thin views: access through `phongtrao.accounts.access`, input parsed here, every write a
service call (which checks the roles again); refusals come back as Vietnamese messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from phongtrao.accounts.access import (
    access_unit,
    membership_of,
    unit_may_administer,
    unit_may_approve,
    unit_may_change,
    unit_may_view,
    units_visible,
)
from phongtrao.downloads import attachment
from phongtrao.emulation import exports
from phongtrao.emulation.models import (
    Assessment,
    Classification,
    Correction,
    CriteriaSet,
    Criterion,
    Decision,
    Evidence,
    Method,
    Proposal,
    ProposalStatus,
    PublishedError,
    Status,
)
from phongtrao.emulation.selectors import (
    assessment_scores,
    classification_counts,
    criteria_set_for,
    criteria_set_get,
    proposals_of,
    set_results,
    share_good_or_better,
    unit_awards,
    unit_results,
)
from phongtrao.emulation.services import (
    assessment_check,
    assessment_correct,
    assessment_return,
    assessment_start,
    assessment_submit,
    criteria_set_confirm,
    criteria_set_publish,
    decision_issue,
    evidence_add,
    proposals_generate,
    scores_self_set,
)
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn import format_number, format_percent
from phongtrao.vn.parse import NumberParseError, parse_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _run(request: HttpRequest, action: Callable[[], object], done: str) -> bool:
    """Run a service; its refusal becomes a message (nothing was changed)."""
    try:
        action()
    except (ValidationError, PublishedError) as exc:
        texts = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for text in texts:
            messages.error(request, text)
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "Bạn không có quyền thực hiện thao tác này.")
        return False
    messages.success(request, done)
    return True


def _points(value: Any) -> str:
    return format_number(value.normalize()) if value is not None else ""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the user has to do: their unit's assessments, checks waiting, sets they grade."""
    membership = membership_of(request.user)
    visible = units_visible(request.user)
    own: list[dict[str, Any]] = []
    if membership is not None:
        unit = membership.unit
        years = CriteriaSet.objects.filter(
            grader_id__in=unit.ancestor_ids, level=unit.level
        ).values_list("year", flat=True)
        for year in sorted(set(years), reverse=True):
            own.append({"unit": unit, "year": year})
    waiting = [
        a
        for a in Assessment.objects.filter(status=Status.SUBMITTED, unit__in=visible)
        .select_related("unit", "criteria_set")
        .order_by("unit__code")[:200]
        if unit_may_approve(request.user, a.unit)
    ]
    sets = list(
        CriteriaSet.objects.filter(grader__in=visible)
        .select_related("grader")
        .order_by("-year", "grader__path", "level")[:100]
    )
    return render(
        request,
        "emulation/home.html",
        {"own": own, "waiting": waiting, "sets": sets, "membership": membership},
    )


def _assessment_context(
    request: HttpRequest, unit: Unit, year: int
) -> tuple[CriteriaSet, Assessment | None]:
    criteria_set = criteria_set_for(unit, year)
    if criteria_set is None:
        raise Http404("Chưa có bộ tiêu chí thi đua năm này cho đơn vị.")
    assessment = Assessment.objects.filter(criteria_set=criteria_set, unit=unit).first()
    return criteria_set, assessment


@login_required
def assessment(request: HttpRequest, unit_uid: str, year: int) -> HttpResponse:
    """The unit's scoring page: self-assessment (POST saves it), check, result."""
    unit = access_unit(request.user, unit_uid)
    criteria_set, current = _assessment_context(request, unit, year)
    url = reverse("emulation:assessment", args=[unit.uid, year])
    if request.method == "POST":
        access_unit(request.user, unit, change=True)
        if current is None:
            raise Http404("Chưa bắt đầu tự chấm.")
        values = {
            c.pk: (
                request.POST.get(f"p_{c.pk}", "0"),
                request.POST.get(f"b_{c.pk}", "0"),
                request.POST.get(f"n_{c.pk}", ""),
            )
            for c in Criterion.objects.filter(group__criteria_set=criteria_set, method=Method.HAND)
        }
        saved = _run(
            request,
            lambda: _self_save(request, current, values),
            "Đã lưu điểm tự chấm.",
        )
        if saved and request.POST.get("action") == "submit":
            _run(
                request,
                lambda: assessment_submit(assessment=current, actor=request.user),
                "Đã gửi bản tự chấm lên cấp trên.",
            )
        return redirect(url)
    scores = assessment_scores(current) if current is not None else []
    corrections = (
        list(Correction.objects.filter(assessment=current).select_related("criterion__group", "by"))
        if current is not None
        else []
    )
    status = current.status if current is not None else ""
    may_change = unit_may_change(request.user, unit)
    context = {
        "unit": unit,
        "year": year,
        "criteria_set": criteria_set,
        "assessment": current,
        "scores": scores,
        "groups": _groups(scores),
        "status_label": Status(status).label if status else "Chưa tự chấm",
        "may_start": may_change and current is None and not criteria_set.is_published,
        "may_edit": may_change and status == Status.DRAFT,
        "may_check": unit_may_approve(request.user, unit) and status == Status.SUBMITTED,
        "may_correct": unit_may_administer(request.user, criteria_set.grader)
        and status == Status.PUBLISHED,
        "corrections": corrections,
        "classification_label": (
            Classification(current.classification).label
            if current is not None and current.classification
            else ""
        ),
        "results_url": reverse(
            "emulation:results", args=[criteria_set.grader.uid, year, criteria_set.level]
        )
        if unit_may_view(request.user, criteria_set.grader)
        else "",
    }
    return render(request, "emulation/assessment.html", context)


def _groups(scores: list[Any]) -> list[dict[str, Any]]:
    """Scores by group, with the texts the page prints."""
    groups: dict[int, dict[str, Any]] = {}
    for score in scores:
        group = score.criterion.group
        entry = groups.setdefault(group.pk, {"group": group, "rows": []})
        entry["rows"].append(
            {
                "score": score,
                "criterion": score.criterion,
                "hand": score.criterion.method == Method.HAND,
                "self_points": _points(score.self_points),
                "self_bonus": _points(score.self_bonus),
                "checked_points": _points(score.checked_points),
                "checked_bonus": _points(score.checked_bonus),
                "points": _points(score.points),
                "bonus": _points(score.bonus),
                "max_points": _points(score.criterion.max_points),
                "bonus_max": _points(score.criterion.bonus_max),
            }
        )
    return list(groups.values())


def _self_save(
    request: HttpRequest, current: Assessment, values: dict[int, tuple[str, str, str]]
) -> None:
    scores_self_set(assessment=current, values=dict(values), actor=request.user)
    for score in current.scores.all():
        upload = request.FILES.get(f"f_{score.criterion_id}")
        if upload is not None:
            evidence_add(score=score, file=upload, actor=request.user)


@require_POST
@login_required
def assessment_step(request: HttpRequest, unit_uid: str, year: int, step: str) -> HttpResponse:
    """Start the self-assessment, check it, return it, or correct a published result."""
    unit = access_unit(request.user, unit_uid)
    criteria_set, current = _assessment_context(request, unit, year)
    url = reverse("emulation:assessment", args=[unit.uid, year])
    if step == "start":
        _run(
            request,
            lambda: assessment_start(criteria_set=criteria_set, unit=unit, actor=request.user),
            "Đã mở bản tự chấm; điểm các tiêu chí theo số liệu đã được tính.",
        )
        return redirect(url)
    if current is None or step not in {"check", "return", "correct"}:
        raise Http404("Không có thao tác này.")
    if step == "check":
        adjustments = {
            s.criterion_id: (
                request.POST.get(f"cp_{s.criterion_id}", _points(s.self_points)),
                request.POST.get(f"cb_{s.criterion_id}", _points(s.self_bonus)),
                request.POST.get(f"cn_{s.criterion_id}", ""),
            )
            for s in current.scores.all()
        }
        _run(
            request,
            lambda: assessment_check(
                assessment=current, adjustments=_normalised(adjustments), actor=request.user
            ),
            "Đã kiểm tra bản tự chấm.",
        )
    elif step == "return":
        _run(
            request,
            lambda: assessment_return(
                assessment=current, reason=request.POST.get("reason", ""), actor=request.user
            ),
            "Đã trả lại bản tự chấm cho đơn vị.",
        )
    else:
        criterion = Criterion.objects.filter(
            pk=_int(request.POST.get("criterion")), group__criteria_set=criteria_set
        ).first()
        if criterion is None:
            messages.error(request, "Chọn tiêu chí cần điều chỉnh.")
        else:
            _run(
                request,
                lambda: assessment_correct(
                    assessment=current,
                    criterion=criterion,
                    points=request.POST.get("points", ""),
                    bonus=request.POST.get("bonus", "0"),
                    reason=request.POST.get("reason", ""),
                    decision_number=request.POST.get("decision_number", ""),
                    actor=request.user,
                ),
                "Đã ghi quyết định điều chỉnh kết quả.",
            )
    return redirect(url)


def _normalised(
    adjustments: dict[int, tuple[str, str, str]],
) -> dict[int, tuple[object, object, str]]:
    """Typed points read the Vietnamese way ("18,5"); left as typed when unreadable, so the
    service names the criterion in its message."""
    result: dict[int, tuple[object, object, str]] = {}
    for pk, (points, bonus, note) in adjustments.items():
        result[pk] = (_number(points), _number(bonus or "0"), note)
    return result


def _number(text: str) -> object:
    try:
        return parse_number(text)
    except NumberParseError:
        return text


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return 0


@login_required
def evidence(request: HttpRequest, evidence_id: int) -> FileResponse:
    """An evidence file, for those who may see its unit."""
    item = Evidence.objects.select_related("score__assessment__unit").filter(pk=evidence_id).first()
    if item is None:
        raise Http404("Không tìm thấy minh chứng.")
    access_unit(request.user, item.score.assessment.unit)
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


def _set_or_404(request: HttpRequest, unit_uid: str, year: int, level: int) -> CriteriaSet:
    grader = access_unit(request.user, unit_uid)
    criteria_set = criteria_set_get(grader, year, level)
    if criteria_set is None:
        raise Http404("Chưa có bộ tiêu chí này.")
    return criteria_set


@login_required
def results(request: HttpRequest, unit_uid: str, year: int, level: int) -> HttpResponse:
    """The results and ranking of a level, and the council's confirmation and publication."""
    criteria_set = _set_or_404(request, unit_uid, year, level)
    rows = set_results(criteria_set)
    council = unit_may_administer(request.user, criteria_set.grader)
    statuses = {a.status for a in rows}
    share = (
        share_good_or_better(criteria_set.grader, year, level=level)
        if criteria_set.is_published
        else None
    )
    return render(
        request,
        "emulation/results.html",
        {
            "criteria_set": criteria_set,
            "grader": criteria_set.grader,
            "level_label": Level(level).label,
            "rows": rows,
            "counts": classification_counts(rows),
            "council": council,
            "may_confirm": council
            and bool(rows)
            and not criteria_set.is_published
            and statuses <= {Status.CHECKED, Status.CONFIRMED},
            "may_publish": council
            and bool(rows)
            and not criteria_set.is_published
            and statuses == {Status.CONFIRMED},
            "waiting": [a for a in rows if a.status in (Status.DRAFT, Status.SUBMITTED)],
            "share_text": (
                f"{share.good_or_better}/{share.graded} ({format_percent(share.pct, 1)})"
                if share
                else ""
            ),
        },
    )


@require_POST
@login_required
def council_step(
    request: HttpRequest, unit_uid: str, year: int, level: int, step: str
) -> HttpResponse:
    """The council confirms the results (classification, quota, ranking) or publishes them."""
    criteria_set = _set_or_404(request, unit_uid, year, level)
    if step == "confirm":
        _run(
            request,
            lambda: criteria_set_confirm(criteria_set=criteria_set, actor=request.user),
            "Hội đồng thi đua đã xét: xếp loại, tỷ lệ và thứ hạng trong cụm đã được tính.",
        )
    elif step == "publish":
        _run(
            request,
            lambda: criteria_set_publish(criteria_set=criteria_set, actor=request.user),
            "Đã công bố kết quả thi đua.",
        )
    else:
        raise Http404("Không có thao tác này.")
    return redirect("emulation:results", unit_uid, year, level)


@login_required
def score_sheet(request: HttpRequest, unit_uid: str, year: int, level: int) -> HttpResponse:
    """The score sheet of the level as an Excel workbook."""
    criteria_set = _set_or_404(request, unit_uid, year, level)
    response = HttpResponse(exports.score_sheet_xlsx(criteria_set), content_type=XLSX)
    name = (
        f"Bảng điểm thi đua {criteria_set.get_level_display().lower()} năm {year} - "
        f"{criteria_set.grader.union_name}.xlsx"
    )
    response["Content-Disposition"] = attachment(name)
    return response


@login_required
def proposals(request: HttpRequest, unit_uid: str, year: int) -> HttpResponse:
    """The unit's award proposals for the year: generate them by the rules, decide them."""
    proposer = access_unit(request.user, unit_uid)
    may_decide = unit_may_administer(request.user, proposer)
    url = reverse("emulation:proposals", args=[proposer.uid, year])
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied("Chỉ quản trị của đơn vị mới được lập đề nghị, quyết định.")
        if request.POST.get("action") == "generate":
            _run(
                request,
                lambda: proposals_generate(proposer=proposer, year=year, actor=request.user),
                "Đã lập danh sách đề nghị theo các điều kiện khen thưởng.",
            )
        else:
            _decide(request, proposer, year)
        return redirect(url)
    rows = proposals_of(proposer, year)
    return render(
        request,
        "emulation/proposals.html",
        {
            "proposer": proposer,
            "year": year,
            "rows": rows,
            "may_decide": may_decide,
            "open_rows": [p for p in rows if p.status == ProposalStatus.PROPOSED],
            "today": dt.date.today().isoformat(),  # noqa: DTZ011 - a default for a date field
        },
    )


def _decide(request: HttpRequest, proposer: Unit, year: int) -> None:
    ids = [_int(v) for v in request.POST.getlist("proposal")]
    chosen = list(
        Proposal.objects.filter(pk__in=ids, proposer=proposer, year=year).select_related(
            "award_type", "unit"
        )
    )
    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, "Ngày quyết định không hợp lệ (ngày/tháng/năm).")
        return
    _run(
        request,
        lambda: decision_issue(
            issuer=proposer,
            proposals=chosen,
            number=request.POST.get("number", ""),
            date=date,
            signer=request.POST.get("signer", ""),
            signer_title=request.POST.get("signer_title", ""),
            actor=request.user,
        ),
        "Đã ghi quyết định khen thưởng; khen thưởng đã vào hồ sơ các đơn vị.",
    )


@login_required
def proposals_document(request: HttpRequest, unit_uid: str, year: int) -> HttpResponse:
    """The proposal list as an administrative document (DOCX)."""
    proposer = access_unit(request.user, unit_uid)
    rows = proposals_of(proposer, year)
    if not rows:
        raise Http404("Chưa có đề nghị khen thưởng nào.")
    response = HttpResponse(exports.proposals_docx(proposer, year, rows), content_type=DOCX)
    name = f"Đề nghị khen thưởng năm {year} - {proposer.union_name}.docx"
    response["Content-Disposition"] = attachment(name)
    return response


@login_required
def decision_document(request: HttpRequest, decision_id: int) -> HttpResponse:
    """A decision as an administrative document (DOCX), for those who may see its issuer or
    one of the units it awards."""
    decision = (
        Decision.objects.select_related("issuer", "award_type").filter(pk=decision_id).first()
    )
    if decision is None:
        raise Http404("Không tìm thấy quyết định.")
    awarded = [a.unit for a in decision.awards.select_related("unit")]
    if not unit_may_view(request.user, decision.issuer) and not any(
        unit_may_view(request.user, u) for u in awarded
    ):
        raise Http404("Không tìm thấy quyết định.")
    response = HttpResponse(exports.decision_docx(decision), content_type=DOCX)
    issuer = decision.issuer.union_name
    name = f"Quyết định khen thưởng {decision.number or decision.pk} - {issuer}.docx"
    response["Content-Disposition"] = attachment(name)
    return response


@login_required
def unit_page(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """A unit's emulation record: its published results by year and its awards."""
    unit = access_unit(request.user, unit_uid)
    return render(
        request,
        "emulation/unit.html",
        {"unit": unit, "results": unit_results(unit), "awards": unit_awards(unit)},
    )


__all__ = [
    "assessment",
    "assessment_step",
    "council_step",
    "decision_document",
    "evidence",
    "home",
    "proposals",
    "proposals_document",
    "results",
    "score_sheet",
    "unit_page",
]
