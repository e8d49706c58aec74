"""Writes of reports: the qualitative passages (with history, locked once approved), the
document details of a unit, and numbers from the unit's yearly register.

Each service takes the acting user as a required keyword, checks that they may change the
unit (`accounts.access`), and writes in one transaction; passages keep every save as a
revision (who, when, before, after), which is their audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from phongtrao.accounts.access import unit_may_write_report
from phongtrao.actors import Actor, is_system, person
from phongtrao.orgs.models import Unit
from phongtrao.reports.models import (
    DocumentSettings,
    Part,
    ReportNumber,
    ReportText,
    ReportTextRevision,
)
from phongtrao.reports.selectors import report_is_locked

#: The longest passage kept (a few pages); longer text is refused, not cut.
TEXT_MAX_CHARS = 20_000


class ReportTextError(ValueError):
    """A passage could not be saved; the message is in Vietnamese."""


def _check(actor: Actor, unit: Unit) -> None:
    if not is_system(actor) and not unit_may_write_report(actor, unit):
        raise PermissionDenied("Bạn không có quyền sửa báo cáo của đơn vị này.")


@transaction.atomic
def report_texts_save(
    *,
    actor: Actor,
    unit: Unit,
    period_code: str,
    texts: Mapping[str, str],
    versions: Mapping[str, int] | None = None,
) -> list[ReportText]:
    """Save the passages `texts` (by `Part`) of the unit's report for the period.

    `versions` are the versions the officer's form was made from: a passage saved by
    someone else since then is a conflict (nothing is saved). Refused once the unit's report
    for the period is approved. Unchanged passages write nothing. `actor` None: the system
    (the demo loader).
    """
    _check(actor, unit)
    if report_is_locked(unit, period_code):
        raise ReportTextError(
            "Báo cáo kỳ này đã được duyệt: lời văn đã khóa. Cấp trên mở khóa báo cáo để sửa."
        )
    unknown = set(texts) - set(Part.values)
    if unknown:
        raise ReportTextError(f"Không có phần báo cáo: {', '.join(sorted(unknown))}.")
    saved: list[ReportText] = []
    current = {
        t.part: t
        for t in ReportText.objects.select_for_update().filter(
            unit=unit, period_code=period_code, part__in=list(texts)
        )
    }
    for part, raw in texts.items():
        text = raw.replace("\r\n", "\n").strip()
        if len(text) > TEXT_MAX_CHARS:
            raise ReportTextError(
                f"Phần “{Part(part).label}” dài quá {TEXT_MAX_CHARS:,} ký tự.".replace(",", ".")
            )
        row = current.get(part)
        expected = (versions or {}).get(part)
        if row is not None and expected is not None and expected != row.version:
            raise ReportTextError(
                f"Phần “{Part(part).label}” vừa được người khác sửa; hãy tải lại trang để "
                "xem bản mới rồi sửa tiếp."
            )
        old = row.text if row is not None else ""
        if old == text:
            continue
        if row is None:
            row = ReportText(unit=unit, period_code=period_code, part=part, version=0)
        row.text = text
        row.version += 1
        row.updated_by = person(actor)
        row.save()
        ReportTextRevision.objects.create(
            report_text=row, old_text=old, new_text=text, user=person(actor)
        )
        saved.append(row)
    return saved


#: DocumentSettings fields an officer sets.
SETTINGS_FIELDS = (
    "parent_line",
    "issuer_line",
    "number_suffix",
    "place",
    "signer_role",
    "signer_title",
    "signer_name",
    "recipients",
)


@transaction.atomic
def document_settings_save(
    *, actor: Actor, unit: Unit, values: Mapping[str, str]
) -> DocumentSettings:
    """Set how the unit's reports are headed and signed (fields of `SETTINGS_FIELDS`)."""
    _check(actor, unit)
    settings, _ = DocumentSettings.objects.select_for_update().get_or_create(unit=unit)
    for field in SETTINGS_FIELDS:
        if field in values:
            setattr(settings, field, values[field].strip())
    settings.updated_by = person(actor)
    settings.full_clean()
    settings.save()
    return settings


@transaction.atomic
def report_number_assign(
    *, actor: Actor, unit: Unit, period_code: str, suffix: str
) -> ReportNumber:
    """The register number of the unit's report for the period: the one already given, else
    the next free number of this year's register ("12/BC-HPN")."""
    _check(actor, unit)
    # Lock the unit's settings row (or the unit) so two officers never take the same number.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    given = ReportNumber.objects.filter(unit=unit, period_code=period_code).first()
    if given is not None:
        return given
    year = timezone.localdate().year
    last = ReportNumber.objects.filter(unit=unit, year=year).aggregate(m=Max("number"))["m"]
    return ReportNumber.objects.create(
        unit=unit,
        year=year,
        number=(last or 0) + 1,
        period_code=period_code,
        suffix=suffix,
        created_by=person(actor),
    )
