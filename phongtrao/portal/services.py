"""Writes of the portal: counting views, rating, commenting, publishing a report as an article.

Counters change only by atomic increments in the database (`SET views = views + 1`), so N
readers add exactly N whatever the concurrency.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.text import slugify
from wagtail.documents.models import Document
from wagtail.log_actions import log
from wagtail.models import Collection, CollectionViewRestriction, Page

from phongtrao import periods
from phongtrao.accounts.access import membership_of, unit_may_view
from phongtrao.actors import Actor, person
from phongtrao.notifications.models import Kind
from phongtrao.notifications.services import editors, notify
from phongtrao.orgs.models import Unit
from phongtrao.portal.models import (
    COUNTER_COLUMNS,
    ArticlePage,
    ArticleStats,
    CategoryPage,
    Comment,
    Counters,
    Rating,
    counters_forget,
    counters_remember,
)
from phongtrao.reports.builder import Report
from phongtrao.vn import format_number

COMMENT_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 100


def vn_slug(text: str, max_length: int = 80) -> str:
    """An ASCII page address from Vietnamese: "Hoạt động Hội cơ sở" -> "hoat-dong-hoi-co-so"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return slugify(text)[:max_length].strip("-") or "bai-viet"


class PortalError(ValueError):
    """Input a reader must correct; the message is Vietnamese and shown as is."""


class AlreadyRated(PortalError):
    pass


class CommentRejected(PortalError):
    pass


def _stats_increment(article_id: int, assignments: str, params: list[Any]) -> Counters:
    """UPDATE ... RETURNING on the article's counters row, created first if missing."""
    table = ArticleStats._meta.db_table
    sql = (
        f"UPDATE {table} SET {assignments} WHERE article_id = %s "  # noqa: S608 - fixed names
        f"RETURNING {COUNTER_COLUMNS}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, article_id])
        row = cursor.fetchone()
        if row is None:
            ArticleStats.objects.bulk_create(
                [ArticleStats(article_id=article_id)], ignore_conflicts=True
            )
            cursor.execute(sql, [*params, article_id])
            row = cursor.fetchone()
    assert row is not None
    counters = Counters(*row)
    counters_remember(article_id, counters)
    return counters


def article_view_add(*, article_id: int) -> Counters:
    """Count one view of the article; returns the counters after it (one query)."""
    return _stats_increment(article_id, "views = views + 1", [])


def article_views_add(*, article_ids: Sequence[int]) -> None:
    """Count one view of each article in `article_ids` (an article as many times as it is
    there): the views the requests of a moment added, written set-wise in one transaction
    (one increment per article, in the articles' order so that concurrent batches cannot
    deadlock, see phongtrao.batched)."""
    views_by_article = sorted(Counter(article_ids).items())
    try:
        with transaction.atomic():
            for article_id, views in views_by_article:
                _stats_increment(article_id, "views = views + %s", [views])
    except Exception:
        for article_id, _ in views_by_article:  # the counters kept were never committed
            counters_forget(article_id)
        raise


@transaction.atomic
def rating_add(*, article: ArticlePage, voter: str, score: int) -> Counters:
    """Record `voter`'s mark (1-5) of `article`; a voter marks an article once.

    Raises PortalError for a mark outside 1-5 and AlreadyRated for a second mark, the
    database's unique constraint being the judge under concurrency.
    """
    if score not in range(1, 6):
        raise PortalError("Điểm đánh giá phải từ 1 đến 5.")
    try:
        with transaction.atomic():
            Rating.objects.create(article=article, voter=voter, score=score)
    except IntegrityError:
        raise AlreadyRated("Bạn đã đánh giá bài viết này rồi.") from None
    return _stats_increment(
        article.pk,
        "rating_total = rating_total + %s, rating_count = rating_count + 1",
        [score],
    )


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def comment_text_clean(text: str) -> str:
    """Plain text only: tags stripped, spaces collapsed, at most one blank line in a row."""
    text = strip_tags(text).replace("\r\n", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def comment_rate_limit() -> tuple[int, dt.timedelta]:
    """How many comments one sender may post within which time (settings, 3 in 10 minutes)."""
    count = int(settings.PORTAL_COMMENT_RATE_COUNT)
    minutes = float(settings.PORTAL_COMMENT_RATE_MINUTES)
    return count, dt.timedelta(minutes=minutes)


@transaction.atomic
def comment_post(
    *,
    article: ArticlePage,
    name: str,
    body: str,
    user: Actor,
    ip_address: str | None = None,
    sender: str = "",
) -> Comment:
    """A reader's comment on `article`, held for moderation unless a member's (setting).

    `user`: the reader, a guest (`AnonymousUser`) or a signed-in member. Guests' comments
    wait for an editor; members' are shown at once when
    PORTAL_MEMBER_COMMENTS_APPROVED is on (default). Text only, length and rate limited.
    Raises CommentRejected with the reason; nothing is saved then.
    """
    if not article.allow_comments:
        raise CommentRejected("Bài viết này không nhận bình luận.")
    reader = person(user)
    member = reader is not None and reader.is_active
    name = comment_text_clean(name).replace("\n", " ")
    if not name and reader is not None and member:
        name = reader.get_full_name() or reader.get_username()
    body = comment_text_clean(body)
    if not name:
        raise CommentRejected("Vui lòng nhập họ và tên.")
    if len(name) > NAME_MAX_LENGTH:
        raise CommentRejected(f"Họ và tên dài quá {NAME_MAX_LENGTH} ký tự.")
    if not body:
        raise CommentRejected("Vui lòng nhập nội dung bình luận.")
    if len(body) > COMMENT_MAX_LENGTH:
        raise CommentRejected(
            f"Bình luận dài {format_number(len(body))} ký tự, "
            f"quá giới hạn {format_number(COMMENT_MAX_LENGTH)} ký tự."
        )
    limit, window = comment_rate_limit()
    who = Q(sender=sender) if sender else Q(pk__in=[])
    if ip_address:
        who |= Q(ip_address=ip_address)
    recent = Comment.objects.filter(who, created_at__gte=timezone.now() - window).count()
    if recent >= limit:
        minutes = int(window.total_seconds() // 60)
        raise CommentRejected(
            f"Bạn đã gửi {limit} bình luận trong {minutes} phút qua. Vui lòng thử lại sau."
        )
    approved = member and bool(settings.PORTAL_MEMBER_COMMENTS_APPROVED)
    comment = Comment.objects.create(
        article=article,
        user=reader if member else None,
        name=name,
        body=body,
        approved=approved,
        ip_address=ip_address or None,
        sender=sender,
    )
    if approved:
        comments_recount(article_id=article.pk)
    else:
        notify(
            recipients=editors(),
            kind=Kind.COMMENT,
            title=f"Bình luận mới chờ duyệt: {article.title}"[:255],
            body=f"{name}: {body[:300]}",
            url="/cms/",
        )
    return comment


@transaction.atomic
def comments_recount(*, article_id: int) -> None:
    """Set the article's approved-comment count from the comments, and move its version."""
    count = Comment.objects.filter(article_id=article_id, approved=True).count()
    ArticleStats.objects.bulk_create([ArticleStats(article_id=article_id)], ignore_conflicts=True)
    ArticleStats.objects.filter(article_id=article_id).update(
        comment_count=count, comments_version=F("comments_version") + 1
    )
    # The article's page shows the new list at once in this process (within a second in
    # the others, see counters_known), and again once committed.
    counters_forget(article_id)
    transaction.on_commit(lambda: counters_forget(article_id))


COMMENT_APPROVE = "portal.comment.approve"
COMMENT_REJECT = "portal.comment.reject"


@transaction.atomic
def comments_moderate(*, actor: User, comment_ids: list[int], approved: bool) -> int:
    """Approve comments (shown on their articles) or turn them down (hidden, no longer
    waiting); the counts of their articles follow and each change is written to the CMS's
    history of the comment. `actor` needs the permission to change comments. Returns how
    many comments changed."""
    if not actor.has_perm("portal.change_comment"):
        raise PermissionDenied("Bạn không có quyền duyệt bình luận.")
    comments = list(
        Comment.objects.select_for_update()
        .filter(pk__in=comment_ids)
        .exclude(approved=approved, rejected=not approved)
    )
    if not comments:
        return 0
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(
        approved=approved, rejected=not approved
    )
    action = COMMENT_APPROVE if approved else COMMENT_REJECT
    for comment in comments:
        comment.approved, comment.rejected = approved, not approved
        log(instance=comment, action=action, user=actor)
    for article_id in {c.article_id for c in comments}:
        comments_recount(article_id=article_id)
    return len(comments)


# ---------------------------------------------------------------------------------------------
# Publishing a report


def may_publish_reports(user: Any, unit: Unit) -> bool:
    """Editors (role biên tập) who may see the unit, and superusers."""
    if not unit_may_view(user, unit):
        return False
    if getattr(user, "is_superuser", False):
        return True
    membership = membership_of(user)
    return bool(membership is not None and membership.is_editor)


def report_category() -> Page:
    """Where reports land as drafts: the first category in tree order (the editor may move it)."""
    category = CategoryPage.objects.order_by("path").first()
    if category is None:
        raise PortalError("Cổng thông tin chưa có chuyên mục nào để đăng bài.")
    return category


@dataclass(frozen=True)
class PublishedReport:
    article: ArticlePage
    created: bool


def article_from_report(
    *, user: Actor, unit: Unit, period_code: str, parent: Page | None = None
) -> PublishedReport:
    """A DRAFT article from the unit's report: the narrative as the body, the PDF attached.

    Only an editor who may see the unit may do it (PermissionDenied otherwise). A draft
    already made from the same report and not yet published is returned as is, so a second
    click does not make a second draft. An editor reviews and publishes it in the admin.
    The report is built and its PDF rendered before the transaction that stores them: no
    write lock is held during the render, and a failed save leaves no file behind.
    """
    if not may_publish_reports(user, unit):
        raise PermissionDenied("Bạn không có quyền biên tập cổng thông tin cho đơn vị này.")
    try:
        period = periods.parse(period_code)
    except ValueError:
        raise PortalError("Kỳ báo cáo không hợp lệ.") from None
    existing = _report_draft(unit, period)
    if existing is not None:
        return PublishedReport(article=existing, created=False)
    report, pdf = report_pdf(unit=unit, period=period)
    document: Document | None = None
    try:
        with transaction.atomic():
            existing = _report_draft(unit, period)  # made by another click meanwhile
            if existing is not None:
                return PublishedReport(article=existing, created=False)
            document = report_document_store(
                unit=unit, period=period, report=report, pdf=pdf, actor=user
            )
            return _report_article(user, unit, period, report, document, parent)
    except BaseException:
        if document is not None:
            document.file.delete(save=False)
        raise


def _report_draft(unit: Unit, period: periods.Period) -> ArticlePage | None:
    draft: ArticlePage | None = ArticlePage.objects.filter(
        report_unit=unit, report_period=period.code, live=False
    ).first()
    return draft


def _report_article(
    user: Actor,
    unit: Unit,
    period: periods.Period,
    report: Report,
    document: Document,
    parent: Page | None,
) -> PublishedReport:
    title = f"Báo cáo kết quả công tác Hội và phong trào phụ nữ {period.label_vi()}"
    body: list[tuple[str, Any]] = [("paragraph", _rich(p)) for p in report.intro]
    for section in report.sections:
        body.append(("heading", section.heading))
        body += [("paragraph", _rich(p)) for p in section.paragraphs]
    article = ArticlePage(
        title=f"{unit.union_name}: {title}",
        slug=vn_slug(f"bao-cao-{unit.union_name}-{period.code}-{document.pk}"),
        summary=report.intro[0] if report.intro else "",
        body=body,
        author="",
        source=unit.union_name.upper(),
        attachment=document,
        report_unit=unit,
        report_period=period.code,
        live=False,
    )
    (parent or report_category()).add_child(instance=article)
    article.save_revision(user=person(user), log_action=True)
    ArticleStats.objects.get_or_create(article=article)
    return PublishedReport(article=article, created=True)


@transaction.atomic
def article_from_report_queue(*, user: Any, unit: Unit, period_code: str) -> ArticlePage | None:
    """Queue the making of the report's draft article (`article_from_report`): the PDF takes
    seconds to render, so a worker renders it, not the request. Returns the draft already
    made from this report instead, when there is one; None when queued.

    The same checks as `article_from_report`, at once: PermissionDenied, PortalError.
    """
    from phongtrao.portal.tasks import article_from_report_task

    if not may_publish_reports(user, unit):
        raise PermissionDenied("Bạn không có quyền biên tập cổng thông tin cho đơn vị này.")
    try:
        period = periods.parse(period_code)
    except ValueError:
        raise PortalError("Kỳ báo cáo không hợp lệ.") from None
    existing: ArticlePage | None = ArticlePage.objects.filter(
        report_unit=unit, report_period=period.code, live=False
    ).first()
    if existing is None:
        article_from_report_task.enqueue(user.pk, unit.pk, period.code)
    return existing


PRIVATE_COLLECTION = "Báo cáo chờ xuất bản"


def report_collection() -> Collection:
    """Where the PDFs of draft articles wait: a collection only editors may open.

    A unit's report is for its own subtree until an editor publishes it; its document
    leaves this collection when the article is published (`report_document_release`).
    """
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=PRIVATE_COLLECTION).first()
    if collection is None:
        collection = root.add_child(instance=Collection(name=PRIVATE_COLLECTION))
        restriction = CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.GROUPS
        )
        restriction.groups.set(Group.objects.filter(name__in=["Moderators", "Editors"]))
    return collection


@transaction.atomic
def report_document_release(*, article: ArticlePage) -> bool:
    """Make a published article's report PDF public (out of the editors-only collection)."""
    document = article.attachment
    if document is None or document.collection.name != PRIVATE_COLLECTION:
        return False
    document.collection = Collection.get_first_root_node()
    document.save(update_fields=["collection"])
    return True


def report_document_create(
    *, unit: Unit, period: periods.Period, actor: Actor, private: bool = True
) -> tuple[Report, Document]:
    """The unit's report for the period, and its PDF stored as a Wagtail document (in the
    editors-only collection unless `private=False`)."""
    report, pdf = report_pdf(unit=unit, period=period)
    with transaction.atomic():
        document = report_document_store(
            unit=unit, period=period, report=report, pdf=pdf, actor=actor, private=private
        )
    return report, document


def report_pdf(*, unit: Unit, period: periods.Period) -> tuple[Report, bytes]:
    """The unit's report for the period and its PDF, rendered (no write)."""
    from phongtrao.reports.builder import report_build
    from phongtrao.reports.formats import report_render

    report = report_build(unit, period.code)
    return report, report_render(report, "pdf")


def report_document_store(
    *,
    unit: Unit,
    period: periods.Period,
    report: Report,
    pdf: bytes,
    actor: Actor,
    private: bool = True,
) -> Document:
    """Store a rendered report PDF as a Wagtail document (editors-only unless `private` is
    False); call inside the transaction that uses it."""
    from phongtrao.downloads import ascii_filename
    from phongtrao.reports.builder import report_filename

    title = f"Báo cáo kết quả công tác Hội và phong trào phụ nữ {period.label_vi()}"
    document = Document(
        collection=report_collection() if private else Collection.get_first_root_node(),
        title=f"{title} - {unit.union_name}",
        uploaded_by_user=person(actor),
    )
    filename = ascii_filename(report_filename(report, "pdf"))
    document.file.save(filename, ContentFile(pdf), save=False)
    document.save()
    return document


def _rich(text: str) -> str:
    return f"<p>{escape(text)}</p>"
