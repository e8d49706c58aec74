"""Reports on the web: a page per unit and period, and the documents to download."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from phongtrao import periods
from phongtrao.accounts.access import access_unit, unit_may_write_report
from phongtrao.downloads import attachment
from phongtrao.orgpages.views import structure_unit
from phongtrao.orgs.models import Edition, Unit
from phongtrao.reports.builder import (
    Report,
    ReportEmpty,
    number_suffix,
    proposed_directions,
    proposed_weaknesses,
    report_build,
    report_filename,
)
from phongtrao.reports.formats import FORMATS, report_render
from phongtrao.reports.forms import DocumentSettingsForm, ReportTextsForm
from phongtrao.reports.models import Part
from phongtrao.reports.selectors import (
    document_settings,
    report_is_locked,
    report_number,
    report_text_history,
    report_texts,
)
from phongtrao.reports.services import (
    ReportTextError,
    document_settings_save,
    report_number_assign,
    report_texts_save,
)

CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_LABELS = {  # in the order offered: the document first, the raw text last
    "pdf": "PDF (để in, gửi)",
    "docx": "Word (để sửa)",
    "xlsx": "Excel (bảng số liệu)",
    "html": "Trang web (HTML)",
    "md": "Văn bản thô (Markdown)",
}


def _period(code: str) -> periods.Period:
    try:
        return periods.parse(code)
    except ValueError:
        raise Http404("Kỳ báo cáo không hợp lệ.") from None


def _page_context(request: HttpRequest, unit: Unit, parsed: periods.Period) -> dict[str, Any]:
    """What the page shows beside the document: the passages (pre-filled from the figures
    where nothing was written), their history, the document details, the register number."""
    saved = report_texts(unit, parsed.code)
    may_change = unit_may_write_report(request.user, unit)
    details = document_settings(unit)
    return {
        "may_change": may_change,
        "locked": report_is_locked(unit, parsed.code),
        "history": report_text_history(unit, parsed.code),
        "settings_form": DocumentSettingsForm(instance=details) if may_change else None,
        "number": report_number(unit, parsed.code),
        "saved": saved,
    }


def _texts_form(report: Report | None, unit: Unit, parsed: periods.Period) -> ReportTextsForm:
    saved = report_texts(unit, parsed.code)
    initial = {part: row.text for part, row in saved.items()}
    if report is not None:
        last_year = parsed.same_period_last_year().label_vi()
        initial.setdefault(Part.WEAKNESSES, proposed_weaknesses(report.figures, last_year))
    initial.setdefault(Part.DIRECTIONS, proposed_directions(unit, parsed))
    return ReportTextsForm(
        initial=initial, initial_versions={p: row.version for p, row in saved.items()}
    )


@login_required
def report_page(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """The unit's report for the period on screen, the downloads beside it; with no figure
    for the unit and period, a Vietnamese refusal and the draft skeleton to download."""
    unit = access_unit(request.user, unit_uid)
    parsed = _period(period)
    # The other structure: its unit if the user may see it, else what became of theirs.
    other = structure_unit(request, unit, parsed.code, "bao-cao")
    if isinstance(other, HttpResponse):
        return other
    if other.pk != unit.pk:
        return redirect("reports:page", other.uid, parsed.code)
    report: Report | None = None
    refusal = ""
    try:
        report = report_build(unit, parsed.code)
    except ReportEmpty as error:
        refusal = error.message_vi
    return render(
        request,
        "reports/web/page.html",
        {
            "unit": unit,
            "period": parsed,
            "report": report,
            "header": report.header if report else None,
            "refusal": refusal,
            "formats": list(FORMAT_LABELS.items()),
            "editions": list(Edition.objects.order_by("valid_from")),
            "texts_form": _texts_form(report, unit, parsed),
            **_page_context(request, unit, parsed),
        },
        status=404 if refusal else 200,
    )


@login_required
@require_POST
def report_texts_edit(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Save the passages officers wrote on the report page."""
    unit = access_unit(request.user, unit_uid)  # the service checks who may write
    parsed = _period(period)
    form = ReportTextsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nội dung không hợp lệ: " + form.errors.as_text())
    else:
        try:
            saved = report_texts_save(
                actor=request.user,
                unit=unit,
                period_code=parsed.code,
                texts=form.texts(),
                versions=form.versions(),
            )
        except ReportTextError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Đã lưu {len(saved)} phần lời văn của báo cáo.")
    return redirect("reports:page", unit.uid, parsed.code)


@login_required
@require_POST
def report_settings_edit(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Save how the unit's reports are headed and signed."""
    unit = access_unit(request.user, unit_uid)  # the service checks who may write
    parsed = _period(period)
    form = DocumentSettingsForm(request.POST, instance=document_settings(unit))
    if form.is_valid():
        document_settings_save(actor=request.user, unit=unit, values=form.cleaned_data)
        messages.success(request, "Đã lưu thông tin văn bản của đơn vị.")
    else:
        messages.error(request, "Thông tin văn bản không hợp lệ: " + form.errors.as_text())
    return redirect("reports:page", unit.uid, parsed.code)


@login_required
@require_POST
def report_number_take(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """Give the report its number in the unit's register of this year."""
    unit = access_unit(request.user, unit_uid)  # the service checks who may write
    parsed = _period(period)
    number = report_number_assign(
        actor=request.user,
        unit=unit,
        period_code=parsed.code,
        suffix=number_suffix(unit, document_settings(unit)),
    )
    messages.success(request, f"Báo cáo mang số {number}.")
    return redirect("reports:page", unit.uid, parsed.code)


@login_required
def report_download(request: HttpRequest, unit_uid: str, period: str, fmt: str) -> HttpResponse:
    """The document itself, for a unit the user may see (``?draft=1``: the skeleton when
    there is no figure yet)."""
    unit = access_unit(request.user, unit_uid)
    parsed = _period(period)
    # The file of the other structure's unit, if the user may see it; no file otherwise.
    other = structure_unit(request, unit, parsed.code, "bao-cao")
    if isinstance(other, HttpResponse):
        raise Http404("Không có đơn vị tương ứng trong cơ cấu tổ chức đã chọn.")
    unit = other
    if fmt not in FORMATS:
        raise Http404("Định dạng không được hỗ trợ.")
    try:
        report = report_build(unit, parsed.code, draft=request.GET.get("draft") == "1")
    except ReportEmpty as error:
        raise Http404(error.message_vi) from None
    content = report_render(report, fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = attachment(report_filename(report, fmt))
    return response
