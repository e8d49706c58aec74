"""Comments: guests' held for moderation, text only, length and rate limits, CSRF."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from phongtrao.portal.models import ArticleStats, Comment
from phongtrao.portal.services import comments_moderate

from .site import BROWSER_UA

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _comment(client, article, body, name="Nguyễn Thị Lan", **extra):
    return client.post(f"/bai-viet/{article.pk}/binh-luan/", {"name": name, "body": body}, **extra)


def _count(article):
    stats = ArticleStats.objects.filter(article=article).first()
    return stats.comment_count if stats else 0


def test_a_guests_comment_waits_for_an_editor(portal, cms_editor):
    seed = portal["seed"]
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    response = _comment(reader, seed, "Chúc mừng Hội LHPN tỉnh!")
    assert response.status_code == 302
    page = reader.get(seed.url).content.decode()
    assert "đang chờ duyệt" in page
    assert "Chúc mừng Hội LHPN tỉnh!" not in page
    assert _count(seed) == 0
    comment = Comment.objects.get()
    assert not comment.approved and comment.ip_address == "127.0.0.1"

    comments_moderate(actor=cms_editor, comment_ids=[comment.pk], approved=True)
    page = Client(HTTP_USER_AGENT=BROWSER_UA).get(seed.url).content.decode()
    assert "Chúc mừng Hội LHPN tỉnh!" in page
    assert 'class="article-comments">1<' in page
    assert _count(seed) == 1
    comments_moderate(actor=cms_editor, comment_ids=[comment.pk], approved=False)  # turned down
    assert _count(seed) == 0
    assert "Chúc mừng" not in Client().get(seed.url).content.decode()


def test_no_html_gets_through(portal, cms_editor):
    seed = portal["seed"]
    body = '<script>alert("x")</script><b>Rất</b> <a href="http://x">hay</a>\n\n\n\nCảm ơn'
    response = _comment(Client(), seed, body, name="<i>Lan</i>", **JSON)
    assert response.status_code == 200 and response.json()["held"]
    comment = Comment.objects.get()
    assert comment.body == 'alert("x")Rất hay\n\nCảm ơn'
    assert comment.name == "Lan"
    comments_moderate(actor=cms_editor, comment_ids=[comment.pk], approved=True)
    page = Client().get(seed.url).content.decode()
    assert "<script>alert" not in page and "<b>Rất</b>" not in page
    assert "alert(&quot;x&quot;)Rất hay<br><br>Cảm ơn" in page


def test_too_long_or_empty_comments_are_refused(portal):
    seed = portal["seed"]
    too_long = _comment(Client(), seed, "a" * 2001, **JSON)
    assert too_long.status_code == 400
    assert "2.000 ký tự" in too_long.json()["message"]
    empty = _comment(Client(), seed, "<p> </p>", **JSON)
    assert empty.status_code == 400
    assert empty.json()["message"] == "Vui lòng nhập nội dung bình luận."
    nameless = _comment(Client(), seed, "Hay", name="", **JSON)
    assert nameless.json()["message"] == "Vui lòng nhập họ và tên."
    assert not Comment.objects.exists()


def test_three_comments_per_ten_minutes(portal):
    seed = portal["seed"]
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    for n in range(3):
        assert _comment(reader, seed, f"Ý kiến {n}", **JSON).status_code == 200
    fourth = _comment(reader, seed, "Ý kiến 4", **JSON)
    assert fourth.status_code == 400
    assert "3 bình luận trong 10 phút" in fourth.json()["message"]
    # Another browser from the same address is limited too (by IP).
    assert _comment(Client(), seed, "Ý kiến 5", **JSON).status_code == 400
    assert Comment.objects.count() == 3


def test_members_comments_follow_the_setting(portal):
    seed = portal["seed"]
    get_user_model().objects.create_user("hoivien", password="x", first_name="Lan")
    member = Client()
    member.login(username="hoivien", password="x")
    shown = _comment(member, seed, "Của hội viên", name="", **JSON)
    assert shown.json() == {"ok": True, "held": False, "message": "Bình luận của bạn đã được đăng."}
    assert Comment.objects.get().name == "Lan"
    assert _count(seed) == 1
    with override_settings(PORTAL_MEMBER_COMMENTS_APPROVED=False):
        held = _comment(member, seed, "Chờ duyệt", **JSON)
    assert held.json()["held"]
    assert _count(seed) == 1


def test_comments_need_csrf(portal):
    strict = Client(enforce_csrf_checks=True)
    assert _comment(strict, portal["seed"], "Hay", **JSON).status_code == 403
    assert not Comment.objects.exists()


def test_editors_approve_in_the_wagtail_admin(portal):
    seed = portal["seed"]
    _comment(Client(), seed, "Xin chúc mừng", **JSON)
    comment = Comment.objects.get()
    admin = get_user_model().objects.create_superuser("bientap", password="x")
    editor = Client()
    editor.force_login(admin)
    listing = editor.get("/cms/snippets/portal/comment/")
    assert listing.status_code == 200 and "Xin chúc mừng" in listing.content.decode()
    response = editor.post(
        f"/cms/snippets/portal/comment/edit/{comment.pk}/",
        {"approved": "on", "name": comment.name, "body": comment.body},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Comment.objects.get().approved
    assert _count(seed) == 1
    assert "Xin chúc mừng" in Client().get(seed.url).content.decode()


def test_editors_approve_many_at_once(portal):
    seed = portal["seed"]
    for n in range(2):
        _comment(Client(REMOTE_ADDR=f"10.0.0.{n}"), seed, f"Ý kiến {n}", **JSON)
    ids = list(Comment.objects.values_list("pk", flat=True))
    editor = Client()
    editor.force_login(get_user_model().objects.create_superuser("bientap", password="x"))
    url = "/cms/bulk/portal/comment/approve/?" + "&".join(f"id={pk}" for pk in ids)
    confirm = editor.get(url)
    assert (
        confirm.status_code == 200 and "Duyệt và hiển thị 2 bình luận" in confirm.content.decode()
    )
    assert editor.post(url).status_code == 302
    assert _count(seed) == 2 and Comment.objects.filter(approved=True).count() == 2
    withdraw = "/cms/bulk/portal/comment/withdraw/?" + "&".join(f"id={pk}" for pk in ids[:1])
    editor.post(withdraw)
    assert _count(seed) == 1
