"""The news portal on Wagtail: home, nested categories, articles, and their readers' marks.

Page content (title, body, dates) lives in Wagtail pages with their revisions and moderation.
What readers add (views, ratings, comments) lives in plain models beside the pages, so that
publishing a revision never overwrites a counter.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtail.search import index

from phongtrao.orgs.models import Unit
from phongtrao.vn.text import fold

# ---------------------------------------------------------------------------------------------
# Pages


class HomePage(Page):
    """The portal's front page: the latest articles and each top category's newest."""

    intro = RichTextField("giới thiệu", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["portal.CategoryPage"]
    max_count = 1
    template = "portal/home_page.html"

    class Meta:
        verbose_name = "trang chủ cổng thông tin"

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        # An article is found by its full path in one query, instead of one query (and one
        # more for the specific page) per path segment: the article page is the hot path.
        if path_components:
            from phongtrao.portal.pagecache import generation

            # Looked up already when the guests' page cache was asked (views.serve).
            article = getattr(request, "_portal_article_at", None) or article_at(
                self.url_path + "/".join(path_components) + "/", generation(request)
            )
            if article is not None:
                if not article.live:
                    raise Http404
                return article.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from phongtrao.portal import selectors

        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context["latest"] = selectors.articles_latest(limit=7)
        context["sections"] = selectors.home_sections(self)
        return context


class CategoryPage(Page):
    """A category of articles ("Tin tức - Sự kiện"); categories nest to any depth."""

    intro: models.TextField[str, str] = models.TextField("giới thiệu", blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["portal.HomePage", "portal.CategoryPage"]
    subpage_types = ["portal.CategoryPage", "portal.ArticlePage"]
    template = "portal/category_page.html"

    class Meta:
        verbose_name = "chuyên mục"
        verbose_name_plural = "chuyên mục"

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from phongtrao.portal import selectors

        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context["articles"] = selectors.category_articles_page(self, request.GET.get("trang"))
        context["subcategories"] = self.get_children().live().type(CategoryPage).specific()
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "portal.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(Page):
    """A news article: the seed page's "HỘI LIÊN HIỆP PHỤ NỮ TỈNH BÌNH PHƯỚC NHẬN BẰNG KHEN..."."""

    summary: models.TextField[str, str] = models.TextField("tóm tắt", blank=True)
    body = StreamField(
        [
            ("heading", blocks.CharBlock(label="Tiêu đề mục", form_classname="title")),
            ("paragraph", blocks.RichTextBlock(label="Đoạn văn")),
            (
                "image",
                blocks.StructBlock(
                    [
                        ("image", ImageChooserBlock(label="Ảnh")),
                        ("caption", blocks.CharBlock(label="Chú thích ảnh", required=False)),
                    ],
                    label="Ảnh có chú thích",
                    icon="image",
                ),
            ),
            (
                "document",
                blocks.StructBlock(
                    [
                        ("document", DocumentChooserBlock(label="Tài liệu")),
                        ("title", blocks.CharBlock(label="Tên hiển thị", required=False)),
                    ],
                    label="Tài liệu đính kèm",
                    icon="doc-full",
                ),
            ),
        ],
        verbose_name="nội dung",
        blank=True,
    )
    published_at: models.DateTimeField[dt.datetime, dt.datetime] = models.DateTimeField(
        "ngày giờ đăng", default=timezone.now, db_index=True
    )
    author: models.CharField[str, str] = models.CharField("tác giả", max_length=200, blank=True)
    source: models.CharField[str, str] = models.CharField(
        "nguồn tin", max_length=200, blank=True, help_text="Ví dụ: KHÁNH LIÊN -BDVTU"
    )
    feed_image: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="ảnh đại diện",
    )
    attachment: models.ForeignKey[Any, Any] = models.ForeignKey(
        "wagtaildocs.Document",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="tài liệu đính kèm",
    )
    tags = ClusterTaggableManager("từ khóa", through=ArticlePageTag, blank=True)
    allow_comments: models.BooleanField[bool, bool] = models.BooleanField(
        "cho phép bình luận", default=True
    )
    # A report published as an article: which unit and period it came from.
    report_unit: models.ForeignKey[Unit | None, Unit | None] = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="đơn vị báo cáo",
    )
    report_period: models.CharField[str, str] = models.CharField(
        "kỳ báo cáo", max_length=20, blank=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("feed_image"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("published_at"),
                FieldPanel("author"),
                FieldPanel("source"),
                FieldPanel("tags"),
                FieldPanel("attachment"),
                FieldPanel("allow_comments"),
            ],
            heading="Thông tin bài viết",
        ),
        MultiFieldPanel(
            [FieldPanel("report_unit", read_only=True), FieldPanel("report_period")],
            heading="Báo cáo nguồn",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("source"),
        # The same words without diacritics: the search folds the query alike (vn.text.fold),
        # so "bang khen" finds "Bằng khen" on SQLite's and PostgreSQL's full-text index alike.
        index.SearchField("search_title_folded", boost=2),
        index.SearchField("search_text_folded"),
        index.FilterField("published_at"),
    ]
    parent_page_types = ["portal.CategoryPage"]
    subpage_types: list[str] = []
    template = "portal/article_page.html"

    class Meta:
        verbose_name = "bài viết"
        verbose_name_plural = "bài viết"
        indexes = [models.Index(fields=["report_unit", "report_period"])]

    def search_title_folded(self) -> str:
        """The title without diacritics or case, for the forgiving search."""
        return fold(self.title)

    def search_text_folded(self) -> str:
        """Summary, body and source without diacritics or case, for the forgiving search."""
        body = ArticlePage._meta.get_field("body").get_searchable_content(self.body)
        return fold(" ".join([self.summary, *body, self.source]))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from phongtrao.portal import views

        context: dict[str, Any] = super().get_context(request, *args, **kwargs)
        context.update(views.article_context(request, self))
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from phongtrao.portal import views

        return views.article_serve(
            request, self, lambda: Page.serve(self, request, *args, **kwargs)
        )


def state_seconds() -> float:
    """How long this process trusts what it last read of the page tree's state (the sites,
    an article's row): the PORTAL_STATE_SECONDS setting. A published change, an unpublication
    or a move shows within that time; 0 checks on every request."""
    return float(settings.PORTAL_STATE_SECONDS)


# Articles already loaded by this process, by address: when their row was last checked, the
# generation of the guests' pages then, the row's state then, the article.
_articles: dict[str, tuple[float, str, tuple[Any, ...], ArticlePage | None]] = {}
_ARTICLES_KEPT = 2000


def article_at(url_path: str, generation: str = "") -> ArticlePage | None:
    """The article at this address, or None for another kind of page or no page.

    One cheap query reads the page row's state (live, last publication, latest revision),
    at most once per `state_seconds()` and whenever the generation of the guests' pages
    (`pagecache.generation`, moved by every publication, move or deletion) changed; the
    article object loaded earlier is reused while that state is unchanged.

    Both the state and the article are read on the primary, never on a streaming replica:
    the article is kept for as long as the state stays the same, so an article read from a
    replica that had not yet received an unpublication or an edit would be served (live, or
    with its old text) for good, long after the replica caught up.
    """
    now = time.monotonic()
    hit = _articles.get(url_path)
    if hit is not None and now - hit[0] < state_seconds() and hit[1] == generation:
        return hit[3]
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT id, content_type_id, live, last_published_at, latest_revision_id "
            "FROM wagtailcore_page WHERE url_path = %s",
            [url_path],
        )
        row = cursor.fetchone()
    if len(_articles) >= _ARTICLES_KEPT:
        _articles.clear()
    if row is None or row[1] != ContentType.objects.get_for_model(ArticlePage).pk:
        # Not an article (a category, no page): remembered as well, for the same while.
        _articles[url_path] = (now, generation, tuple(row or ()), None)
        return None
    if hit is not None and hit[2] == tuple(row):
        _articles[url_path] = (now, generation, hit[2], hit[3])
        return hit[3]
    article: ArticlePage | None = (
        ArticlePage.objects.using(DEFAULT_DB_ALIAS).filter(pk=row[0]).first()
    )
    if article is None:
        return None
    _articles[url_path] = (now, generation, tuple(row), article)
    return article


def article_known(url_path: str, generation: str) -> tuple[bool, ArticlePage | None]:
    """(True, what `article_at` would return) when it would return it without a query, else
    (False, None): the fast path (`phongtrao.portal.fastpath`) runs no query."""
    hit = _articles.get(url_path)
    if hit is not None and time.monotonic() - hit[0] < state_seconds() and hit[1] == generation:
        return True, hit[3]
    return False, None


def articles_forget() -> None:
    _articles.clear()


# ---------------------------------------------------------------------------------------------
# What readers add


class ArticleStats(models.Model):
    """The counters of one article, changed only by atomic increments (never read-modify-write).

    `comments_version` moves whenever the approved comments change, so the rendered list can
    be cached under a key that a stale copy never matches.
    """

    article = models.OneToOneField(
        ArticlePage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats",
        verbose_name="bài viết",
    )
    views = models.PositiveIntegerField("lượt xem", default=0)
    rating_total = models.PositiveIntegerField("tổng điểm", default=0)
    rating_count = models.PositiveIntegerField("số lượt đánh giá", default=0)
    comment_count = models.PositiveIntegerField("số bình luận đã duyệt", default=0)
    comments_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "số liệu bài viết"
        verbose_name_plural = "số liệu bài viết"

    def __str__(self) -> str:
        return f"{self.article_id}: {self.views} lượt xem"


@dataclass(frozen=True)
class Counters:
    """An article's counters as read in one query."""

    views: int = 0
    rating_total: int = 0
    rating_count: int = 0
    comment_count: int = 0
    comments_version: int = 0


COUNTER_COLUMNS = "views, rating_total, rating_count, comment_count, comments_version"

# The counters this process last read or wrote, per article: (monotonic time, counters).
_counters: dict[int, tuple[float, Counters]] = {}
_COUNTERS_KEPT = 5000


def counters_known(article_id: int) -> Counters | None:
    """The article's counters as this process read or wrote them less than `state_seconds()`
    ago (None otherwise): an article page served from the guests' cache shows them without a
    query, each process reading them at most once per that time. Another process's views,
    marks and approved comments show within it; this process's own at once (see
    `counters_remember`, `counters_forget`)."""
    known = _counters.get(article_id)
    if known is None or time.monotonic() - known[0] >= state_seconds():
        return None
    return known[1]


def counters_remember(article_id: int, counters: Counters) -> None:
    """Keep the counters just read, or returned by a write, as the article's latest."""
    if len(_counters) >= _COUNTERS_KEPT:
        _counters.clear()
    _counters[article_id] = (time.monotonic(), counters)


def counters_forget(article_id: int | None = None) -> None:
    """Forget the counters kept of one article (they changed), or of all."""
    if article_id is None:
        _counters.clear()
    else:
        _counters.pop(article_id, None)


class Rating(models.Model):
    """One reader's 1-5 mark of an article: one per browser session or signed-in user."""

    article = models.ForeignKey(
        ArticlePage, on_delete=models.CASCADE, related_name="ratings", verbose_name="bài viết"
    )
    # "u:<user id>" for a member, "s:<browser session id>" for a guest.
    voter = models.CharField("người đánh giá", max_length=64)
    score = models.PositiveSmallIntegerField("điểm")
    created_at = models.DateTimeField("lúc", auto_now_add=True)

    class Meta:
        verbose_name = "đánh giá"
        verbose_name_plural = "đánh giá"
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="rating_one_per_voter"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.score}"


class Comment(models.Model):
    """A reader's comment: plain text, shown once approved."""

    article = models.ForeignKey(
        ArticlePage, on_delete=models.CASCADE, related_name="comments", verbose_name="bài viết"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="thành viên",
    )
    name = models.CharField("họ và tên", max_length=100)
    body = models.TextField("nội dung")
    approved = models.BooleanField("đã duyệt", default=False, db_index=True)
    # Turned down by an editor: no longer waiting, never shown (until approved after all).
    rejected = models.BooleanField("đã từ chối", default=False)
    created_at = models.DateTimeField("lúc gửi", default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    # The sender's browser session ("s:<id>") or member ("u:<id>"), for the rate limit.
    sender = models.CharField("người gửi", max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "bình luận"
        verbose_name_plural = "bình luận"
        indexes = [models.Index(fields=["article", "approved", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name}: {self.body[:40]}"

    @property
    def waiting(self) -> bool:
        """Neither approved nor turned down yet: an editor has to look at it."""
        return not self.approved and not self.rejected

    @property
    def status_label(self) -> str:
        if self.approved:
            return "Đã duyệt"
        return "Đã từ chối" if self.rejected else "Chờ duyệt"


# ---------------------------------------------------------------------------------------------
# What editors set for the site ("Cài đặt > Cổng thông tin"); the site's name is Wagtail's own
# (Cài đặt > Trang web).


@register_setting(icon="site")
class PortalSettings(BaseSiteSetting):
    """The portal's public address and RSS channel, per Wagtail site."""

    base_url: models.URLField[str, str] = models.URLField(
        "địa chỉ cổng thông tin",
        blank=True,
        help_text=(
            "Địa chỉ công khai, ví dụ https://phunu.binhphuoc.gov.vn; dùng cho sơ đồ trang và "
            "RSS. Để trống: theo địa chỉ người đọc đang dùng."
        ),
    )
    rss_title: models.CharField[str, str] = models.CharField(
        "tiêu đề kênh RSS",
        max_length=200,
        blank=True,
        help_text="Để trống: tên trang web (Cài đặt > Trang web).",
    )
    rss_description: models.CharField[str, str] = models.CharField(
        "mô tả kênh RSS", max_length=300, blank=True
    )

    class Meta:
        verbose_name = "cổng thông tin"
        verbose_name_plural = "cổng thông tin"


def portal_base_url(request: HttpRequest) -> str:
    """The portal's public address without the final "/": the one set in the CMS, else the
    address the reader used."""
    configured = PortalSettings.for_request(request).base_url
    return (configured or request.build_absolute_uri("/")).rstrip("/")


def portal_site_name(request: HttpRequest) -> str:
    """The Wagtail site's name, else the PORTAL_NAME setting."""
    from wagtail.models import Site

    site = Site.find_for_request(request)
    return str(getattr(site, "site_name", "") or settings.WAGTAIL_SITE_NAME)


class PagesGeneration(models.Model):
    """The guests' pages' generation where no cache is shared by the app's processes: one row,
    moved by every publication (`pagecache.pages_invalidate`), read by each process at most
    once per PORTAL_GENERATION_SECONDS. With a shared cache (Redis) the generation lives there."""

    token = models.CharField(max_length=40)

    class Meta:
        verbose_name = "thế hệ trang đã lưu"
        verbose_name_plural = "thế hệ trang đã lưu"

    def __str__(self) -> str:
        return self.token
