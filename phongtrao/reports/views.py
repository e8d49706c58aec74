"""Reports on the web: a page per unit and period, and the documents to download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from phongtrao import periods
from phongtrao.accounts.access import access_unit
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.selectors import unit_counterpart
from phongtrao.reports.builder import report_build
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
    "html": "Trang web",
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


@login_required
def report_page(request: HttpRequest, unit_uid: str, period: str) -> HttpResponse:
    """The unit's report for the period, with a link per format and the structure to use."""
    unit = access_unit(request.user, unit_uid)
    parsed = _period(period)
    other = _structure_unit(request, unit)
    if other.pk != unit.pk:
        return redirect("reports:page", other.uid, parsed.code)
    return render(
        request,
        "reports/web/page.html",
        {
            "unit": unit,
            "period": parsed,
            "formats": list(FORMAT_LABELS.items()),
            "editions": list(Edition.objects.order_by("valid_from")),
        },
    )


@login_required
def report_download(request: HttpRequest, unit_uid: str, period: str, fmt: str) -> HttpResponse:
    """The document itself, for a unit the user may see."""
    unit = _structure_unit(request, access_unit(request.user, unit_uid))
    parsed = _period(period)
    if fmt not in FORMATS:
        raise Http404("Định dạng không được hỗ trợ.")
    content = report_render(report_build(unit, parsed.code), fmt)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-{unit.code}-{parsed.code}.{fmt}"'
    )
    return response
