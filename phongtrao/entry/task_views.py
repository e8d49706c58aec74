"""Việc cần làm, the signed-in home page, and the reminder button on it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from phongtrao import periods
from phongtrao.accounts.access import membership_of
from phongtrao.catalog.models import Form
from phongtrao.entry.services import reminder_send
from phongtrao.entry.tasks import tasks_for


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    """What waits for the officer, by role; each line leads to the page where it is done."""
    return render(
        request,
        "entry/tasks.html",
        {"tasks": tasks_for(request.user), "membership": membership_of(request.user)},
    )


@require_POST
@login_required
def remind(request: HttpRequest) -> HttpResponse:
    """ "Nhắc nộp": tell the units below that are late with one report."""
    form = get_object_or_404(Form, code=request.POST.get("form", ""))
    try:
        period = periods.parse(request.POST.get("period", ""))
    except ValueError as exc:
        raise Http404("Kỳ báo cáo không hợp lệ.") from exc
    count = reminder_send(actor=request.user, form=form, period=period)
    messages.success(request, f"Đã gửi lời nhắc tới {count} đơn vị.")
    return redirect("tasks")


__all__ = ["remind", "tasks"]
