"""Entry pages: the list of reports a user may open, one report's page, its workflow.

Thin views: check access through `phongtrao.accounts.access`, parse, call a service, render.
Saving works as a plain POST, without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from phongtrao import periods
from phongtrao.accounts.access import (
    access_unit,
    membership_of,
    unit_may_approve,
    unit_may_change,
    units_visible,
)
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.guards import guards_blocked
from phongtrao.data.models import Period, SubmissionStatus
from phongtrao.data.selectors import (
    EntrySection,
    entry_rows,
    submission_completeness,
    submissions_waiting,
    value_history,
)
from phongtrao.data.services import Conflict, ValueConflict, datavalues_save
from phongtrao.data.validation import (
    BREAKDOWN_TEMPLATE,
    NEGATIVE,
    PERCENT_RANGE,
    TOO_LARGE,
    integer_message,
    short_name,
)
from phongtrao.data.workflow import (
    deadline_lock,
    deadline_message,
    deadline_passed,
    form_deadline,
    submission_approve,
    submission_get,
    submission_return,
    submission_submit,
    submission_unlock,
    units_pending_approval,
)
from phongtrao.entry.forms import EntryInput, entry_input_read, value_text
from phongtrao.entry.lookups import report_or_404, unit_active
from phongtrao.members.figures import REGISTRY_LABEL
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn.dates import format_date_short

# The home page offers at most this many units in a list; more means choosing a subtree.
UNIT_LIST_LIMIT = 500
RECENT_PERIODS = 6
# The source `datavalues_save` records for the page's saves (its default).
FORM_SOURCE = "web"


def _entry_url(form: Form, unit: Unit, period: Period) -> str:
    return reverse("entry:report", args=[form.code, unit.uid, period.code])


def _recent_periods(period_type: str, today: dt.date) -> list[periods.Period]:
    current = periods.for_date(periods.PeriodType[period_type], today)
    result = [current]
    for _ in range(RECENT_PERIODS - 1):
        result.append(result[-1].previous())
    return result


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The forms, units and periods the user may open, and the reports waiting for them."""
    membership = membership_of(request.user)
    visible = units_visible(request.user)
    own_level = membership.unit.level if membership else Level.CENTRAL
    today = timezone.localdate()
    choices = []
    for form in Form.objects.filter(level__gte=own_level).order_by("level", "code"):
        units = list(visible.filter(level=form.level).order_by("code")[: UNIT_LIST_LIMIT + 1])
        if not units:
            continue
        above = membership is not None and membership.unit.level < form.level
        choices.append(
            {
                "completeness_unit": membership.unit if above and membership else None,
                "form": form,
                "units": units[:UNIT_LIST_LIMIT],
                "truncated": len(units) > UNIT_LIST_LIMIT,
                "periods": [
                    p
                    for p in _recent_periods(form.period_type, today)
                    if any(unit_active(u, p) for u in units[:UNIT_LIST_LIMIT])
                ],
            }
        )
    waiting = []
    if request.user.is_superuser or (membership and membership.may_approve):
        waiting = [
            s for s in submissions_waiting(visible)[:200] if unit_may_approve(request.user, s.unit)
        ]
    overview = _recent_periods("YEARLY", today)[:5] if membership is not None else []
    return render(
        request,
        "entry/home.html",
        {
            "choices": choices,
            "waiting": waiting,
            "membership": membership,
            "overview": overview,
        },
    )


@login_required
def report_open(request: HttpRequest) -> HttpResponse:
    """The home page's choice (form, unit, period) as the report's address."""
    form = get_object_or_404(Form, code=request.GET.get("form", ""))
    unit = access_unit(request.user, request.GET.get("unit", ""))
    return redirect("entry:report", form.code, unit.uid, request.GET.get("period", ""))


def _page(
    request: HttpRequest,
    form: Form,
    unit: Unit,
    period: Period,
    *,
    entered: EntryInput | None = None,
    conflicts: dict[int, str] | None = None,
    general_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    sections = entry_rows(form=form, unit=unit, period=period)
    submission = submission_get(form=form, unit=unit, period=period)
    locked = submission is not None and submission.is_locked
    deadline = form_deadline(form, period)
    overdue = deadline_lock(form=form, period=period, submission=submission, user=request.user)
    may_change = unit_may_change(request.user, unit) and not locked and overdue is None
    may_approve = unit_may_approve(request.user, unit)
    entered = entered or EntryInput()
    conflicts = conflicts or {}
    # Figures the member registry counts for this unit: shown, never typed (refused on save).
    registry = {code for (_, code) in guards_blocked([unit.pk], FORM_SOURCE)}
    parents = {row.indicator.parent_id for section in sections for row in section.rows}
    filled = fillable = 0
    for section in sections:
        for row in section.rows:
            pk = row.indicator.pk
            row.registry = row.indicator.code in registry
            row.has_breakdown = pk in parents
            if not row.indicator.is_derived and not row.registry:
                fillable += 1
                filled += row.value is not None
            row.key = str(pk)
            row.shown = value_text(row.value)
            row.last_year_text = value_text(row.last_year) or "—"
            row.target_text = value_text(row.target)
            # Only what the officer changed is kept; the rest shows what is stored now.
            typed = pk in entered.changed or pk in entered.errors
            row.text = entered.texts[pk] if typed else row.shown
            row.errors = entered.errors.get(pk, [])
            row.conflict = conflicts.get(pk, "")
    status_value = submission.status if submission else SubmissionStatus.DRAFT
    rules = _client_rules(sections) if may_change else {}
    pending: list[Unit] = []
    if may_approve and status_value == SubmissionStatus.SUBMITTED:
        pending = units_pending_approval(form=form, unit=unit, period=period)
    context = {
        "form": form,
        "unit": unit,
        "period": period,
        "period_label": periods.label_vi(period.code),
        "last_year_label": periods.label_vi(
            periods.parse(period.code).same_period_last_year().code
        ),
        "sections": sections,
        "submission": submission,
        "status": status_value,
        "status_label": SubmissionStatus(status_value).label,
        "locked": locked,
        "deadline": deadline,
        "title": form.title_for(period.code),
        "deadline_banner": _deadline_banner(
            deadline, overdue, viewer_enters=unit_may_change(request.user, unit) and not locked
        ),
        "may_change": may_change,
        "may_approve": may_approve,
        "may_unlock": may_approve
        and (
            status_value == SubmissionStatus.APPROVED
            or (status_value == SubmissionStatus.DRAFT and deadline_passed(form, period))
        ),
        "pending": pending,
        "conflicts": conflicts,
        "general_errors": general_errors or [],
        # One reverse() for every row's history link (codes are URL-safe: letters, _ and -).
        "history_base": reverse("entry:history", args=[form.code, unit.uid, period.code, "x"])[:-2],
        "rules": rules,
        "has_errors": bool(entered.errors),
        "filled": filled,
        "fillable": fillable,
        "registry_label": REGISTRY_LABEL,
        "registry_url": reverse("members:unit", args=[unit.uid]),
    }
    return render(request, "entry/report.html", context, status=status)


def _deadline_banner(
    deadline: dt.date | None, overdue: dt.date | None, *, viewer_enters: bool
) -> str:
    """The deadline line, only for those who enter the unit's figures while the report is not
    sent: past it (entry closed), or the days left; nothing for the level above."""
    if not viewer_enters or deadline is None:
        return ""
    if overdue is not None:
        return deadline_message(overdue)
    left = (deadline - timezone.localdate()).days
    if left < 0:
        return "Báo cáo được mở lại sau hạn nộp: hãy hoàn thành và gửi lại để cấp trên duyệt."
    when = "hôm nay là hạn cuối" if left == 0 else f"còn {left} ngày"
    return f"Hạn nộp báo cáo: {format_date_short(deadline)} ({when})."


def _client_rules(sections: list[EntrySection]) -> dict[str, Any]:
    """The checks the page's script repeats as the officer types, with the server's messages
    (from `data.validation`): per field its type, integer message, short name and parent."""
    in_form = {row.indicator.pk for s in sections for row in s.rows}
    fields = {
        str(row.indicator.pk): {
            "type": row.indicator.value_type,
            "integer": integer_message(row.indicator),
            "name": short_name(row.indicator),
            "parent": str(row.indicator.parent_id) if row.indicator.parent_id in in_form else None,
        }
        for s in sections
        for row in s.rows
    }
    return {
        "negative": NEGATIVE,
        "percent": PERCENT_RANGE,
        "tooLarge": TOO_LARGE,
        "breakdown": BREAKDOWN_TEMPLATE,
        "fields": fields,
    }


@login_required
def report(request: HttpRequest, form_code: str, unit_uid: str, period: str) -> HttpResponse:
    """One report's entry page; a POST saves the changed values (and submits, if asked)."""
    form, unit, period_row = report_or_404(request.user, form_code, unit_uid, period)
    if request.method != "POST":
        return _page(request, form, unit, period_row)
    access_unit(request.user, unit, change=True)
    sections = entry_rows(form=form, unit=unit, period=period_row)
    entered = entry_input_read(request.POST, sections)
    if entered.errors:
        return _page(request, form, unit, period_row, entered=entered, status=400)
    by_id = {row.indicator.pk: row.indicator for s in sections for row in s.rows}
    values: dict[Indicator, Decimal | None] = {
        by_id[pk]: value for pk, value in entered.changed.items()
    }
    try:
        result = datavalues_save(
            unit=unit,
            period=period_row,
            values=values,
            actor=request.user,
            expected_versions=entered.versions,
        )
    except ValueConflict as exc:
        conflicts = {c.indicator.pk: _conflict_message(c) for c in exc.conflicts}
        return _page(
            request, form, unit, period_row, entered=entered, conflicts=conflicts, status=409
        )
    except ValidationError as exc:
        by_code = {i.code: i.pk for i in by_id.values()}
        general: list[str] = []
        if hasattr(exc, "error_dict"):
            for code, errors in exc.message_dict.items():
                if code in by_code:
                    entered.errors.setdefault(by_code[code], []).extend(errors)
                else:
                    general.extend(errors)
        else:
            general.extend(exc.messages)
        return _page(
            request, form, unit, period_row, entered=entered, general_errors=general, status=400
        )
    changed = result.created + result.updated + result.deleted
    messages.success(request, f"Đã lưu {changed} số liệu thay đổi.")
    if request.POST.get("action") == "submit":
        return _workflow(request, form, unit, period_row, "submit")
    return redirect(_entry_url(form, unit, period_row))


def _conflict_message(conflict: Conflict) -> str:
    current = conflict.current
    if current is None:
        return "Người khác đã xóa số liệu này sau khi bạn mở biểu mẫu."
    who = current.updated_by.get_username() if current.updated_by else "Người khác"
    when = timezone.localtime(current.updated_at).strftime("%H:%M ngày %d/%m/%Y")
    return (
        f"{who} đã lưu giá trị {value_text(current.value)} lúc {when}, sau khi bạn mở biểu mẫu. "
        "Hãy xem lại; bấm Lưu lần nữa để giữ giá trị của bạn."
    )


def _workflow(
    request: HttpRequest, form: Form, unit: Unit, period: Period, step: str
) -> HttpResponse:
    reason = request.POST.get("reason", "")
    done = {
        "submit": "Đã gửi báo cáo lên cấp trên.",
        "approve": "Đã duyệt báo cáo.",
        "return": "Đã trả lại báo cáo cho đơn vị.",
        "unlock": "Đã mở khóa báo cáo.",
    }
    try:
        if step == "submit":
            submission_submit(form=form, unit=unit, period=period, user=request.user)
        elif step == "approve":
            submission_approve(form=form, unit=unit, period=period, user=request.user)
        elif step == "return":
            submission_return(form=form, unit=unit, period=period, user=request.user, reason=reason)
        else:
            submission_unlock(form=form, unit=unit, period=period, user=request.user, reason=reason)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done[step])
    return redirect(_entry_url(form, unit, period))


@require_POST
@login_required
def report_step(
    request: HttpRequest, form_code: str, unit_uid: str, period: str, step: str
) -> HttpResponse:
    """Submit, approve, return or unlock a report (the services check the roles)."""
    form, unit, period_row = report_or_404(request.user, form_code, unit_uid, period)
    if step not in {"submit", "approve", "return", "unlock"}:
        raise Http404("Không có thao tác này.")
    return _workflow(request, form, unit, period_row, step)


@login_required
def history(
    request: HttpRequest, form_code: str, unit_uid: str, period: str, indicator_code: str
) -> HttpResponse:
    """Every change of one value: who, when, old, new."""
    form, unit, period_row = report_or_404(request.user, form_code, unit_uid, period)
    indicator = get_object_or_404(form.indicators, code=indicator_code)
    rows = [
        {
            "at": audit.at,
            "who": audit.user.get_username() if audit.user else "hệ thống",
            "action": audit.get_action_display(),
            "old": value_text(audit.old_value),
            "new": value_text(audit.new_value),
            "source": audit.source,
        }
        for audit in value_history(indicator=indicator, unit=unit, period=period_row)
    ]
    return render(
        request,
        "entry/history.html",
        {
            "form": form,
            "unit": unit,
            "period": period_row,
            "period_label": periods.label_vi(period_row.code),
            "indicator": indicator,
            "rows": rows,
            "back": _entry_url(form, unit, period_row),
        },
    )


@login_required
def completeness(request: HttpRequest, form_code: str, unit_uid: str, period: str) -> HttpResponse:
    """For a unit above the reporting level: who sent the report, on time or late, who not."""
    form, unit, period_row = report_or_404(
        request.user, form_code, unit_uid, period, above=True, active=False
    )
    rows = submission_completeness(form=form, unit=unit, period=period_row)
    sent = [r for r in rows if r.submitted]
    return render(
        request,
        "entry/completeness.html",
        {
            "form": form,
            "unit": unit,
            "period": period_row,
            "period_label": periods.label_vi(period_row.code),
            "rows": rows,
            "sent": len(sent),
            "late": sum(1 for r in sent if r.late),
            "missing": [r.unit for r in rows if not r.submitted],
            "deadline": rows[0].deadline if rows else None,
            "may_upload": unit_may_change(request.user, unit),
        },
    )


__all__ = ["completeness", "history", "home", "report", "report_open", "report_step"]
