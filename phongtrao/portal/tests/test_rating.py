"""Rating 1-5: one per browser session or member, JSON for fetch(), a redirect without JS."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client

from phongtrao.portal.models import ArticleStats, Rating
from phongtrao.portal.services import AlreadyRated, rating_add

from .site import BROWSER_UA

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _rate(client, article, score, **extra):
    return client.post(f"/bai-viet/{article.pk}/danh-gia/", {"score": score}, **extra)


def test_a_mark_updates_the_text_and_a_second_one_is_refused(portal):
    seed = portal["seed"]
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    first = _rate(reader, seed, 4, **JSON)
    assert first.status_code == 200
    assert first.json()["text"] == "Tổng số điểm của bài viết là: 4 trong 1 đánh giá"
    again = _rate(reader, seed, 5, **JSON)
    assert again.status_code == 409
    assert again.json()["message"] == "Bạn đã đánh giá bài viết này rồi."
    assert again.json()["text"] == "Tổng số điểm của bài viết là: 4 trong 1 đánh giá"
    other = _rate(Client(HTTP_USER_AGENT=BROWSER_UA), seed, 5, **JSON)
    assert other.json()["text"] == "Tổng số điểm của bài viết là: 9 trong 2 đánh giá"
    page = reader.get(seed.url).content.decode()
    assert "Tổng số điểm của bài viết là: 9 trong 2 đánh giá" in page


@pytest.mark.parametrize("score", ["0", "6", "abc", "", "-1", "3.5"])
def test_marks_outside_one_to_five_are_refused(portal, score):
    seed = portal["seed"]
    response = _rate(Client(), seed, score, **JSON)
    assert response.status_code == 400
    assert response.json()["message"] == "Điểm đánh giá phải từ 1 đến 5."
    assert not Rating.objects.exists()


def test_a_plain_form_without_javascript_redirects_back(portal):
    seed = portal["seed"]
    reader = Client(HTTP_USER_AGENT=BROWSER_UA)
    response = _rate(reader, seed, 3)
    assert response.status_code == 302
    assert response["Location"] == f"{seed.url}#danh-gia"
    page = reader.get(response["Location"].split("#")[0]).content.decode()
    assert "Cảm ơn bạn đã đánh giá bài viết." in page
    assert "Tổng số điểm của bài viết là: 3 trong 1 đánh giá" in page


def test_a_member_marks_once_whatever_the_browser(portal):
    seed = portal["seed"]
    get_user_model().objects.create_user("hoivien", password="mat-khau-dai-123")
    phone, laptop = Client(), Client()
    phone.login(username="hoivien", password="mat-khau-dai-123")
    laptop.login(username="hoivien", password="mat-khau-dai-123")
    assert _rate(phone, seed, 5, **JSON).status_code == 200
    assert _rate(laptop, seed, 1, **JSON).status_code == 409
    assert list(Rating.objects.values_list("voter", "score")) == [
        (f"u:{get_user_model().objects.get().pk}", 5)
    ]


def test_the_database_holds_one_mark_per_voter(portal):
    seed = portal["seed"]
    rating_add(article=seed, voter="s:abc", score=2)
    with pytest.raises(AlreadyRated):
        rating_add(article=seed, voter="s:abc", score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(article=seed, voter="s:abc", score=5)
    stats = ArticleStats.objects.get(article=seed)
    assert (stats.rating_total, stats.rating_count) == (2, 1)


def test_drafts_cannot_be_rated(portal):
    seed = portal["seed"]
    seed.unpublish()
    assert _rate(Client(), seed, 5, **JSON).status_code == 404


def test_rating_needs_post_and_csrf(portal):
    seed = portal["seed"]
    assert Client().get(f"/bai-viet/{seed.pk}/danh-gia/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert _rate(strict, seed, 5, **JSON).status_code == 403
