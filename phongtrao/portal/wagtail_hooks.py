"""The portal in Wagtail's admin: comments to moderate, kept in step with the counters."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from phongtrao.portal import services
from phongtrao.portal.models import Comment


class CommentViewSet(SnippetViewSet):
    model = Comment
    icon = "comment"
    menu_label = "Bình luận"
    menu_name = "binh-luan"
    add_to_admin_menu = True
    menu_order = 250
    list_display = ["name", "body", "article", "approved", "created_at"]
    list_filter = ["approved"]
    search_fields = ["name", "body"]
    ordering = ["approved", "-created_at"]
    panels = [
        FieldPanel("approved"),
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
            comment_ids=[c.pk for c in objects], approved=cls.approved
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
    display_name = "Gỡ duyệt"
    action_type = "withdraw"
    aria_label = "Gỡ duyệt các bình luận đã chọn"
    question = "Gỡ khỏi trang"
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
