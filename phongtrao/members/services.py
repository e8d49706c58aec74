"""Writes of the member registry: admit, leave, transfer, export and erase on request.

Every service is keyword-only, takes the acting user (or an explicit `SystemActor`), checks
access through `members.access`, runs in one transaction, writes the member's history
(`MemberEvent`, which is the audit) and moves the figures of the registry units it touched
(`members.figures.registries_shift`), so the roll-ups are fresh when it returns.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
import time
from copy import copy
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from phongtrao.members.access import (
    Actor,
    actor_name,
    actor_user,
    records_may_change,
    records_may_view,
)
from phongtrao.members.choices import (
    ETHNICITY_CHOICES,
    KINH,
    Education,
    EndKind,
    EventKind,
    Occupation,
    Religion,
    StartKind,
    Status,
    TransferStatus,
)
from phongtrao.members.figures import Span, registries_shift
from phongtrao.members.models import (
    Enrolment,
    Member,
    MemberEvent,
    MemberRead,
    Transfer,
)
from phongtrao.members.names import name_clean, name_key
from phongtrao.orgs.models import Level, Unit

MIN_AGE = 18
CITIZEN_ID = re.compile(r"\d{12}")
PHONE = re.compile(r"0\d{9}")
NO_CHANGE = "Bạn không có quyền cập nhật sổ hội viên của đơn vị này."
ERASED_NAME = "(đã xóa theo yêu cầu)"


class DuplicateMember(ValidationError):
    """A member with the same citizen ID, or the same name and birth date, is already active."""

    def __init__(self, message: str, *, matches: list[Member], blocking: bool) -> None:
        super().__init__(message)
        self.matches = matches
        self.blocking = blocking


# A member's uid (`uids_new`): the hour it was made (a lower-case letter, then three lower-case
# letters or digits: the same order under every collation), then a run of seven characters.
UID_HOUR_FIRST = string.ascii_lowercase
UID_HOUR_REST = string.digits + string.ascii_lowercase
UID_EPOCH = 1_577_836_800  # 2020-01-01 00:00 UTC; 26 × 36³ hours from it reach the year 2158
UID_RUN = string.digits + string.ascii_uppercase + string.ascii_lowercase  # in byte order
UID_RUN_WIDTH = 7
UID_RUNS = len(UID_RUN) ** UID_RUN_WIDTH


def _digits(number: int, alphabet: str, width: int) -> str:
    """`number` written in `width` digits of `alphabet` (most significant first)."""
    text = ""
    for _ in range(width):
        number, digit = divmod(number, len(alphabet))
        text = alphabet[digit] + text
    return text


def uids_new(count: int, *, now: float | None = None) -> list[str]:
    """`count` fresh DHIS2-form uids (a letter, then 10 letters or digits), in order.

    Four characters of the hour they are made in, then seven counting up from a random start
    (`secrets`): the uids of one list follow each other, and those of an hour sit together
    after the earlier hours', so each member written lands beside the last one in the uid's
    unique index rather than on a random page of it, which the server's cache may not hold
    (a registry of millions). Two lists of 100,000 made in the same hour overlap with a
    chance of 6 in 100 million; an admission's uid meets such a list's with 3 in 100 million.
    """
    hours = int((time.time() if now is None else now) - UID_EPOCH) // 3600
    first, rest = divmod(hours, len(UID_HOUR_REST) ** 3)
    hour = UID_HOUR_FIRST[first % len(UID_HOUR_FIRST)] + _digits(rest, UID_HOUR_REST, 3)
    number = secrets.randbelow(UID_RUNS - count + 1)
    end = number + count
    uids: list[str] = []
    while number < end:  # the run's last character cycles; the six before it are written once
        high, low = divmod(number, len(UID_RUN))
        head = hour + _digits(high, UID_RUN, UID_RUN_WIDTH - 1)
        last = UID_RUN[low : low + end - number]
        uids += [head + character for character in last]
        number += len(last)
    return uids


def uid_new() -> str:
    """A fresh DHIS2-form uid: a letter, then 10 letters or digits (see `uids_new`)."""
    return uids_new(1)[0]


def _today() -> dt.date:
    return timezone.localdate()


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class MemberData(NamedTuple):
    """A member as an officer records her: checked by `member_data_check`.

    The one record of a member's data, for one admission (`member_admit`, which takes the
    unit as its own argument) and for lists (`bulk.members_bulk_write`), which also carry
    where each member is placed (`unit_id`, `unit_path`) and, for the demo's history, how
    her membership ended (`end`, `end_kind`, `end_reason`).
    """

    full_name: str
    birth_date: dt.date
    join_date: dt.date
    ethnicity: str = KINH
    religion: str = Religion.NONE
    occupation: str = Occupation.OTHER
    education: str = ""
    address: str = ""
    phone: str = ""
    citizen_id: str = ""
    card_number: str = ""
    by_residence: bool = True
    residence_unit: Unit | None = None
    unit_id: int | None = None
    unit_path: str = ""
    end: dt.date | None = None
    end_kind: str = ""
    end_reason: str = ""


def member_data_check(data: MemberData, *, today: dt.date | None = None) -> dict[str, str]:
    """Vietnamese messages per field for what cannot be recorded (empty: all right)."""
    today = today or _today()
    errors: dict[str, str] = {}
    if not name_key(data.full_name) or len(data.full_name) > 120:
        errors["full_name"] = "Họ và tên không được để trống (tối đa 120 ký tự)."
    if data.birth_date > today:
        errors["birth_date"] = "Ngày sinh không thể sau hôm nay."
    elif _age_on(data.birth_date, data.join_date) < MIN_AGE:
        errors["birth_date"] = f"Hội viên phải đủ {MIN_AGE} tuổi vào ngày vào Hội."
    if data.join_date > today:
        errors["join_date"] = "Ngày vào Hội không thể sau hôm nay."
    if data.ethnicity not in dict(ETHNICITY_CHOICES):
        errors["ethnicity"] = "Dân tộc không có trong danh mục 54 dân tộc."
    if data.religion not in Religion.values:
        errors["religion"] = "Tôn giáo không có trong danh mục."
    if data.occupation not in Occupation.values:
        errors["occupation"] = "Nghề nghiệp không có trong danh mục."
    if data.education and data.education not in Education.values:
        errors["education"] = "Trình độ học vấn không có trong danh mục."
    if data.citizen_id and not CITIZEN_ID.fullmatch(data.citizen_id):
        errors["citizen_id"] = "Số CCCD gồm đúng 12 chữ số."
    if data.phone and not PHONE.fullmatch(data.phone):
        errors["phone"] = "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0."
    if len(data.address) > 255:
        errors["address"] = "Địa chỉ tối đa 255 ký tự."
    return errors


def duplicates_find(
    *, full_name: str, birth_date: dt.date, citizen_id: str = "", exclude: Member | None = None
) -> tuple[list[Member], bool]:
    """Active members anywhere in the country who may be this person, and whether it is sure.

    Same citizen ID: sure (blocking). Same name without diacritics and same birth date:
    perhaps a namesake (the officer confirms).
    """
    found: list[Member] = []
    if citizen_id:
        found = list(Member.objects.filter(citizen_id=citizen_id).select_related("unit"))
        if exclude is not None:
            found = [m for m in found if m.pk != exclude.pk]
        if found:
            return found, True
    same = Member.objects.filter(
        name_key=name_key(full_name), birth_date=birth_date, status=Status.ACTIVE
    ).select_related("unit")
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    return list(same[:5]), False


def _duplicate_check(
    data: MemberData, *, exclude: Member | None = None, allow_namesake: bool = False
) -> None:
    matches, sure = duplicates_find(
        full_name=data.full_name,
        birth_date=data.birth_date,
        citizen_id=data.citizen_id,
        exclude=exclude,
    )
    if not matches or (not sure and allow_namesake):
        return
    where = ", ".join(sorted({m.unit.name for m in matches}))
    if sure:
        raise DuplicateMember(
            f"Số CCCD này đã có trong sổ hội viên (tại {where}): không kết nạp trùng; "
            "nếu hội viên chuyển nơi sinh hoạt, hãy làm thủ tục chuyển sinh hoạt.",
            matches=matches,
            blocking=True,
        )
    raise DuplicateMember(
        f"Đã có hội viên cùng họ tên và ngày sinh đang sinh hoạt tại {where}. "
        "Hãy kiểm tra lại; nếu đúng là người khác, xác nhận để kết nạp.",
        matches=matches,
        blocking=False,
    )


def _event(
    *,
    member: Member,
    kind: EventKind,
    on: dt.date,
    actor: Actor,
    reason: str = "",
    from_unit: Unit | None = None,
    to_unit: Unit | None = None,
) -> MemberEvent:
    return MemberEvent.objects.create(
        member=member,
        kind=kind,
        on=on,
        reason=reason,
        from_unit=from_unit,
        to_unit=to_unit,
        actor=actor_user(actor),
        actor_name=actor_name(actor)[:150],
    )


def _member_unit_check(unit: Unit, day: dt.date) -> None:
    if unit.level < Level.COMMUNE:
        raise ValidationError(
            "Hội viên sinh hoạt tại cơ sở Hội, chi hội hoặc tổ hội, không ở cấp huyện trở lên."
        )
    if not unit.is_valid_on(day):
        raise ValidationError(f"Đơn vị {unit.name} không hoạt động vào ngày {day:%d/%m/%Y}.")


def _shift(day: dt.date, *changes: tuple[Unit, Enrolment, int]) -> None:
    """Move the figures of the registries of the units changed: (unit, enrolment, +1 or -1).

    Once per registry, after every enrolment of the change is written (a year the shift
    counts afresh already holds the whole change).
    """
    registries_shift(
        changes=[
            (unit, Span.of(enrolment.start, enrolment.end, enrolment.by_residence), sign)
            for unit, enrolment, sign in changes
        ],
        day=day,
    )


@transaction.atomic
def member_admit(
    *,
    actor: Actor,
    unit: Unit,
    data: MemberData,
    purpose: str,
    consent_on: dt.date,
    allow_namesake: bool = False,
) -> Member:
    """Admit a member into `unit` (chi hội, tổ hội or cơ sở Hội) on `data.join_date`.

    Checks the actor may change the unit's records, the data (`member_data_check`), and
    duplicates across the country (`DuplicateMember`: a citizen ID always blocks, a namesake
    with the same birth date unless `allow_namesake`). Records the purpose and the day of
    the member's consent, the enrolment and the history, and moves the figures of the
    unit's registry. Raises ValidationError with a message per field.
    """
    if not records_may_change(actor, unit):
        raise PermissionDenied(NO_CHANGE)
    errors = member_data_check(data)
    if not purpose.strip():
        errors["purpose"] = "Cần ghi mục đích xử lý dữ liệu cá nhân."
    if consent_on > _today():
        errors["consent_on"] = "Ngày đồng ý không thể sau hôm nay."
    if errors:
        raise ValidationError(errors)
    _member_unit_check(unit, data.join_date)
    _duplicate_check(data, allow_namesake=allow_namesake)
    member = Member.objects.create(
        uid=uid_new(),
        full_name=name_clean(data.full_name),
        name_key=name_key(data.full_name),
        birth_date=data.birth_date,
        ethnicity=data.ethnicity,
        religion=data.religion,
        occupation=data.occupation,
        education=data.education,
        residence_unit=data.residence_unit,
        address=data.address.strip(),
        phone=data.phone,
        citizen_id=data.citizen_id,
        card_number=data.card_number.strip(),
        join_date=data.join_date,
        by_residence=data.by_residence,
        unit=unit,
        unit_path=unit.path,
        status=Status.ACTIVE,
        status_since=data.join_date,
        purpose=purpose.strip()[:255],
        consent_on=consent_on,
    )
    enrolment = Enrolment.objects.create(
        member=member,
        unit=unit,
        unit_path=unit.path,
        start=data.join_date,
        start_kind=StartKind.ADMITTED,
        by_residence=data.by_residence,
    )
    _event(member=member, kind=EventKind.ADMIT, on=data.join_date, actor=actor, to_unit=unit)
    _shift(data.join_date, (unit, enrolment, 1))
    return member


def _open_enrolment(member: Member) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update().filter(member=member, end__isnull=True).first()
    )
    if enrolment is None or member.status != Status.ACTIVE:
        raise ValidationError(f"{member.full_name} hiện không sinh hoạt tại đơn vị nào.")
    return enrolment


def _end_day_check(enrolment: Enrolment, on: dt.date) -> None:
    if on <= enrolment.start:
        raise ValidationError(
            f"Ngày phải sau ngày bắt đầu sinh hoạt tại đơn vị ({enrolment.start:%d/%m/%Y})."
        )
    if on > _today():
        raise ValidationError("Ngày không thể sau hôm nay.")


@transaction.atomic
def member_leave(
    *, actor: Actor, member: Member, on: dt.date, reason: str, deceased: bool = False
) -> Member:
    """Record that the member left the Union (with a reason) or died, from `on`.

    She counts in HV_GIAM of the period holding `on` and no longer in HV_TONG from that day.
    """
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if not records_may_change(actor, member.unit):
        raise PermissionDenied(NO_CHANGE)
    if not deceased and not reason.strip():
        raise ValidationError({"reason": "Cần ghi lý do ra khỏi Hội."})
    enrolment = _open_enrolment(member)
    _end_day_check(enrolment, on)
    before = copy(enrolment)
    enrolment.end = on
    enrolment.end_kind = EndKind.DECEASED if deceased else EndKind.LEFT
    enrolment.save(update_fields=["end", "end_kind"])
    member.status = Status.DECEASED if deceased else Status.LEFT
    member.status_since = on
    member.save(update_fields=["status", "status_since", "updated_at"])
    _event(
        member=member,
        kind=EventKind.DECEASE if deceased else EventKind.LEAVE,
        on=on,
        actor=actor,
        reason=reason.strip(),
        from_unit=member.unit,
    )
    _shift(on, (member.unit, before, -1), (member.unit, enrolment, 1))
    return member


@transaction.atomic
def member_transfer_request(
    *, actor: Actor, member: Member, to_unit: Unit, on: dt.date, reason: str = ""
) -> Transfer:
    """Ask `to_unit` to take the member from `on`; nothing moves until it accepts."""
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if not records_may_change(actor, member.unit):
        raise PermissionDenied(NO_CHANGE)
    enrolment = _open_enrolment(member)
    _end_day_check(enrolment, on)
    _member_unit_check(to_unit, on)
    if to_unit.pk == member.unit_id:
        raise ValidationError("Đơn vị nhận trùng với đơn vị đang sinh hoạt.")
    if Transfer.objects.filter(member=member, status=TransferStatus.PENDING).exists():
        raise ValidationError("Hội viên đang có một đề nghị chuyển sinh hoạt chờ đơn vị nhận.")
    transfer = Transfer.objects.create(
        member=member,
        from_unit=member.unit,
        to_unit=to_unit,
        on=on,
        reason=reason.strip(),
        requested_by=actor_name(actor)[:150],
    )
    _event(
        member=member,
        kind=EventKind.TRANSFER_REQUEST,
        on=on,
        actor=actor,
        reason=reason.strip(),
        from_unit=member.unit,
        to_unit=to_unit,
    )
    return transfer


def _transfer_pending(transfer: Transfer, actor: Actor) -> Transfer:
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("member", "from_unit", "to_unit")
        .get(pk=transfer.pk)
    )
    if not records_may_change(actor, transfer.to_unit):
        raise PermissionDenied("Chỉ đơn vị nhận mới nhận hoặc từ chối chuyển sinh hoạt.")
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError("Đề nghị chuyển sinh hoạt này đã được xử lý.")
    return transfer


@transaction.atomic
def transfer_accept(*, actor: Actor, transfer: Transfer, allow_namesake: bool = False) -> Member:
    """The receiving unit takes the member: her enrolment moves on the transfer's day.

    Checks for a duplicate in the whole country first (she may already be on the receiving
    unit's book). Both units' registry figures move.
    """
    transfer = _transfer_pending(transfer, actor)
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    data = MemberData(
        full_name=member.full_name,
        birth_date=member.birth_date,
        join_date=member.join_date,
        citizen_id=member.citizen_id,
    )
    _duplicate_check(data, exclude=member, allow_namesake=allow_namesake)
    enrolment = _open_enrolment(member)
    if transfer.on <= enrolment.start:
        raise ValidationError("Ngày chuyển phải sau ngày bắt đầu sinh hoạt tại đơn vị cũ.")
    before = copy(enrolment)
    enrolment.end = transfer.on
    enrolment.end_kind = EndKind.MOVED
    enrolment.save(update_fields=["end", "end_kind"])
    arrived = Enrolment.objects.create(
        member=member,
        unit=transfer.to_unit,
        unit_path=transfer.to_unit.path,
        start=transfer.on,
        start_kind=StartKind.TRANSFERRED,
        by_residence=member.by_residence,
    )
    member.unit = transfer.to_unit
    member.unit_path = transfer.to_unit.path
    member.status_since = transfer.on
    member.save(update_fields=["unit", "unit_path", "status_since", "updated_at"])
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by = actor_name(actor)[:150]
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _event(
        member=member,
        kind=EventKind.TRANSFER_ACCEPT,
        on=transfer.on,
        actor=actor,
        from_unit=transfer.from_unit,
        to_unit=transfer.to_unit,
        reason=transfer.reason,
    )
    _shift(
        transfer.on,
        (transfer.from_unit, before, -1),
        (transfer.from_unit, enrolment, 1),
        (transfer.to_unit, arrived, 1),
    )
    return member


@transaction.atomic
def transfer_reject(*, actor: Actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiving unit declines; the member stays where she is."""
    transfer = _transfer_pending(transfer, actor)
    if not reason.strip():
        raise ValidationError({"reason": "Cần ghi lý do từ chối."})
    transfer.status = TransferStatus.REJECTED
    transfer.decided_by = actor_name(actor)[:150]
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _event(
        member=transfer.member,
        kind=EventKind.TRANSFER_REJECT,
        on=_today(),
        actor=actor,
        reason=reason.strip(),
        from_unit=transfer.from_unit,
        to_unit=transfer.to_unit,
    )
    return transfer


def member_read_log(*, actor: Actor, member: Member, purpose: str) -> MemberRead:
    """Log that `actor` read the member's full record, and why."""
    return MemberRead.objects.create(
        member=member,
        user=actor_user(actor),
        username=actor_name(actor)[:150],
        purpose=purpose[:255],
    )


@transaction.atomic
def member_export(*, actor: Actor, member: Member, purpose: str) -> dict[str, Any]:
    """Everything the registry holds about the member, for her request (Nghị định 13).

    Returns the record, the enrolments, the history and the log of who read it; the export
    itself is logged in the history and as a read.
    """
    if not records_may_view(actor, member.unit):
        raise PermissionDenied("Bạn không có quyền xem hồ sơ hội viên này.")
    _event(member=member, kind=EventKind.EXPORT, on=_today(), actor=actor, reason=purpose)
    member_read_log(actor=actor, member=member, purpose=purpose or "Trích xuất theo yêu cầu")
    return {
        "uid": member.uid,
        "hoVaTen": member.full_name,
        "ngaySinh": member.birth_date.isoformat(),
        "danToc": member.get_ethnicity_display(),
        "tonGiao": member.get_religion_display(),
        "ngheNghiep": member.get_occupation_display(),
        "trinhDo": member.get_education_display(),
        "diaChi": member.address,
        "soDienThoai": member.phone,
        "soCCCD": member.citizen_id,
        "soThe": member.card_number,
        "ngayVaoHoi": member.join_date.isoformat(),
        "donVi": member.unit.name,
        "tinhTrang": member.get_status_display(),
        "mucDich": member.purpose,
        "ngayDongY": member.consent_on.isoformat(),
        "quaTrinh": [
            {
                "donVi": e.unit.name,
                "tu": e.start.isoformat(),
                "den": e.end.isoformat() if e.end else None,
            }
            for e in member.enrolments.select_related("unit").order_by("start")
        ],
        "lichSu": [
            {"suKien": e.get_kind_display(), "ngay": e.on.isoformat(), "nguoi": e.actor_name}
            for e in member.events.all()
        ],
        "luotXem": [
            {"nguoi": r.username, "luc": r.at.isoformat(), "mucDich": r.purpose}
            for r in member.reads.all()
        ],
    }


@transaction.atomic
def member_erase(*, actor: Actor, member: Member, reason: str) -> Member:
    """Erase the member's personal data on her request; the counts stay right.

    Name, birth day and month, contact, citizen ID, address and card become blank or
    generic; the enrolments (dates and units, no personal data) stay so that past and
    present figures do not change. The history keeps who erased and why.
    """
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    if not records_may_change(actor, member.unit):
        raise PermissionDenied(NO_CHANGE)
    if not reason.strip():
        raise ValidationError({"reason": "Cần ghi căn cứ xóa dữ liệu (yêu cầu của hội viên)."})
    member.full_name = ERASED_NAME
    member.name_key = ""
    member.birth_date = dt.date(member.birth_date.year, 1, 1)
    member.address = ""
    member.phone = ""
    member.citizen_id = ""
    member.card_number = ""
    member.residence_unit = None
    member.erased = True
    member.save()
    _event(member=member, kind=EventKind.ERASE, on=_today(), actor=actor, reason=reason.strip())
    return member


__all__ = [
    "DuplicateMember",
    "MemberData",
    "duplicates_find",
    "member_admit",
    "member_data_check",
    "member_erase",
    "member_export",
    "member_leave",
    "member_read_log",
    "member_transfer_request",
    "transfer_accept",
    "transfer_reject",
    "uid_new",
    "uids_new",
]
