"""The bell's list: a user's notifications, newest first; marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from phongtrao.accounts.access import membership_of
from phongtrao.notifications.models import EmailPreference, Kind, Notification
from phongtrao.notifications.services import (
    email_preferences_set,
    mails_failed,
    mails_resend,
    notifications_mark_read,
)

PAGE_SIZE = 50
FAILED_PAGE_SIZE = 200


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's latest notifications, unread ones marked."""
    rows = list(Notification.objects.filter(user_id=int(request.user.pk or 0))[:PAGE_SIZE])
    return render(request, "notifications/list.html", {"rows": rows})


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one notification read and follow its link."""
    row = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications_mark_read(user=request.user, ids=[row.pk])
    allowed = url_has_allowed_host_and_scheme(row.url, allowed_hosts={request.get_host()})
    return redirect(row.url if row.url and allowed else "notifications:list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every notification of the user read."""
    notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification also come by e-mail (all of them unless turned off)."""
    if request.method == "POST":
        chosen = {k for k in request.POST.getlist("email") if k in Kind.values}
        email_preferences_set(user=request.user, email_on=chosen)
        messages.success(request, "Đã lưu lựa chọn nhận thư.")
        return redirect("notifications:settings")
    off = set(
        EmailPreference.objects.filter(user_id=int(request.user.pk or 0), email=False).values_list(
            "kind", flat=True
        )
    )
    kinds = [{"value": k.value, "label": k.label, "on": k.value not in off} for k in Kind]
    return render(request, "notifications/settings.html", {"kinds": kinds})


@login_required
def mails_failed_page(request: HttpRequest) -> HttpResponse:
    """ "Thư không gửi được": the e-mails of notifications that the mail server did not take,
    for the administrators of the recipients' units and superusers; "Gửi lại" queues them."""
    membership = membership_of(request.user)
    if not request.user.is_superuser and not (membership and membership.may_administer):
        raise PermissionDenied("Chỉ quản trị viên xem được thư không gửi được.")
    if request.method == "POST":
        chosen = request.POST.getlist("id")
        ids = None if request.POST.get("all") else [int(i) for i in chosen if i.isdigit()]
        count = mails_resend(actor=request.user, ids=ids)
        if count:
            messages.success(
                request,
                f"Đã xếp {count} thư vào hàng đợi gửi lại; trang này cập nhật khi gửi xong.",
            )
        else:
            messages.error(request, "Không có thư nào để gửi lại.")
        return redirect("notifications:failed")
    rows = mails_failed(request.user)
    total = rows.count()
    return render(
        request,
        "notifications/failed.html",
        {"rows": list(rows[:FAILED_PAGE_SIZE]), "total": total, "limit": FAILED_PAGE_SIZE},
    )


__all__ = [
    "mails_failed_page",
    "notification_list",
    "notification_read",
    "notification_read_all",
    "notification_settings",
]
