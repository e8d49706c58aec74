"""Reports on the web: a page per unit and period, and the documents to download."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from phongtrao import periods
from phongtrao.accounts.access import access_unit
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import unit_counterpart
from phongtrao.reports.builder import (
    Report,
    ReportEmpty,
    ascii_filename,
    report_build,
    report_filename,
)
from phongtrao.reports.formats import FORMATS, report_render

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


def _structure_unit(request: HttpRequest, unit: Unit) -> Unit:
    """`?edition=2025`: the unit standing for `unit` in that structure, if the user may see it."""
    edition = request.GET.get("edition")
    if not edition or edition == unit.edition.code:
        return unit
    try:
        counterpart = unit_counterpart(unit, edition)
    except (Unit.DoesNotExist, Edition.DoesNotExist):
        raise Http404("Không có đơn vị tương ứng trong cơ cấu tổ chức đã chọn.") from None
    return access_unit(request.user, counterpart)


def _content_disposition(filename: str) -> str:
    """The Vietnamese name for browsers (RFC 6266 ``filename*``), an ASCII one for the rest."""
    return (
        f"attachment; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    )


@login_required
def report_page(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """The unit's report for the period on screen, the downloads beside it; with no figure
    for the unit and period, a Vietnamese refusal and the draft skeleton to download."""
    unit = access_unit(request.user, unit_uid)
    parsed = _period(period)
    other = _structure_unit(request, unit)
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
        },
        status=404 if refusal else 200,
    )


@login_required
def report_download(request: HttpRequest, unit_uid: str, period: str, fmt: str) -> HttpResponse:
    """The document itself, for a unit the user may see (``?draft=1``: the skeleton when
    there is no figure yet)."""
    unit = _structure_unit(request, access_unit(request.user, unit_uid))
    parsed = _period(period)
    if fmt not in FORMATS:
        raise Http404("Định dạng không được hỗ trợ.")
    try:
        report = report_build(unit, parsed.code, draft=request.GET.get("draft") == "1")
    except ReportEmpty as error:
        raise Http404(error.message_vi) from None
    content = report_render(report, fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = _content_disposition(report_filename(report, fmt))
    return response
