"""Editors moderate comments from the CMS's list and manage banners and links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from phongtrao.actors import SYSTEM
from phongtrao.portal.models import ArticleStats, Comment
from phongtrao.portal.selectors import comments_waiting_count
from phongtrao.portal.traffic.models import Link

pytestmark = pytest.mark.django_db
LIST = "/cms/snippets/portal/comment/"


def _comments(article):
    now = timezone.now()
    made = {}
    for n, (name, approved, rejected) in enumerate(
        [
            ("Đã duyệt", True, False),
            ("Chờ một", False, False),
            ("Bị từ chối", False, True),
            ("Chờ hai", False, False),
        ]
    ):
        made[name] = Comment.objects.create(
            article=article,
            name=name,
            body=f"Ý kiến {n}",
            approved=approved,
            rejected=rejected,
            created_at=now - dt.timedelta(hours=10 - n),
        )
    return made


def _signed_in(user, csrf=False):
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def test_the_list_shows_the_waiting_ones_first_with_their_buttons(portal, cms_editor):
    _comments(portal["seed"])
    page = _signed_in(cms_editor).get(LIST).content.decode()
    names = ["Chờ hai", "Chờ một", "Bị từ chối", "Đã duyệt"]
    positions = [page.index(f">{name}<") for name in names]
    assert positions[:2] == sorted(positions[:2]) and max(positions[:2]) < min(positions[2:])
    assert page.count("Chờ duyệt") >= 2 and "Đã từ chối" in page and "Đã duyệt" in page
    assert page.count('value="approve"') == 3 and page.count('value="reject"') == 3
    assert ">False<" not in page and ">True<" not in page


def test_an_editor_approves_one_from_the_list(portal, cms_editor):
    comment = _comments(portal["seed"])["Chờ một"]
    client = _signed_in(cms_editor, csrf=True)
    url = f"/cms/binh-luan/{comment.pk}/kiem-duyet/"
    # The row's own form carries the CSRF token.
    listing = client.get(LIST).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing.split(url)[1])
    assert token is not None
    data = {"decision": "approve", "next": LIST + "?p=1", "csrfmiddlewaretoken": token[1]}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == LIST + "?p=1"
    comment.refresh_from_db()
    assert comment.approved and not comment.rejected
    assert ArticleStats.objects.get(article=portal["seed"]).comment_count == 2
    entry = ModelLogEntry.objects.get(object_id=str(comment.pk))
    assert entry.action == "portal.comment.approve" and entry.user == cms_editor
    assert "Đã duyệt bình luận" in client.get(f"{LIST}history/{comment.pk}/").content.decode()
    assert comments_waiting_count() == 1


def test_a_turned_down_comment_stops_waiting_and_stays_hidden(portal, cms_editor):
    comment = _comments(portal["seed"])["Chờ hai"]
    _signed_in(cms_editor).post(
        f"/cms/binh-luan/{comment.pk}/kiem-duyet/", {"decision": "reject", "next": "http://x.test/"}
    )
    comment.refresh_from_db()
    assert comment.rejected and not comment.approved and comment.status_label == "Đã từ chối"
    assert comments_waiting_count() == 1
    assert "Ý kiến 3" not in Client().get(portal["seed"].url).content.decode()


def test_someone_without_the_right_cannot_moderate(portal, django_user_model):
    comment = _comments(portal["seed"])["Chờ một"]
    url = f"/cms/binh-luan/{comment.pk}/kiem-duyet/"
    assert Client().post(url, {"decision": "approve"}).status_code == 302  # to sign in
    reader = django_user_model.objects.create_user("ban_doc", password="x" * 12)
    _signed_in(reader).post(url, {"decision": "approve"})
    comment.refresh_from_db()
    assert comment.waiting
    assert not ModelLogEntry.objects.exists()


def test_a_bad_decision_changes_nothing(portal, cms_editor):
    comment = _comments(portal["seed"])["Chờ một"]
    response = _signed_in(cms_editor).post(
        f"/cms/binh-luan/{comment.pk}/kiem-duyet/", {"decision": "xoa"}
    )
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.waiting


def test_the_dashboard_says_how_many_wait(portal, cms_editor):
    client = _signed_in(cms_editor)
    assert "Không có bình luận nào đang chờ duyệt" in client.get("/cms/").content.decode()
    _comments(portal["seed"])
    page = client.get("/cms/").content.decode()
    assert "<strong>2</strong> bình luận của bạn đọc đang chờ duyệt" in page
    assert "Chờ hai" in page and "Đã duyệt</strong>" not in page


def test_an_editor_adds_a_banner(portal, cms_editor):
    client = _signed_in(cms_editor)
    response = client.post(
        "/cms/snippets/traffic/link/add/",
        {
            "title": "Cổng thông tin Hội LHPN Việt Nam",
            "url": "https://hoilhpn.org.vn/",
            "placement": "banner",
            "sort_order": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Link.objects.get().placement == "banner"
    assert "Cổng thông tin Hội LHPN Việt Nam" in Client().get("/").content.decode()


def test_a_guest_comment_mails_the_editors_from_the_queue(portal, small_tree, smtp_server):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from phongtrao.accounts.models import Role
    from phongtrao.accounts.services import membership_set
    from phongtrao.jobs.worker import tasks_run_pending
    from phongtrao.portal.services import comment_post

    editor = get_user_model().objects.create_user(
        "bientap", email="bientap@hoiphunu.example.vn", password="x" * 12
    )
    membership_set(
        actor=SYSTEM,
        user=editor,
        unit=small_tree["province"],
        roles={Role.VIEW, Role.EDITOR},
    )
    comment_post(
        article=portal["seed"],
        name="Chị Lan",
        body="Chúc mừng Hội!",
        user=AnonymousUser(),
        sender="s:test",
    )
    assert smtp_server.messages == []
    tasks_run_pending()
    [mail] = smtp_server.messages
    assert mail["To"] == "bientap@hoiphunu.example.vn"
    text = mail.get_payload(decode=True).decode()
    assert "Chị Lan: Chúc mừng Hội!" in text and "/cms/" in text
