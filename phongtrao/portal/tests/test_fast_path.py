"""Guests' cache hits answered first in the middleware chain (phongtrao.portal.fastpath):
the page, headers and cookies the slow path gives, no query, counters exact, and the slow
path again whenever anything it checks may have changed."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from phongtrao.portal import fastpath
from phongtrao.portal.models import ArticleStats, Comment, PagesGeneration
from phongtrao.portal.pagecache import new_generation
from phongtrao.portal.services import comments_moderate
from phongtrao.portal.tests.site import BROWSER_UA
from phongtrao.portal.tests.test_page_cache import (
    GOOGLEBOT_UA,
    GUEST_PAGES,
    MOBILE_UA,
    _guest_pages,
)
from phongtrao.portal.traffic.middleware import VISITS
from phongtrao.portal.traffic.models import DailyVisits
from phongtrao.portal.views import VIEWS


@pytest.fixture
def trusted(settings):
    """Production's trust in what a process read (1 s) made long enough for a test."""
    settings.PORTAL_STATE_SECONDS = 60
    settings.PORTAL_GENERATION_SECONDS = 60


@pytest.fixture
def batched(settings):
    """Views and visits written in batches, as production does (none due during the test)."""
    settings.COUNTS_FLUSH_SECONDS = 3600
    VIEWS.flush()
    VISITS.flush()
    yield
    VIEWS.flush()  # into the test's transaction, not at the process's exit
    VISITS.flush()


def _fast(response) -> bool:
    return bool(getattr(response.wsgi_request, "_portal_fast", False))


def _warm(url: str) -> None:
    """The slow path renders the page, keeps it, then serves it from the cache (remembered)."""
    for _ in range(3 if "?" in url else 2):
        Client(HTTP_USER_AGENT=BROWSER_UA).get(url)


def _per_request(content: bytes) -> bytes:
    """The page without what differs per request: the script nonce, the CSRF token, the
    article's views (this request's own among them)."""
    content = re.sub(rb'nonce="[^"]*"', b"", content)
    content = re.sub(rb'<span class="article-views">[0-9.]+</span>', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def _headers(response) -> dict[str, str]:
    headers = {
        k: v for k, v in response.items() if k not in ("Content-Security-Policy", "Content-Length")
    }
    policy = response.get("Content-Security-Policy", "")
    headers["Content-Security-Policy"] = re.sub(r"'nonce-[^']*'", "'nonce'", policy)
    return headers


def _cookies(response) -> dict[str, dict[str, str]]:
    """Each cookie set, by name: its attributes (not its value)."""
    return {
        name: {k: v for k, v in morsel.items() if k != "expires"}
        for name, morsel in response.cookies.items()
    }


@pytest.mark.parametrize("name", GUEST_PAGES)
def test_a_hit_is_what_the_slow_path_served_without_a_query(portal, trusted, batched, name):
    url = _guest_pages(portal)[name]
    _warm(url)
    slow = Client(HTTP_USER_AGENT=BROWSER_UA)
    # The slow path's hit for a new browser, as the fast path must give it (forced slow by an
    # address the fast path has not been told of yet).
    fastpath.forget()
    before = slow.get(url)
    assert not _fast(before) and before["X-Portal-Cache"] == "hit"
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    with CaptureQueriesContext(connection) as context:
        response = guest.get(url)
    assert _fast(response) and response.status_code == 200
    assert [q["sql"] for q in context.captured_queries if "SAVEPOINT" not in q["sql"]] == []
    assert _per_request(response.content) == _per_request(before.content)
    assert _headers(response) == _headers(before)
    assert _cookies(response) == _cookies(before)
    assert int(response["Content-Length"]) == len(response.content)
    html = response.content.decode()
    assert "@@" not in html and "\x00" not in response.get("Content-Security-Policy", "")
    for nonce in re.findall(r'nonce="([^"]+)"', html):
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_each_guest_gets_its_own_token_and_nonce_and_keeps_its_csrf_cookie(portal, trusted):
    url = portal["seed"].url
    _warm(url)
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    pages = [guest.get(url) for _ in range(2)]
    other = Client(HTTP_USER_AGENT=BROWSER_UA).get(url)
    assert all(_fast(page) for page in [*pages, other])
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', p.content.decode())[1]
        for p in [*pages, other]
    ]
    nonces = [re.search(r'<script nonce="([^"]+)">', p.content.decode())[1] for p in pages]
    assert len(set(tokens)) == 3 and nonces[0] != nonces[1]
    # The same browser keeps its secret (the cookie sent again with it, as Django does);
    # its form posts with a token of this page.
    assert pages[0].cookies["csrftoken"].value == pages[1].cookies["csrftoken"].value
    csrf = Client(HTTP_USER_AGENT=BROWSER_UA, enforce_csrf_checks=True)
    page = csrf.get(url)
    assert _fast(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    posted = csrf.post(
        f"/bai-viet/{portal['seed'].pk}/danh-gia/", {"score": "5", "csrfmiddlewaretoken": token}
    )
    assert posted.status_code == 302


def test_counters_stay_exact_robots_are_not_counted(portal, trusted):
    seed = portal["seed"]
    _warm(seed.url)
    views = ArticleStats.objects.get(article=seed).views
    visits = sum(DailyVisits.objects.values_list("visits", flat=True))
    browsers = [Client(HTTP_USER_AGENT=MOBILE_UA) for _ in range(6)]
    for browser in browsers:
        response = browser.get(seed.url)
        assert _fast(response)
    assert ArticleStats.objects.get(article=seed).views == views + 6
    assert sum(DailyVisits.objects.values_list("visits", flat=True)) == visits + 6
    # Each browser's own view is shown: this process's counters follow its own writes.
    assert f'<span class="article-views">{views + 6}</span>' in response.content.decode()
    # A browser's second reading is no new view (its "seen" cookie), nor a new visit.
    assert _fast(browsers[0].get(seed.url))
    assert ArticleStats.objects.get(article=seed).views == views + 6
    assert sum(DailyVisits.objects.values_list("visits", flat=True)) == visits + 6
    robot = Client(HTTP_USER_AGENT=GOOGLEBOT_UA)
    for _ in range(3):
        assert _fast(robot.get(seed.url))
    assert ArticleStats.objects.get(article=seed).views == views + 6


def test_batched_counts_stay_exact(portal, trusted, batched):
    seed = portal["seed"]
    _warm(seed.url)
    VIEWS.flush()
    VISITS.flush()
    views = ArticleStats.objects.get(article=seed).views
    visits = sum(DailyVisits.objects.values_list("visits", flat=True))
    shown = []
    for _ in range(8):
        response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
        assert _fast(response)
        shown.append(re.search(r'article-views">([\d.]+)<', response.content.decode())[1])
    assert shown == [str(views + n) for n in range(1, 9)]  # each with its own view
    assert (VIEWS.flush(), VISITS.flush()) == (8, 8)
    assert ArticleStats.objects.get(article=seed).views == views + 8
    assert sum(DailyVisits.objects.values_list("visits", flat=True)) == visits + 8


def test_members_posts_and_messages_take_the_slow_path(portal, trusted, django_user_model):
    seed = portal["seed"]
    _warm(seed.url)
    _warm("/")
    member = django_user_model.objects.create_user("hoivien", password="x" * 12)
    client = Client(HTTP_USER_AGENT=BROWSER_UA)
    client.force_login(member)
    response = client.get("/")
    assert not _fast(response) and "X-Portal-Cache" not in response
    assert "hoivien" in response.content.decode()
    guest = Client(HTTP_USER_AGENT=BROWSER_UA)
    posted = guest.post(f"/bai-viet/{seed.pk}/danh-gia/", {"score": "4"})
    assert posted.status_code == 302 and not _fast(posted)
    page = guest.get(seed.url)  # a message waiting
    assert not _fast(page) and "Cảm ơn bạn đã đánh giá" in page.content.decode()
    assert not _fast(Client(HTTP_USER_AGENT=BROWSER_UA).head(seed.url))


def test_query_strings_are_their_own_addresses(portal, trusted):
    _warm("/")
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    assert _fast(reader.get("/"))
    made_up = reader.get("/?r=1")
    assert not _fast(made_up) and made_up["X-Portal-Cache"] == "miss"
    search = _guest_pages(portal)["search"]
    _warm(search)
    kept = reader.get(search)
    assert _fast(kept) and 'value="Bằng khen"' in kept.content.decode()
    other = reader.get("/tim-kiem/?q=kh%E1%BB%9Fi+nghi%E1%BB%87p")
    assert not _fast(other) and 'value="khởi nghiệp"' in other.content.decode()


def test_publishing_editing_and_unpublishing_reach_the_fast_path_at_once(portal, trusted):
    seed, newer = portal["seed"], portal["newer"]
    for url in ("/", seed.url, "/rss/"):
        _warm(url)
        assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get(url))
    seed.title = "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI"
    seed.save_revision().publish()
    for url in ("/", seed.url, "/rss/"):
        response = Client(HTTP_USER_AGENT=BROWSER_UA).get(url)
        assert not _fast(response) and "TIÊU ĐỀ ĐÃ SỬA CỦA BÀI" in response.content.decode()
    _warm(newer.url)
    assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get(newer.url))
    newer_url = newer.url
    newer.unpublish()
    assert Client(HTTP_USER_AGENT=BROWSER_UA).get(newer_url).status_code == 404


def test_an_approved_comment_reaches_the_fast_path_at_once(portal, trusted, cms_editor):
    seed = portal["seed"]
    _warm(seed.url)
    Client(HTTP_USER_AGENT=BROWSER_UA).post(
        f"/bai-viet/{seed.pk}/binh-luan/", {"name": "Chị Lan", "body": "Bài viết rất hay."}
    )
    waiting = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert _fast(waiting) and "Bài viết rất hay." not in waiting.content.decode()
    comment = Comment.objects.get(body="Bài viết rất hay.")
    comments_moderate(actor=cms_editor, comment_ids=[comment.pk], approved=True)
    response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert not _fast(response) and "Bài viết rất hay." in response.content.decode()


def test_another_process_publishing_and_the_cache_emptied_reach_it(portal, trusted, settings):
    _warm("/rss/")
    assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/"))
    # Another process publishes (moves the row): seen once this process reads it again.
    PagesGeneration.objects.filter(pk=1).update(token=new_generation())
    assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/"))  # within the trusted time
    settings.PORTAL_GENERATION_SECONDS = 0
    assert not _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/"))
    settings.PORTAL_GENERATION_SECONDS = 60
    _warm("/rss/")
    assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/"))
    cache.clear()
    response = Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/")
    assert not _fast(response) and response["X-Portal-Cache"] == "miss"


def test_a_view_restriction_anywhere_stops_it_once_the_sites_are_read(portal, trusted, settings):
    seed = portal["seed"]
    _warm(seed.url)
    assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url))
    PageViewRestriction.objects.create(page=seed, restriction_type=PageViewRestriction.LOGIN)
    settings.PORTAL_STATE_SECONDS = 0  # the sites' state read again
    response = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url)
    assert not _fast(response) and response.status_code == 302  # to the sign-in page


def test_an_invalidation_on_another_server_reaches_it_through_the_shared_cache(
    portal, trusted, redis_url, settings
):
    from config.settings import shared_cache
    from phongtrao.tests.servers import app_server

    previous = settings.CACHES
    settings.CACHES = shared_cache(redis_url)
    try:
        _warm("/rss/")
        assert _fast(Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/"))
        with app_server(redis_url) as another:
            another.run(
                "from phongtrao.portal.pagecache import pages_invalidate; pages_invalidate()"
            )
        response = Client(HTTP_USER_AGENT=BROWSER_UA).get("/rss/")
        assert not _fast(response) and response["X-Portal-Cache"] == "miss"
    finally:
        settings.CACHES = previous


def _views_written(article) -> int:
    stats = ArticleStats.objects.filter(article=article).first()
    return stats.views if stats else 0


def _through_handler(handler, request_factory_request):
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers

    result = handler(request_factory_request.environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return got["status"], got["headers"], body


def test_the_wsgi_handler_answers_a_hit_before_django_s_signals(portal, trusted, batched, settings):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import RequestFactory

    from phongtrao.portal.fastpath import GuestHitsHandler

    url = portal["seed"].url
    _warm(url)
    through_client = Client(HTTP_USER_AGENT=BROWSER_UA).get(url)
    assert _fast(through_client)
    handler = GuestHitsHandler()
    started = []

    def receiver(**kwargs):
        started.append(kwargs)

    # As Django's test client does: the test's transaction is no stale connection to close.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(receiver)
    try:
        factory = RequestFactory(HTTP_USER_AGENT=BROWSER_UA)
        with CaptureQueriesContext(connection) as context:
            status, headers, body = _through_handler(handler, factory.get(url))
        assert status == "200 OK" and started == [] and context.captured_queries == []
        assert _per_request(body) == _per_request(through_client.content)
        names = sorted(name for name, _ in headers)
        assert names == sorted([*through_client.headers, *["Set-Cookie"] * 3])
        # Anything else goes Django's way, signals and all: a POST (refused: no CSRF cookie),
        # an address not kept.
        status, _, _ = _through_handler(
            handler, factory.post(f"/bai-viet/{portal['seed'].pk}/danh-gia/", {"score": "3"})
        )
        assert status.startswith("403") and len(started) == 1
        status, headers, _ = _through_handler(handler, factory.get("/?r=9"))
        assert status == "200 OK" and ("X-Portal-Cache", "miss") in headers and len(started) == 2
        # Once a batch is due, the hit that finds it so writes it when the server closes it.
        seed = portal["seed"]
        written, held = _views_written(seed), VIEWS.pending(seed.pk)
        assert held >= 1
        settings.COUNTS_FLUSH_SECONDS = 0.001
        time.sleep(0.01)
        status, headers, _ = _through_handler(handler, factory.get(url))
        assert ("X-Portal-Cache", "hit") in headers and len(started) == 2
        assert _views_written(seed) == written + held + 1
        assert VIEWS.pending(seed.pk) == 0
    finally:
        request_started.disconnect(receiver)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_csrf_token_is_django_s_for_the_browser_s_secret(rf):
    """pagecache.csrf_token draws its randomness at once; the token is Django's all the same:
    a new secret for a new browser, the browser's own otherwise, masked afresh each time."""
    from collections import Counter

    from django.middleware.csrf import (  # type: ignore[attr-defined]
        CSRF_ALLOWED_CHARS,
        _check_token_format,
        _unmask_cipher_token,
        get_token,
    )

    from phongtrao.portal.pagecache import csrf_token

    request = rf.get("/")
    token = csrf_token(request)
    _check_token_format(token)
    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == 32 and request.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert _unmask_cipher_token(token) == secret
    again = csrf_token(request)
    assert again != token and _unmask_cipher_token(again) == secret
    assert _unmask_cipher_token(get_token(request)) == secret
    drawn = Counter("".join(csrf_token(rf.get("/")) for _ in range(2000)))
    assert set(drawn) == set(CSRF_ALLOWED_CHARS)
    assert max(drawn.values()) < 1.3 * min(drawn.values())  # 2,000 x 64 / 62: about 2,064 each
