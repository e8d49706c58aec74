"""The registry's pages (/hoi-vien/): lists per chi hội, records, quick add, import, export.

Thin: access through `accounts.access.access_unit` and the registry's own rule
(`members.access`), writes through `members.services` / `members.bulk`. Officers above the
commune see the counts of the units below them, not the records, unless granted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from phongtrao.accounts.access import access_unit, membership_of, unit_may_administer
from phongtrao.members.access import records_may_change, records_may_view
from phongtrao.members.choices import Status, TransferStatus
from phongtrao.members.figures import (
    REGISTRY_LABEL,
    members_count,
    registry_coverage,
    registry_words,
)
from phongtrao.members.forms import (
    PURPOSE,
    FilterForm,
    GrantForm,
    ImportForm,
    LeaveForm,
    QuickAddForm,
    TransferForm,
)
from phongtrao.members.grants import NOT_ADMIN, grants_of, records_grant, records_revoke
from phongtrao.members.imports import member_import_create, member_import_progress
from phongtrao.members.models import MemberImport, Transfer
from phongtrao.members.selectors import (
    MembersFound,
    masked_citizen_id,
    masked_phone,
    member_get,
    member_lookup,
    members_list,
)
from phongtrao.members.services import (
    DuplicateMember,
    MemberData,
    member_admit,
    member_leave,
    member_transfer_request,
    transfer_accept,
    transfer_reject,
)
from phongtrao.members.sheets import DEFAULT_EXPORT, branches_of, list_xlsx
from phongtrao.orgs.models import Level, Unit
from phongtrao.vn.numbers import format_number

PAGE_SIZE = 50
MAX_EXPORT = 20_000


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's own unit's member book."""
    membership = membership_of(request.user)
    if membership is None:
        raise Http404("Tài khoản chưa thuộc đơn vị nào.")
    return redirect("members:unit", membership.unit.uid)


def _quick_add(request: HttpRequest, unit: Unit, branches: list[Unit]) -> QuickAddForm:
    form = QuickAddForm(request.POST)
    form.branches_set([("", unit.name), *((b.uid, b.name) for b in branches)])
    if not form.is_valid():
        return form
    data = form.cleaned_data
    target = unit
    if data["branch"]:
        target = next(b for b in branches if b.uid == data["branch"])
    try:
        member = member_admit(
            actor=request.user,
            unit=target,
            data=MemberData(
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                join_date=data["join_date"],
                ethnicity=data["ethnicity"],
                religion=data["religion"],
                occupation=data["occupation"],
                address=data["address"],
                phone=data["phone"].replace(" ", ""),
                citizen_id=data["citizen_id"].strip(),
            ),
            purpose=PURPOSE,
            consent_on=timezone.localdate(),
            allow_namesake=data["allow_namesake"],
        )
    except DuplicateMember as error:
        form.add_error(None, error.messages[0])
        return form
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, texts in error.message_dict.items():
                form.add_error(field if field in form.fields else None, texts)
        else:
            form.add_error(None, error.messages)
        return form
    messages.success(request, f"Đã kết nạp {member.full_name} vào {target.name}.")
    return QuickAddForm()


def _source_words(unit: Unit, today: dt.date) -> str:
    """ "số liệu theo sổ hội viên" when every commune union under `unit` keeps a book, how
    many do when some do (the others' members are not in this book), "" when none does.
    A unit of a structure that has ended is seen as on its last day."""
    day = min(today, unit.valid_to) if unit.valid_to else today
    words = registry_words(registry_coverage(unit, day))
    return f"số liệu {words}" if words == REGISTRY_LABEL else words


@login_required
def unit_page(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """A unit's member list (search, filters, quick add), or its counts for levels above."""
    unit = access_unit(request.user, unit_uid)
    today = timezone.localdate()
    children = list(Unit.objects.filter(parent=unit).order_by("code"))
    counts = [(c, members_count(c, today)) for c in children]
    context: dict[str, Any] = {
        "unit": unit,
        "total": members_count(unit, today),
        "children": counts,
        "from_registry": _source_words(unit, today),
        "today": today,
        "may_grant": unit.level < Level.COMMUNE and unit_may_administer(request.user, unit),
    }
    if not records_may_view(request.user, unit):
        return render(request, "members/aggregate.html", context)
    branches = branches_of(unit)
    form = QuickAddForm()
    form.branches_set([("", unit.name), *((b.uid, b.name) for b in branches)])
    if request.method == "POST":
        if not records_may_change(request.user, unit):
            raise PermissionDenied("Bạn không có quyền cập nhật sổ hội viên của đơn vị này.")
        form = _quick_add(request, unit, branches)
        if not form.errors:
            return redirect(request.get_full_path())
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    members = MembersFound(
        actor=request.user,
        unit=unit,
        query=chosen.get("q", ""),
        status=chosen.get("status", "") or ("" if chosen else Status.ACTIVE),
        ethnicity=chosen.get("ethnicity", ""),
        religion=chosen.get("religion", ""),
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("trang"))
    rows = [(m, masked_phone(m), masked_citizen_id(m)) for m in page.object_list]
    incoming = Transfer.objects.filter(
        to_unit__path__startswith=unit.path, status=TransferStatus.PENDING
    ).select_related("member", "from_unit", "to_unit")
    query = request.GET.copy()
    query.pop("trang", None)
    context.update(
        form=form,
        filters=filters,
        page=page,
        # "1.234 hội viên"; above a commune, beyond the count's cap: "hơn 10.000 hội viên".
        found=format_number(page.paginator.count),
        capped=members.capped,
        rows=rows,
        may_change=records_may_change(request.user, unit),
        incoming=list(incoming),
        query=query.urlencode(),
        import_form=ImportForm(),
    )
    return render(request, "members/unit.html", context)


@login_required
def member_page(request: HttpRequest, uid: str) -> HttpResponse:
    """One member's record (the read is logged), her history, leaving and transfer."""
    member = member_get(actor=request.user, uid=uid, purpose="Xem hồ sơ trên trang sổ hội viên")
    return render(
        request,
        "members/member.html",
        {
            "member": member,
            "events": member.events.select_related("from_unit", "to_unit"),
            "enrolments": member.enrolments.select_related("unit").order_by("start"),
            "may_change": records_may_change(request.user, member.unit)
            and member.status == Status.ACTIVE,
            "leave_form": LeaveForm(initial={"on": timezone.localdate()}),
            "transfer_form": TransferForm(initial={"on": timezone.localdate()}),
        },
    )


def _fail(request: HttpRequest, error: ValidationError) -> None:
    texts = (
        [t for texts in error.message_dict.values() for t in texts]
        if hasattr(error, "error_dict")
        else error.messages
    )
    for text in texts:
        messages.error(request, text)


@login_required
@require_POST
def member_leave_view(request: HttpRequest, uid: str) -> HttpResponse:
    member = member_lookup(actor=request.user, uid=uid)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Cần ghi ngày hợp lệ.")
        return redirect("members:member", uid)
    try:
        member_leave(
            actor=request.user,
            member=member,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
            deceased=form.cleaned_data["deceased"],
        )
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(request, "Đã ghi nhận; số hội viên của đơn vị đã được cập nhật.")
    return redirect("members:member", uid)


@login_required
@require_POST
def member_transfer_view(request: HttpRequest, uid: str) -> HttpResponse:
    member = member_lookup(actor=request.user, uid=uid)
    form = TransferForm(request.POST)
    to_unit = Unit.objects.filter(uid=request.POST.get("to_unit", "").strip()).first()
    if not form.is_valid() or to_unit is None:
        messages.error(request, "Cần mã đơn vị nhận và ngày chuyển hợp lệ.")
        return redirect("members:member", uid)
    try:
        member_transfer_request(
            actor=request.user,
            member=member,
            to_unit=to_unit,
            on=form.cleaned_data["on"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(request, f"Đã gửi đề nghị chuyển sinh hoạt tới {to_unit.name}.")
    return redirect("members:member", uid)


@login_required
@require_POST
def transfer_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    transfer = Transfer.objects.filter(pk=pk).select_related("to_unit").first()
    if transfer is None:
        raise Http404("Không tìm thấy đề nghị chuyển sinh hoạt.")
    unit = access_unit(request.user, transfer.to_unit)
    try:
        if decision == "accept":
            transfer_accept(actor=request.user, transfer=transfer)
            messages.success(request, "Đã nhận hội viên chuyển đến.")
        else:
            reason = request.POST.get("reason", "") or "Đơn vị nhận từ chối"
            transfer_reject(actor=request.user, transfer=transfer, reason=reason)
            messages.success(request, "Đã từ chối đề nghị chuyển sinh hoạt.")
    except ValidationError as error:
        _fail(request, error)
    return redirect("members:unit", unit.uid)


@login_required
def import_view(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """Upload the list an officer keeps (Excel or CSV); a worker imports it, all or nothing."""
    unit = access_unit(request.user, unit_uid)
    if not records_may_change(request.user, unit):
        raise PermissionDenied("Bạn không có quyền cập nhật sổ hội viên của đơn vị này.")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = member_import_create(
                actor=request.user,
                unit=unit,
                upload=upload,
                consent_on=form.cleaned_data["consent_on"],
                name=upload.name or "",
            )
        except ValidationError as error:
            form.add_error("file", error.messages)
        else:
            return redirect("members:import-job", unit.uid, job.pk)
    jobs = MemberImport.objects.filter(unit=unit, user=_user(request))[:10]
    return render(
        request,
        "members/import.html",
        {"unit": unit, "form": form, "jobs": jobs},
        status=400 if form.is_bound and form.errors else 200,
    )


def _own_import(request: HttpRequest, unit_uid: str, pk: int) -> MemberImport:
    unit = access_unit(request.user, unit_uid)
    job = MemberImport.objects.filter(pk=pk, unit=unit, user=_user(request)).first()
    if job is None:
        raise Http404("Không tìm thấy lượt nhập.")
    return job


@login_required
def import_job_page(request: HttpRequest, unit_uid: str, pk: int) -> HttpResponse:
    """One list import: its progress (the page polls), then the result or the row errors."""
    job = _own_import(request, unit_uid, pk)
    return render(
        request,
        "members/import_job.html",
        {"unit": job.unit, "job": job, "progress": member_import_progress(job)},
    )


@login_required
def import_job_progress(request: HttpRequest, unit_uid: str, pk: int) -> JsonResponse:
    """The progress of one of the user's list imports, as JSON for the page's polling."""
    job = _own_import(request, unit_uid, pk)
    return JsonResponse(member_import_progress(job), json_dumps_params={"ensure_ascii": False})


def _user(request: HttpRequest) -> Any:
    """The signed-in user (the views are login_required), typed for the ORM's lookups."""
    return request.user


def _export_members(request: HttpRequest, unit_uid: str) -> tuple[Unit, list[Any]]:
    unit = access_unit(request.user, unit_uid)
    members = members_list(actor=request.user, unit=unit, status=Status.ACTIVE)
    # One bounded statement: COUNT(*) over the first MAX_EXPORT + 1 (a province has millions).
    if members.order_by().values("pk")[: MAX_EXPORT + 1].count() > MAX_EXPORT:
        raise PermissionDenied("Danh sách quá dài để xuất một lần: hãy xuất theo từng chi hội.")
    return unit, list(members)


def _attachment(content: bytes, name: str, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export_xlsx(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """The active members as XLSX, with only the columns asked for (`cot=`)."""
    unit, members = _export_members(request, unit_uid)
    columns = request.GET.getlist("cot") or list(DEFAULT_EXPORT)
    today = timezone.localdate()
    title = f"Danh sách hội viên {unit.name} đến ngày {today:%d/%m/%Y}"
    content = list_xlsx(members, title=title, columns=columns)
    return _attachment(
        content,
        f"danh-sach-hoi-vien-{unit.code}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    content: bytes = HTML(string=html).write_pdf()
    return content


@login_required
def export_pdf(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """The active members as a printable PDF list."""
    unit, members = _export_members(request, unit_uid)
    content = _pdf(
        "members/list_pdf.html",
        {"unit": unit, "members": members, "today": timezone.localdate()},
    )
    return _attachment(content, f"danh-sach-hoi-vien-{unit.code}.pdf", "application/pdf")


@login_required
def cards_pdf(request: HttpRequest, unit_uid: str) -> HttpResponse:
    """Membership cards (thẻ hội viên) of the active members, eight to an A4 page."""
    unit, members = _export_members(request, unit_uid)
    wanted = set(request.GET.getlist("uid"))
    if wanted:
        members = [m for m in members if m.uid in wanted]
    content = _pdf("members/cards_pdf.html", {"unit": unit, "members": members})
    return _attachment(content, f"the-hoi-vien-{unit.code}.pdf", "application/pdf")


@login_required
def grants_page(request: HttpRequest) -> HttpResponse:
    """Who above the commune may read member records: grant and revoke (administrators)."""
    membership = membership_of(request.user)
    if membership is None or not unit_may_administer(request.user, membership.unit):
        raise PermissionDenied(NOT_ADMIN)
    form = GrantForm(request.POST or None)
    if request.method == "POST":
        User = get_user_model()
        grantee = User.objects.filter(username=request.POST.get("username", "").strip()).first()
        try:
            if grantee is None:
                raise ValidationError("Không tìm thấy tài khoản này.")
            if request.POST.get("revoke"):
                records_revoke(
                    actor=request.user, user=grantee, reason=request.POST.get("reason", "")
                )
                messages.success(request, f"Đã thu hồi quyền xem hồ sơ của {grantee}.")
                return redirect("members:grants")
            if form.is_valid():
                records_grant(
                    actor=request.user, user=grantee, purpose=form.cleaned_data["purpose"]
                )
                messages.success(request, f"Đã cấp quyền xem hồ sơ hội viên cho {grantee}.")
                return redirect("members:grants")
        except ValidationError as error:
            form.add_error(None, error.messages)
        except PermissionDenied as error:
            form.add_error(None, str(error))
    return render(
        request,
        "members/grants.html",
        {"form": form, "grants": grants_of(request.user), "unit": membership.unit},
        status=400 if form.errors else 200,
    )
