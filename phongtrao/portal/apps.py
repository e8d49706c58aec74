from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "phongtrao.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"

    def ready(self) -> None:
        from wagtail.signals import page_published

        page_published.connect(_article_published, dispatch_uid="portal_article_published")


def _article_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Published however it happens (the admin, a schedule, a workflow): release the PDF.
    from phongtrao.portal.models import ArticlePage
    from phongtrao.portal.services import report_document_release

    if isinstance(instance, ArticlePage):
        report_document_release(article=instance)
