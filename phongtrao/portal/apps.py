from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "phongtrao.portal"
    label = "portal"
    verbose_name = "Cổng thông tin"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from phongtrao.batched import buffers_flush_due

        # Guests' views and visits are written in batches by the request that finds them due.
        request_finished.connect(buffers_flush_due, dispatch_uid="portal_counts_flush")

        page_published.connect(_article_published, dispatch_uid="portal_article_published")
        # What guests read changes: the guests' page cache starts a new generation.
        for signal in (page_published, page_unpublished, post_page_move, post_save, post_delete):
            signal.connect(_pages_changed, dispatch_uid=f"portal_pages_changed_{id(signal)}")


def _article_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Published however it happens (the admin, a schedule, a workflow): release the PDF.
    from phongtrao.portal.models import ArticlePage
    from phongtrao.portal.services import report_document_release

    if isinstance(instance, ArticlePage):
        report_document_release(article=instance)


def _pages_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A page published, unpublished, edited in place, moved or deleted; the site (its name,
    # its home page) or the portal's settings changed; an image (its file, its title: not a
    # rendition made while a page renders) or a tag (its name) edited or deleted.
    from taggit.models import Tag
    from wagtail.images.models import AbstractImage
    from wagtail.models import Page, Site

    from phongtrao.portal.models import PortalSettings
    from phongtrao.portal.pagecache import pages_invalidate_on_commit

    if isinstance(instance, PortalSettings) and kwargs.get("created"):
        return  # the empty row made on first reading (BaseSiteSetting.for_request)
    if isinstance(instance, Page | Site | PortalSettings | AbstractImage | Tag):
        pages_invalidate_on_commit()
