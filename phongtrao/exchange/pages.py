"""The exchange's pages for signed-in people: personal access tokens, file uploads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from phongtrao.exchange.models import PersonalAccessToken
from phongtrao.exchange.tokens import TokenError, token_create, token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Tên gợi nhớ", max_length=100, help_text="Ví dụ: “Đồng bộ với DHIS2 của tỉnh”."
    )
    days = forms.TypedChoiceField(
        label="Thời hạn",
        coerce=int,
        initial=90,
        choices=[(30, "30 ngày"), (90, "90 ngày"), (365, "1 năm"), (0, "Không hết hạn")],
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's personal access tokens; a new one is shown once, right after it is made."""
    form = TokenForm(request.POST or None)
    created = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            days = form.cleaned_data["days"]
            expires = timezone.now() + dt.timedelta(days=days) if days else None
            try:
                _, created = token_create(
                    user=request.user, name=form.cleaned_data["name"], expires_at=expires
                )
            except TokenError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                form = TokenForm()
        else:
            status = 400
    rows = PersonalAccessToken.objects.filter(user=_signed_in(request))
    return render(
        request,
        "exchange/tokens.html",
        {"form": form, "tokens": rows, "created": created, "now": timezone.now()},
        status=status,
    )


@login_required
@require_POST
def token_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens (another's is answered 404)."""
    if not token_revoke(user=request.user, token_id=pk):
        raise Http404("Không tìm thấy mã truy cập.")
    messages.success(request, "Đã thu hồi mã truy cập.")
    return redirect("exchange:tokens")


def _signed_in(request: HttpRequest) -> Any:
    """The signed-in user (the views are login_required): typed for the ORM's lookups."""
    return request.user
