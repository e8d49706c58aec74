"""The report as an Excel template: download it pre-filled, upload it back (all or nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from phongtrao import periods
from phongtrao.accounts.access import access_unit
from phongtrao.catalog.models import Form
from phongtrao.data.models import Period
from phongtrao.downloads import attachment
from phongtrao.entry.lookups import report_or_404
from phongtrao.exchange.excel import excel_template, excel_upload
from phongtrao.orgs.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back(form: Form, unit: Unit, period: Period) -> str:
    name = "entry:report" if unit.level == form.level else "entry:completeness"
    return reverse(name, args=[form.code, unit.uid, period.code])


@login_required
def excel(request: HttpRequest, form_code: str, unit_uid: str, period: str) -> HttpResponse:
    """GET: the XLSX template, pre-filled. POST (file `tep`): apply it, or list its errors."""
    form, unit, period_row = report_or_404(request.user, form_code, unit_uid, period, above=True)
    if request.method != "POST":
        name, content = excel_template(form=form, unit=unit, period=period_row)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = attachment(name)
        return response
    if unit.level == form.level:
        access_unit(request.user, unit, change=True)
    upload = request.FILES.get("tep")
    if upload is None:
        errors = ["Chưa chọn tệp Excel để tải lên."]
    else:
        result = excel_upload(
            form=form, unit=unit, period=period_row, user=request.user, stream=upload
        )
        errors = result.errors
    if errors:
        return render(
            request,
            "entry/excel_errors.html",
            {
                "form": form,
                "unit": unit,
                "period_label": periods.label_vi(period_row.code),
                "errors": errors,
                "back": _back(form, unit, period_row),
            },
            status=400,
        )
    messages.success(request, f"Đã nhập từ tệp Excel: {result.changed} số liệu thay đổi.")
    return redirect(_back(form, unit, period_row))
