"""Counting visits: the 30-minute window per browser, robots, members, "đang truy cập"."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db.models import Sum
from django.utils import timezone

from phongtrao.portal.traffic import services
from phongtrao.portal.traffic.bots import is_bot
from phongtrao.portal.traffic.middleware import VISITOR_COOKIE
from phongtrao.portal.traffic.models import (
    DailyVisits,
    OnlineMinute,
    Presence,
    VisitorKind,
    minute_of,
)
from phongtrao.portal.traffic.selectors import traffic_stats_compute
from phongtrao.portal.traffic.services import presence_prune, visit_record, visits_record
from phongtrao.portal.traffic.tests.minutes import minutes_kept, minutes_of_presence

pytestmark = [pytest.mark.django_db, pytest.mark.urls("phongtrao.portal.traffic.tests.urls")]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def visits() -> int:
    return DailyVisits.objects.aggregate(n=Sum("visits"))["n"] or 0


def test_a_browser_counts_once_per_window():
    start = timezone.now()
    assert visit_record(key="vA", kind=VisitorKind.GUEST, at=start)
    assert not visit_record(key="vA", kind=VisitorKind.GUEST, at=start + timedelta(minutes=10))
    assert not visit_record(key="vA", kind=VisitorKind.GUEST, at=start + timedelta(minutes=29))
    assert visit_record(key="vA", kind=VisitorKind.GUEST, at=start + timedelta(minutes=31))
    assert visit_record(key="vB", kind=VisitorKind.GUEST, at=start + timedelta(minutes=31))
    assert visits() == 3
    assert Presence.objects.get(key="vA").last_seen == start + timedelta(minutes=31)


def test_a_batch_counts_as_its_visits_one_by_one_would():
    """visits_record (the batched path) against visit_record's rules, in a few statements."""
    start = timezone.now()
    assert visit_record(key="vKnown", kind=VisitorKind.GUEST, at=start)
    assert visit_record(key="vStale", kind=VisitorKind.GUEST, at=start - timedelta(minutes=40))
    soon = start + timedelta(minutes=5)
    batch = [
        ("vNew", VisitorKind.GUEST, soon),
        ("vKnown", VisitorKind.MEMBER, soon),  # within its window: not counted, seen, a member
        ("vStale", VisitorKind.GUEST, soon),  # its visit is older than the window: counted
        ("vNew", VisitorKind.GUEST, soon + timedelta(seconds=1)),  # twice: once
        ("bRobot", VisitorKind.BOT, soon),
    ]
    assert visits_record(visits=batch) == 3
    assert visits() == 2 + 3
    known = Presence.objects.get(key="vKnown")
    assert (known.kind, known.last_seen, known.counted_at) == (VisitorKind.MEMBER, soon, start)
    assert Presence.objects.get(key="vStale").counted_at == soon
    assert Presence.objects.get(key="vNew").last_seen == soon + timedelta(seconds=1)
    assert visits_record(visits=batch) == 0  # the same batch again: all within their window
    assert visits() == 5
    assert visits_record(visits=[]) == 0


def test_first_page_counts_without_creating_a_session(client):
    response = client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    assert visits() == 1
    assert VISITOR_COOKIE in response.cookies
    assert response.cookies[VISITOR_COOKIE]["httponly"]
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0
    # The same browser reading more pages: no new visit, no database write within a minute.
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert visits() == 1
    assert Presence.objects.get().kind == VisitorKind.GUEST
    # Another browser (no cookie) is another visit.
    client.cookies.clear()
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert visits() == 2


def test_a_tampered_cookie_is_a_new_visitor(client):
    client.cookies[VISITOR_COOKIE] = "x' OR 1=1 --"
    response = client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert visits() == 1
    assert response.cookies[VISITOR_COOKIE].value != "x' OR 1=1 --"


def test_robots_are_known_by_user_agent_and_address(client):
    for _ in range(3):
        client.get("/trang-thu/", HTTP_USER_AGENT=GOOGLEBOT, REMOTE_ADDR="66.249.66.1")
    client.get("/trang-thu/", HTTP_USER_AGENT=GOOGLEBOT, REMOTE_ADDR="66.249.66.2")
    assert visits() == 2
    assert set(Presence.objects.values_list("kind", flat=True)) == {VisitorKind.BOT}
    stats = traffic_stats_compute()
    assert (stats.online_bots, stats.online_guests, stats.online) == (2, 0, 2)


@pytest.mark.parametrize(
    ("user_agent", "bot"),
    [
        (GOOGLEBOT, True),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", True),
        ("Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)", True),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
        ("curl/8.5.0", True),
        ("python-requests/2.32", True),
        ("", True),
        (BROWSER, False),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            False,
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "coc_coc_browser/120.0 Chrome/120.0 Safari/537.36",
            False,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36 "
            "Zalo android/12345 ZaloTheme/light",
            False,
        ),
    ],
)
def test_is_bot(user_agent, bot):
    assert is_bot(user_agent) is bot


def test_members_are_counted_as_members(client, province_officer):
    client.force_login(province_officer)
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert Presence.objects.get().kind == VisitorKind.MEMBER
    stats = traffic_stats_compute()
    assert (stats.online_members, stats.online_guests) == (1, 0)


def test_signing_in_turns_a_guest_into_a_member_without_a_new_visit(client, province_officer):
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    client.force_login(province_officer)
    client.get("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert Presence.objects.get().kind == VisitorKind.MEMBER
    assert visits() == 1


def test_online_means_seen_in_the_last_five_minutes():
    now = timezone.now()
    visit_record(key="vOld", kind=VisitorKind.GUEST, at=now - timedelta(minutes=6))
    visit_record(key="vNew", kind=VisitorKind.GUEST, at=now - timedelta(minutes=4))
    visit_record(key="bOne", kind=VisitorKind.BOT, at=now - timedelta(seconds=5))
    stats = traffic_stats_compute(at=now)
    assert (stats.online, stats.online_guests, stats.online_bots) == (2, 1, 1)
    # Pruning forgets only visitors older than the visit window.
    assert presence_prune(before=now - timedelta(minutes=5)) == 1
    assert traffic_stats_compute(at=now).online == 2


def test_the_minutes_figures_count_each_visitor_in_the_minute_it_was_last_seen(monkeypatch):
    """Whatever the visits' order, batches and kinds (a guest signing in, a visit older than
    the visitor's last one), the kept figures are those of the presence rows, and "đang truy
    cập" is the range count of recent visitors it replaced, to the minute."""
    monkeypatch.setattr(services, "VISITS_PER_STATEMENT", 4)  # batches of several statements
    rng = random.Random(21)
    # Times ahead of now: the batches' random pruning (visitors idle 30 minutes) never
    # reaches them.
    start = minute_of(timezone.now()) + timedelta(minutes=1)
    keys = [f"v{i:03d}" for i in range(40)] + ["bRobot"]
    clock = 0.0
    for turn in range(60):
        batch = []
        for _ in range(rng.randint(1, 12)):
            clock += rng.uniform(0, 40)
            key = rng.choice(keys)
            kind = (
                VisitorKind.BOT
                if key[0] == "b"
                else rng.choice([VisitorKind.GUEST, VisitorKind.MEMBER])
            )
            at = start + timedelta(seconds=clock - rng.uniform(0, 200))  # some arrive late
            batch.append((key, kind, at))
        if turn % 5 == 0:
            for key, kind, at in batch:
                visit_record(key=key, kind=kind, at=at)
        else:
            rng.shuffle(batch)
            visits_record(visits=batch)
        assert minutes_kept() == minutes_of_presence()
        now = start + timedelta(seconds=clock)
        recent = Counter(
            Presence.objects.filter(
                last_seen__gte=minute_of(now - timedelta(minutes=5))
            ).values_list("kind", flat=True)
        )
        stats = traffic_stats_compute(at=now)
        assert (stats.online_bots, stats.online_guests, stats.online_members) == (
            recent[VisitorKind.BOT],
            recent[VisitorKind.GUEST],
            recent[VisitorKind.MEMBER],
        )
    assert stats.online > 0
    # Pruning forgets the minutes whose visitors it forgot, and keeps the later ones right.
    before = start + timedelta(seconds=clock / 2)
    presence_prune(before=before)
    assert all(minute >= minute_of(before) for minute, _ in minutes_kept())
    later = {key: n for key, n in minutes_of_presence().items() if key[0] > minute_of(before)}
    assert {key: n for key, n in minutes_kept().items() if key[0] > minute_of(before)} == later


def test_the_online_figure_reads_a_few_rows_whatever_the_visitors(django_assert_num_queries):
    now = timezone.now()
    visits_record(visits=[(f"v{i:05d}", VisitorKind.GUEST, now) for i in range(1200)])
    assert OnlineMinute.objects.count() == 1
    with django_assert_num_queries(2):
        assert traffic_stats_compute(at=now).online_guests == 1200


def test_today_month_and_total():
    today = timezone.localdate()
    first = today.replace(day=1)
    rows = [
        (today, 0, 5),
        (today, 3, 2),
        (first - timedelta(days=1), 0, 100),  # last month
        (date(2020, 1, 1), 1, 1000),
    ]
    if today.day > 1:
        rows.append((first, 0, 10))  # earlier this month
    DailyVisits.objects.bulk_create(DailyVisits(day=d, shard=s, visits=v) for d, s, v in rows)
    stats = traffic_stats_compute()
    assert stats.today == 7
    assert stats.month == (17 if today.day > 1 else 7)
    assert stats.total == sum(v for _, _, v in rows)


@pytest.mark.parametrize(
    "path", ["/admin/login/", "/dang-nhap/", "/khong-co-trang-nay/", "/lien-ket/999/"]
)
def test_pages_outside_the_portal_are_not_counted(client, path):
    client.get(path, HTTP_USER_AGENT=BROWSER)
    assert visits() == 0


def test_a_post_is_not_a_visit(client):
    client.post("/trang-thu/", HTTP_USER_AGENT=BROWSER)
    assert visits() == 0
