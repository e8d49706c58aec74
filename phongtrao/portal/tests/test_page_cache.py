"""The guests' page cache: every page a guest reads served from it, cut at what changes per
request, and a new generation on every publication, unpublication, edit, move or deletion."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.settings import shared_cache
from phongtrao.jobs.worker import tasks_run_pending
from phongtrao.portal.models import ArticlePage, ArticleStats, Comment, PagesGeneration
from phongtrao.portal.pagecache import generation, new_generation, pages_invalidate, settled
from phongtrao.portal.services import comments_moderate
from phongtrao.portal.tests.site import BROWSER_UA, SEED_AT, article
from phongtrao.tests.servers import app_server

MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36"
)
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _guest_pages(portal):
    seed = portal["seed"]
    return {
        "home": "/",
        "category": portal["news"].url,
        "category page 2": portal["base"].url + "?trang=2",
        "search": "/tim-kiem/?q=B%E1%BA%B1ng+khen",
        "tag": "/tim-kiem/?q=thi+%C4%91ua",
        "rss": "/rss/",
        "category rss": f"/rss/{portal['base'].pk}/",
        "sitemap": "/sitemap.xml",
        "print": f"/bai-viet/{seed.pk}/in/",
        "article": seed.url,
    }


def _without_nonce(content):
    return re.sub(rb'nonce="[^"]*"', b"", content)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    sqls = [q["sql"] for q in context.captured_queries if "SAVEPOINT" not in q["sql"]]
    return response, sqls


# The guest pages the cache serves, by the names `_guest_pages` gives them.
GUEST_PAGES = [
    "home",
    "category",
    "category page 2",
    "search",
    "tag",
    "rss",
    "category rss",
    "sitemap",
    "print",
    "article",
]


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_each_guest_page_is_served_from_the_cache(portal, settings, name):
    settings.PORTAL_STATE_SECONDS = 60  # the production default is 1 s: the sites' state kept
    settings.PORTAL_GENERATION_SECONDS = 60  # and the pages' generation (1 s) read once
    url = _guest_pages(portal)[name]
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    first = reader.get(url)
    assert first.status_code == 200 and first["X-Portal-Cache"] == "miss"
    if "?" in url:  # kept when asked a second time (asked_before)
        assert reader.get(url)["X-Portal-Cache"] == "miss"
    response, sqls = _queries(reader, url)
    assert response.status_code == 200 and response["X-Portal-Cache"] == "hit"
    # No query: the article's counters are this process's, read at most once a second.
    assert sqls == []
    assert "Cookie" in response["Vary"]
    assert "@@" not in response.content.decode()
    if name != "article":  # the same page but for the script nonce
        assert _without_nonce(response.content) == _without_nonce(first.content)


def test_made_up_addresses_are_kept_only_when_asked_twice(portal):
    """Random query strings cannot fill the cache: the first asking leaves only a mark."""
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    assert [reader.get("/?r=1")["X-Portal-Cache"] for _ in range(3)] == ["miss", "miss", "hit"]
    assert reader.get("/?r=2")["X-Portal-Cache"] == "miss"
    assert reader.get("/?r=3")["X-Portal-Cache"] == "miss"
    assert reader.get("/")["X-Portal-Cache"] == "miss"  # no query string: kept at once
    assert reader.get("/")["X-Portal-Cache"] == "hit"


def test_an_address_kept_once_is_kept_again_at_its_first_asking(portal):
    """A search kept before a publication (or before it expired) is kept again the first time
    it is asked after: rendered once, not twice (its mark outlives the page)."""
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    assert [reader.get("/?r=1")["X-Portal-Cache"] for _ in range(3)] == ["miss", "miss", "hit"]
    pages_invalidate()
    assert [reader.get("/?r=1")["X-Portal-Cache"] for _ in range(2)] == ["miss", "hit"]
    assert [reader.get("/?r=2")["X-Portal-Cache"] for _ in range(2)] == ["miss", "miss"]


def test_an_edited_image_or_tag_renders_the_pages_anew_a_rendition_made_does_not(portal):
    """Pages are kept 5 minutes: what they show besides the pages' own content (an image's
    file, a tag's name) moves the generation when edited; a rendition made while a page
    renders does not (every first render of an image would throw the pages away)."""
    from taggit.models import Tag
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    before = generation()
    image = get_image_model().objects.create(title="Ảnh mới", file=get_test_image_file())
    moved = generation()
    assert moved != before
    image.get_rendition("width-120")
    assert generation() == moved
    Tag.objects.create(name="khởi nghiệp xanh", slug="khoi-nghiep-xanh")
    assert generation() != moved


def test_without_a_shared_cache_other_processes_follow_the_database(portal, settings):
    """Each process keeps its own pages; the generation is the database's row, which a
    process trusts for PORTAL_GENERATION_SECONDS: another process's publication is seen
    once that time has passed."""
    settings.PORTAL_GENERATION_SECONDS = 60
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    reader.get("/")
    assert reader.get("/")["X-Portal-Cache"] == "hit"
    # Another process publishes: it moves the row (its own pages_invalidate).
    PagesGeneration.objects.filter(pk=1).update(token=new_generation())
    assert reader.get("/")["X-Portal-Cache"] == "hit"  # within the trusted minute
    settings.PORTAL_GENERATION_SECONDS = 0
    assert reader.get("/")["X-Portal-Cache"] == "miss"
    assert generation() == PagesGeneration.objects.get(pk=1).token


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_with_a_replica_a_page_rendered_right_after_a_change_is_not_kept(settings):
    settings.DATABASES = {**django_settings.DATABASES, "replica": {}}
    settings.REPLICA_MAX_LAG_SECONDS = 1
    settings.REPLICA_READS = True
    assert settled(new_generation(moved=False))  # a first generation follows no change
    fresh = new_generation()
    assert not settled(fresh)
    token, _, made = fresh.partition(".")
    assert settled(f"{token}.{float(made) - 1.5:.3f}")
    del settings.DATABASES["replica"]
    assert settled(fresh)


def test_mobile_and_desktop_browsers_share_the_page(portal):
    """One responsive template: a mobile browser gets the page a desktop one cached."""
    assert Client(HTTP_USER_AGENT=BROWSER_UA).get("/")["X-Portal-Cache"] == "miss"
    assert Client(HTTP_USER_AGENT=MOBILE_UA).get("/")["X-Portal-Cache"] == "hit"


def test_per_request_bits_are_filled_in(portal):
    """Each guest gets its own CSRF token and a script nonce matching its CSP header."""
    url = portal["seed"].url
    pages = [Client(HTTP_USER_AGENT=BROWSER_UA).get(url) for _ in range(2)]
    assert pages[1]["X-Portal-Cache"] == "hit"
    tokens, nonces = [], []
    for page in pages:
        html = page.content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1])
        nonce = re.search(r'<script nonce="([^"]+)">', html)[1]
        assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]
        nonces.append(nonce)
        assert "Thống kê truy cập" in html or "traffic" in html  # the side blocks
    assert tokens[0] != tokens[1] and nonces[0] != nonces[1]


def test_signed_in_members_and_posts_never_get_cached_pages(portal, django_user_model):
    Client(HTTP_USER_AGENT=BROWSER_UA).get("/")  # cached for guests
    member = django_user_model.objects.create_user("hoivien", password="x" * 12)
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(member)
    response = client.get("/")
    assert "X-Portal-Cache" not in response and "hoivien" in response.content.decode()
    seed = portal["seed"]
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    posted = guest.post(f"/bai-viet/{seed.pk}/danh-gia/", {"score": "4"})
    assert posted.status_code == 302 and "X-Portal-Cache" not in posted
    # A guest with a message waiting gets it, not the cached page.
    page = guest.get(seed.url)
    assert "X-Portal-Cache" not in page and "Cảm ơn bạn đã đánh giá" in page.content.decode()


def _views(page):
    return ArticleStats.objects.get(article=page).views


def test_counters_stay_exact_and_robots_are_not_counted(portal):
    seed = portal["seed"]
    for _ in range(7):
        response = Client(HTTP_USER_AGENT=MOBILE_UA).get(seed.url)
    assert response["X-Portal-Cache"] == "hit"
    assert _views(seed) == 7
    assert '<span class="article-views">7</span>' in response.content.decode()
    robot = Client(HTTP_USER_AGENT=GOOGLEBOT_UA)
    for _ in range(5):
        response = robot.get(seed.url)
    assert response["X-Portal-Cache"] == "hit" and _views(seed) == 7


def _html(url):
    return Client(HTTP_USER_AGENT=BROWSER_UA).get(url).content.decode()


def _warm(portal):
    for url in _guest_pages(portal).values():
        assert Client(HTTP_USER_AGENT=BROWSER_UA).get(url).status_code == 200


def test_publishing_shows_at_once_everywhere(portal):
    _warm(portal)
    fresh = article(
        portal["base"], "Ra mắt câu lạc bộ phụ nữ khởi nghiệp", SEED_AT + dt.timedelta(days=9)
    )
    tasks_run_pending()  # the search index
    for url in (
        "/",
        portal["news"].url,
        "/rss/",
        "/sitemap.xml",
        "/tim-kiem/?q=c%C3%A2u+l%E1%BA%A1c+b%E1%BB%99",
    ):
        assert "câu lạc bộ phụ nữ khởi nghiệp" in _html(url).lower() or fresh.url in _html(url), url
    # The seed's "newer articles" list, on its cached page.
    assert "Ra mắt câu lạc bộ phụ nữ khởi nghiệp" in _html(portal["seed"].url)


def test_unpublishing_and_deleting_show_at_once(portal):
    _warm(portal)
    newer = portal["newer"]
    newer_url = newer.url
    newer.unpublish()
    assert Client().get(newer_url).status_code == 404
    for url in ("/", portal["news"].url, "/rss/", "/sitemap.xml", portal["seed"].url):
        assert "Tin mới hơn trong chuyên mục" not in _html(url), url
    seed = portal["seed"]
    seed_url, seed_pk = seed.url, seed.pk
    seed.delete()
    assert Client().get(seed_url).status_code == 404
    assert Client().get(f"/bai-viet/{seed_pk}/in/").status_code == 404
    assert "NHẬN BẰNG KHEN" not in _html("/")


def test_an_edit_shows_at_once(portal):
    _warm(portal)
    seed = portal["seed"]
    seed.title = "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI"
    seed.save_revision().publish()
    tasks_run_pending()
    for url in _guest_pages(portal).values():
        if "q=B" not in url and "thi" not in url:
            html = _html(url)
            assert "NHẬN BẰNG KHEN" not in html or "sitemap" in url, url
    assert "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI" in _html("/")
    assert "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI" in _html(f"/bai-viet/{seed.pk}/in/")
    assert "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI" in _html("/rss/")


def test_a_move_shows_at_once(portal):
    _warm(portal)
    elsewhere = ArticlePage.objects.get(pk=portal["elsewhere"].pk)
    assert "Trao giải cuộc thi khởi nghiệp" not in _html(portal["news"].url)
    elsewhere.move(portal["base"], pos="last-child")
    assert "Trao giải cuộc thi khởi nghiệp" in _html(portal["news"].url)
    assert "Trao giải cuộc thi khởi nghiệp" not in _html(portal["other"].url)
    moved = ArticlePage.objects.get(pk=elsewhere.pk)
    assert Client().get(moved.url).status_code == 200


def test_an_approved_comment_shows_at_once(portal, cms_editor):
    seed = portal["seed"]
    _warm(portal)
    Client(HTTP_USER_AGENT=BROWSER_UA).post(
        f"/bai-viet/{seed.pk}/binh-luan/", {"name": "Chị Lan", "body": "Bài viết rất hay."}
    )
    assert "Bài viết rất hay." not in _html(seed.url)  # waiting for an editor
    comment = Comment.objects.get(body="Bài viết rất hay.")
    comments_moderate(actor=cms_editor, comment_ids=[comment.pk], approved=True)
    html = _html(seed.url)
    assert "Bài viết rất hay." in html and 'Bình luận <span class="muted">(1)' in html


def test_an_invalidation_holds_on_every_server_sharing_the_cache(portal, redis_url, settings):
    previous = settings.CACHES
    settings.CACHES = shared_cache(redis_url)
    try:
        _invalidations_across_servers(portal, redis_url)
    finally:
        settings.CACHES = previous  # before the Redis server stops and the cache is cleared


def _invalidations_across_servers(portal, redis_url):
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    with app_server(redis_url) as another:
        assert guest.get("/")["X-Portal-Cache"] == "miss"
        assert guest.get("/")["X-Portal-Cache"] == "hit"
        # An editor publishes on another server: this one renders the page again.
        another.run("from phongtrao.portal.pagecache import pages_invalidate; pages_invalidate()")
        assert guest.get("/")["X-Portal-Cache"] == "miss"
        # And the other way round: a change published here moves the generation there.
        portal["newer"].unpublish()
        there = another.run(
            "from phongtrao.portal.pagecache import generation; print(generation())"
        )
    assert there == generation()
    assert "Tin mới hơn trong chuyên mục" not in guest.get("/").content.decode()
