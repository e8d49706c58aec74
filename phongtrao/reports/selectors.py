"""Reads the report needs before building: which unit a code names for a period."""

from __future__ import annotations

from phongtrao import periods
from phongtrao.data.models import Submission, SubmissionStatus
from phongtrao.orgs.models import Unit
from phongtrao.orgs.selectors import edition_parse, unit_resolve
from phongtrao.reports.models import DocumentSettings, ReportNumber, ReportText, ReportTextRevision


def report_is_locked(unit: Unit, period_code: str) -> bool:
    """The unit's report for the period is approved: its passages can no longer change."""
    return Submission.objects.filter(
        unit=unit, period__code=period_code, status=SubmissionStatus.APPROVED
    ).exists()


def report_texts(unit: Unit, period_code: str) -> dict[str, ReportText]:
    """The saved passages of the unit's report for the period, by part."""
    return {t.part: t for t in ReportText.objects.filter(unit=unit, period_code=period_code)}


def document_settings(unit: Unit) -> DocumentSettings | None:
    """How the unit heads and signs its reports, if it set it."""
    return DocumentSettings.objects.filter(unit=unit).first()


def report_number(unit: Unit, period_code: str) -> ReportNumber | None:
    """The register number given to the unit's report for the period, if any."""
    return ReportNumber.objects.filter(unit=unit, period_code=period_code).first()


def report_unit(code: str, period_code: str, edition: str | None = None) -> Unit:
    """The unit `code` names for a report over `period_code`.

    Without `edition`, the unit the code meant at the period's end (codes are reused across
    hierarchy editions). With `edition` ("2008", "2025", or a date "2025-07-01" meaning the
    edition in force that day), the unit of that code in that edition, at the period's end
    if it existed then, else its latest version.
    Raises `periods.PeriodError` for a bad period, `Unit.DoesNotExist` or
    `Edition.DoesNotExist` (with Vietnamese messages) for an unknown unit or edition.
    """
    end = periods.parse(period_code).end
    if edition is None:
        return unit_resolve(code, end)
    structure = edition_parse(edition)
    units = Unit.objects.filter(edition=structure, code=code).select_related("edition")
    unit = (
        units.filter(valid_from__lte=end).order_by("-valid_from").first()
        or units.order_by("-valid_from").first()
    )
    if unit is None:
        raise Unit.DoesNotExist(
            f"Không có đơn vị mã “{code}” trong phiên bản cơ cấu “{structure.code}”."
        )
    return unit


def report_text_history(unit: Unit, period_code: str, limit: int = 10) -> list[ReportTextRevision]:
    """The latest saves of the passages of the unit's report for the period, newest first."""
    return list(
        ReportTextRevision.objects.filter(
            report_text__unit=unit, report_text__period_code=period_code
        ).select_related("report_text", "user")[:limit]
    )
