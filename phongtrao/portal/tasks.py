"""Tasks of the task queue for the portal: rendering a report for publication."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from phongtrao.orgs.models import Unit
from phongtrao.portal.services import PortalError, article_from_report
from phongtrao.reports.builder import ReportEmpty


@task()
def article_from_report_task(user_id: int, unit_id: int, period_code: str) -> str:
    """Make the draft article of a unit's report, its PDF rendered here, in a worker
    (queued by `article_from_report_queue`); returns the article's id or why not."""
    user = get_user_model().objects.get(pk=user_id)
    unit = Unit.objects.get(pk=unit_id)
    try:
        result = article_from_report(user=user, unit=unit, period_code=period_code)
    except (PortalError, ReportEmpty) as error:
        return str(error)
    return str(result.article.pk)
