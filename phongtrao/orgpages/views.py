"""The organisation's own reorganisations on the web: merge units of one parent, split one.

Each change is two steps: the form, then a confirmation that says what will happen (which
units close on which day, which open, how many members of the registry move); only the
confirmed POST calls the service. Every page needs the right to change the parent unit
(`access_unit(..., change=True)`). The services are the member registry's
(`members.reorganisation`): the structure's change and the members following it, together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from phongtrao.accounts.access import (
    access_unit,
    membership_of,
    unit_may_change,
    unit_may_view,
    units_viewable,
)
from phongtrao.members.reorganisation import (
    FollowResult,
    members_to_follow,
    unit_split_listing,
    units_merge,
)
from phongtrao.orgs.forms import MergeForm, SplitForm, weight_text
from phongtrao.orgs.models import Edition, Unit
from phongtrao.orgs.reorganisation import (
    REORGANISED_LEVELS,
    Plan,
    unit_merge_check,
    unit_split_check,
)
from phongtrao.orgs.selectors import (
    edition_get,
    edition_parse,
    successions_across,
    unit_ancestors,
    unit_counterpart,
)
from phongtrao.periods import parse as period_parse
from phongtrao.vn import format_date_short, format_percent


def _today() -> dt.date:
    return timezone.localdate()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's own unit; for a superuser, the root of the structure in force today."""
    membership = membership_of(request.user)
    if membership is not None:
        return redirect("orgs:unit", membership.unit.uid)
    if getattr(request.user, "is_superuser", False):
        edition = Edition.objects.filter(valid_from__lte=_today()).order_by("-valid_from").first()
        root = Unit.objects.filter(parent=None, edition=edition).order_by("code").first()
        if root is not None:
            return redirect("orgs:unit", root.uid)
    raise Http404("Tài khoản chưa thuộc đơn vị nào.")


def _unit_context(request: HttpRequest, unit: Unit, form: MergeForm) -> dict[str, Any]:
    # Ended: closed by a reorganisation, before the end of its structure (the units of the
    # pre-2025 structure may still be reorganised with a date before 01/7/2025).
    until = unit.edition.valid_to
    children = list(
        Unit.objects.filter(parent=unit).annotate(below=Count("children")).order_by("code")
    )
    rows = []
    for child in children:
        open_ = child.valid_to is None or (until is not None and child.valid_to >= until)
        rows.append(
            {
                "unit": child,
                "open": open_,
                "may_reorganise": open_ and child.level in REORGANISED_LEVELS,
                "below": child.below,
            }
        )
    rows.sort(key=lambda r: not r["open"])  # open units first, then those that ended
    crumbs = [a for a in unit_ancestors(unit) if unit_may_view(request.user, a)]
    return {
        "unit": unit,
        "edition_ended": until is not None and until < _today(),
        "crumbs": crumbs,
        "rows": rows,
        "form": form,
        "may_merge": sum(r["may_reorganise"] for r in rows) >= 2,
        "chosen": set(request.POST.getlist("units")),
    }


@login_required
def unit_page(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """A unit's children, to tick for a merge or to split one."""
    unit = access_unit(request.user, unit_uid, change=True)
    return render(request, "orgs/unit.html", _unit_context(request, unit, MergeForm(parent=unit)))


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("step") == "confirm"


@login_required
@require_POST
def merge(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """Merge ticked children of the unit: check and show the plan, then do it once confirmed."""
    parent = access_unit(request.user, unit_uid, change=True)
    form = MergeForm(request.POST, parent=parent)
    if form.is_valid() and request.POST.get("step") != "edit":
        data = form.cleaned_data
        arguments = {
            "into": data["name"],
            "units": data["units"],
            "effective": data["effective"],
            "reason": data["reason"],
            "code": data["code"],
        }
        try:
            if _confirmed(request):
                merged, follow = units_merge(**arguments, actor=request.user)
                messages.success(
                    request,
                    f"Đã hợp nhất {len(data['units'])} đơn vị thành “{merged.name}” "
                    f"từ ngày {format_date_short(merged.valid_from)}." + _moved_text(follow),
                )
                return redirect("orgs:unit", parent.uid)
            plan = unit_merge_check(**arguments)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _confirm(request, parent, plan, form, "orgs:merge")
    context = _unit_context(request, parent, form)
    return render(request, "orgs/unit.html", context, status=200 if not form.errors else 400)


def _split_unit(request: HttpRequest, unit_uid: str) -> tuple[Unit, Unit]:
    """The unit to split and its parent, if the user may change the parent (else 404/403)."""
    unit = access_unit(request.user, unit_uid)
    parent = None if unit.parent_id is None else Unit.objects.filter(pk=unit.parent_id).first()
    if parent is None or not unit_may_change(request.user, parent):
        raise PermissionDenied("Bạn không có quyền sắp xếp các đơn vị trực thuộc đơn vị cấp trên.")
    return unit, parent


@login_required
def split(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """Split the unit: the form, the plan to confirm, then the split itself."""
    unit, parent = _split_unit(request, unit_uid)
    if request.method != "POST":
        form = SplitForm()
    else:
        form = SplitForm(request.POST)
        if form.is_valid() and request.POST.get("step") != "edit":
            data = form.cleaned_data
            arguments = {
                "unit": unit,
                "into": data["into"],
                "effective": data["effective"],
                "reason": data["reason"],
            }
            try:
                if _confirmed(request):
                    parts, follow = unit_split_listing(**arguments, actor=request.user)
                    messages.success(
                        request,
                        f"Đã chia tách “{unit.name}” thành {len(parts)} đơn vị: "
                        f"{', '.join(p.name for p in parts)}, từ ngày "
                        f"{format_date_short(parts[0].valid_from)}." + _moved_text(follow),
                    )
                    if follow.left:
                        return redirect("members:unit", unit.uid)
                    return redirect("orgs:unit", parent.uid)
                plan = unit_split_check(**arguments)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return _confirm(request, unit, plan, form, "orgs:split")
    return render(
        request,
        "orgs/split.html",
        {"unit": unit, "form": form, "parent": parent},
        status=400 if form.errors else 200,
    )


def _moved_text(follow: FollowResult) -> str:
    """What the change did to the member registry, for the message after it."""
    text = ""
    if follow.total:
        text += f" {follow.total} hội viên đã được chuyển sinh hoạt theo đơn vị mới."
    if follow.left:
        text += (
            f" {len(follow.left)} hội viên của đơn vị cũ cần được chuyển sinh hoạt sang "
            "đơn vị mới (chọn đơn vị cho từng người trong sổ hội viên)."
        )
    return text


def _confirm(
    request: HttpRequest, unit: Unit, plan: Plan, form: MergeForm | SplitForm, action: str
) -> HttpResponse:
    """The confirmation page: what will happen, and the same data posted again to do it."""
    hidden = [
        (name, value)
        for name in request.POST
        for value in request.POST.getlist(name)
        if name not in ("csrfmiddlewaretoken", "step")
    ]
    return render(
        request,
        "orgs/confirm.html",
        {
            "unit": unit,
            "plan": plan,
            "opening": [(name, weight_text(weight)) for name, weight in plan.opening],
            "is_merge": isinstance(form, MergeForm),
            "members": members_to_follow(plan.closing, plan.effective),
            "hidden": hidden,
            "action": action,
        },
    )


#: The pages a unit of the other structure can be opened on, by the `xem` parameter.
STRUCTURE_PAGES = {"tong-quan": "entry:dashboard", "bao-cao": "reports:page"}


def structure_unit(request: HttpRequest, unit: Unit, period: str, page: str) -> Unit | HttpResponse:
    """`?edition=2025` (or a day) on a page of `unit` for `period`: the unit standing for it
    in that structure if the user may see it (the unit itself without the parameter); else a
    redirection to what became of their units in that structure (`page`: where from, a key
    of STRUCTURE_PAGES). An unknown structure is a 404."""
    text = request.GET.get("edition", "").strip()
    if not text or text == unit.edition.code:
        return unit
    try:
        edition = edition_parse(text)
    except Edition.DoesNotExist:
        raise Http404("Không có cơ cấu tổ chức này.") from None
    if edition.pk == unit.edition_id:
        return unit
    try:
        counterpart = unit_counterpart(unit, edition)
    except Unit.DoesNotExist:
        counterpart = None
    if counterpart is not None and unit_may_view(request.user, counterpart):
        return counterpart
    return redirect(structure_url(unit, edition.code, period, page))


def structure_url(unit: Unit, edition: str, period: str, page: str) -> str:
    """The address of `unit`'s reorganisation page for `edition`, coming from `page`
    (a key of STRUCTURE_PAGES) of `period`."""
    query = urlencode({"ky": period, "xem": page})
    return reverse("orgs:structure", args=[unit.uid, edition]) + f"?{query}"


def _share(weight: Decimal) -> str:
    """ "30%", "33,3%"; empty for the whole."""
    if weight == 1:
        return ""
    percent = weight * 100
    return format_percent(percent, 0 if percent == percent.to_integral_value() else 1)


@login_required
def structure(request: HttpRequest, unit_uid: str, edition: str) -> HttpResponse:
    """What became of the unit's subtree in another structure (or where it came from): each
    succession with its kind and share, linked to the other unit's dashboard or report when
    the user may see it (its figures all come from their subtree, `accounts.access`)."""
    unit = access_unit(request.user, unit_uid)
    try:
        target = edition_get(edition)
    except Edition.DoesNotExist:
        raise Http404("Không có cơ cấu tổ chức này.") from None
    page = request.GET.get("xem", "tong-quan")
    page = page if page in STRUCTURE_PAGES else "tong-quan"
    try:
        period = period_parse(request.GET.get("ky", "")).code
    except ValueError:
        period = str(_today().year - 1)
    forward = target.valid_from > unit.edition.valid_from
    rows = successions_across(unit, target)
    counterpart: Unit | None
    try:
        counterpart = unit_counterpart(unit, target) if target.pk != unit.edition_id else unit
    except Unit.DoesNotExist:
        counterpart = None
    others = [r.successor if forward else r.predecessor for r in rows]
    viewable = units_viewable(request.user, [*others, *([counterpart] if counterpart else [])])
    lines = []
    for row, other in zip(rows, others, strict=True):
        lines.append(
            {
                "mine": row.predecessor if forward else row.successor,
                "other": other,
                "kind": row.get_kind_display(),
                "share": _share(row.weight),
                "effective": row.effective,
                "url": reverse(STRUCTURE_PAGES[page], args=[other.uid, period])
                if other.pk in viewable
                else "",
            }
        )
    back = reverse(STRUCTURE_PAGES[page], args=[unit.uid, period])
    return render(
        request,
        "orgs/structure.html",
        {
            "unit": unit,
            "target": target,
            "forward": forward,
            "lines": lines,
            "counterpart": counterpart,
            "counterpart_url": reverse(STRUCTURE_PAGES[page], args=[counterpart.uid, period])
            if counterpart is not None and counterpart.pk in viewable
            else "",
            "back": back,
            "page_label": "báo cáo" if page == "bao-cao" else "tổng quan số liệu",
        },
    )
