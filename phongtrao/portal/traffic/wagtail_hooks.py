"""The "Liên kết" snippets in the CMS; saving one refreshes the sidebar at once."""

from __future__ import annotations

from typing import Any

from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from phongtrao.portal.traffic.models import Link
from phongtrao.portal.traffic.selectors import links_cache_clear


class LinkViewSet(SnippetViewSet):
    model = Link
    icon = "link"
    menu_label = "Liên kết"
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["title", "placement", "sort_order", "active", "clicks"]
    list_filter = ["placement", "active"]
    ordering = ["placement", "sort_order", "pk"]
    panels = [
        FieldPanel("title"),
        FieldPanel("url"),
        FieldPanel("image"),
        FieldPanel("placement"),
        FieldPanel("sort_order"),
        FieldPanel("active"),
    ]


register_snippet(LinkViewSet)


@hooks.register("after_create_snippet")  # type: ignore[untyped-decorator]
@hooks.register("after_edit_snippet")  # type: ignore[untyped-decorator]
@hooks.register("after_delete_snippet")  # type: ignore[untyped-decorator]
def links_changed(request: Any, instances: Any) -> None:
    links_cache_clear()
