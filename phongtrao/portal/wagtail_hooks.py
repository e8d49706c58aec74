"""The portal in Wagtail's admin: comments to moderate, kept in step with the counters.

Editors moderate from the comment list: the waiting ones first, each with "Duyệt" and
"Từ chối"; the CMS's dashboard says how many wait. Every decision goes through
`services.comments_moderate` and lands in the comment's history in the CMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.log_actions import LogActionRegistry
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from phongtrao.portal import selectors, services, views
from phongtrao.portal.models import Comment

# Waiting, then approved and turned down, each newest first.
WAITING_FIRST = Case(
    When(approved=False, rejected=False, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


class ModerateColumn(Column):
    """ "Duyệt" and "Từ chối" buttons on each row of the comment list."""

    cell_template_name = "portal/admin/comment_moderate_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Mapping[str, Any]) -> Any:
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["action"] = reverse("portal_comment_moderate", args=[instance.pk])
        context["next"] = request.get_full_path() if request is not None else ""
        # The cell is rendered apart from the page: hand it the page's CSRF token.
        context["csrf_token"] = get_token(request) if request is not None else ""
        return context


class CommentViewSet(SnippetViewSet):
    model = Comment
    icon = "comment"
    menu_label = "Bình luận"
    menu_name = "binh-luan"
    add_to_admin_menu = True
    menu_order = 250
    list_display = [
        "name",
        "body",
        "article",
        StatusTagColumn(
            "status_label",
            label="Trạng thái",
            primary=lambda comment: comment.waiting,
            sort_key="approved",
        ),
        "created_at",
        ModerateColumn("moderate", label="Kiểm duyệt", accessor="pk"),
    ]
    list_filter = ["approved", "rejected"]
    search_fields = ["name", "body"]
    ordering = [WAITING_FIRST, "-created_at", "-pk"]
    panels = [
        FieldPanel("approved"),
        FieldPanel("rejected", read_only=True),
        FieldPanel("name"),
        FieldPanel("body"),
        FieldPanel("article", read_only=True),
        FieldPanel("created_at", read_only=True),
        FieldPanel("ip_address", read_only=True),
    ]


register_snippet(CommentViewSet)


class _ModerateComments(SnippetBulkAction):
    """Approve or withdraw many comments at once; the articles' counts follow."""

    approved = True
    question = ""
    template_name = "portal/admin/confirm_bulk_moderate.html"
    models = [Comment]

    def check_perm(self, snippet: Any) -> bool:
        allowed: bool = self.permission_policy.user_has_permission_for_instance(
            self.request.user, "change", snippet
        )
        return allowed

    @classmethod
    def execute_action(cls, objects: Any, **kwargs: Any) -> tuple[int, int]:
        changed = services.comments_moderate(
            actor=kwargs["self"].request.user,
            comment_ids=[c.pk for c in objects],
            approved=cls.approved,
        )
        return changed, 0

    def get_success_message(self, num_parent_objects: int, num_child_objects: int) -> str:
        return f"{self.display_name}: {num_parent_objects} bình luận."


@hooks.register("register_bulk_action")
class ApproveComments(_ModerateComments):
    display_name = "Duyệt"
    action_type = "approve"
    aria_label = "Duyệt các bình luận đã chọn"
    question = "Duyệt và hiển thị"
    approved = True
    action_priority = 10


@hooks.register("register_bulk_action")
class WithdrawComments(_ModerateComments):
    display_name = "Từ chối"
    action_type = "withdraw"
    aria_label = "Từ chối các bình luận đã chọn"
    question = "Từ chối và ẩn"
    approved = False
    action_priority = 20


def _recount(objects: Any) -> None:
    items = objects if isinstance(objects, list | tuple) else [objects]
    for article_id in {c.article_id for c in items if isinstance(c, Comment)}:
        services.comments_recount(article_id=article_id)


@hooks.register(  # type: ignore[untyped-decorator]
    "after_create_snippet"
)
def comment_created(request: HttpRequest, instance: Any) -> None:
    _recount(instance)


@hooks.register(  # type: ignore[untyped-decorator]
    "after_edit_snippet"
)
def comment_edited(request: HttpRequest, instance: Any) -> None:
    _recount(instance)


@hooks.register(  # type: ignore[untyped-decorator]
    "after_delete_snippet"
)
def comments_deleted(request: HttpRequest, instances: Any) -> None:
    _recount(list(instances))


@hooks.register("register_admin_urls")  # type: ignore[untyped-decorator]
def comment_moderate_urls() -> list[Any]:
    return [
        path(
            "binh-luan/<int:comment_id>/kiem-duyet/",
            views.comment_moderate,
            name="portal_comment_moderate",
        )
    ]


@hooks.register("register_log_actions")  # type: ignore[untyped-decorator]
def comment_log_actions(actions: LogActionRegistry) -> None:
    actions.register_action(services.COMMENT_APPROVE, "Duyệt bình luận", "Đã duyệt bình luận")
    actions.register_action(services.COMMENT_REJECT, "Từ chối bình luận", "Đã từ chối bình luận")


class CommentsWaitingPanel(Component):
    """The CMS dashboard's "Bình luận chờ duyệt" with a link to the list."""

    name = "comments_waiting"
    order = 50
    template_name = "portal/admin/comments_waiting_panel.html"

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> Any:
        waiting = selectors.comments_waiting()
        return {
            "count": waiting.count(),
            "latest": list(waiting.select_related("article").order_by("-created_at")[:5]),
            "list_url": reverse("wagtailsnippets_portal_comment:list"),
        }


@hooks.register("construct_homepage_panels")  # type: ignore[untyped-decorator]
def comments_waiting_panel(request: HttpRequest, panels: list[Any]) -> None:
    if request.user.has_perm("portal.change_comment"):
        panels.append(CommentsWaitingPanel())
