"""The link counter: redirects, counts once per browser, never robots."""

from __future__ import annotations

import pytest

from phongtrao.portal.traffic.models import Link
from phongtrao.portal.traffic.views import LINKS_COOKIE

pytestmark = pytest.mark.django_db
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0"


@pytest.fixture
def link():
    return Link.objects.create(title="Hội LHPN Việt Nam", url="https://hoilhpn.org.vn/")


def clicks(link):
    link.refresh_from_db()
    return link.clicks


def test_a_click_redirects_and_counts_once_per_browser(client, link):
    response = client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "https://hoilhpn.org.vn/"
    assert response.cookies[LINKS_COOKIE].value == str(link.pk)
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert clicks(link) == 1
    client.cookies.clear()  # another browser
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert clicks(link) == 2


def test_the_cookie_remembers_several_links(client, link):
    other = Link.objects.create(title="Báo Phụ nữ", url="https://phunuvietnam.vn/")
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    response = client.get(f"/lien-ket/{other.pk}/", HTTP_USER_AGENT=BROWSER)
    assert response.cookies[LINKS_COOKIE].value == f"{link.pk}.{other.pk}"
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert (clicks(link), clicks(other)) == (1, 1)


def test_robots_previews_and_bad_cookies(client, link):
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT="Googlebot/2.1")
    client.head(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert clicks(link) == 0
    client.cookies[LINKS_COOKIE] = "<script>"
    client.get(f"/lien-ket/{link.pk}/", HTTP_USER_AGENT=BROWSER)
    assert clicks(link) == 1


def test_inactive_or_missing_links_are_not_found(client, link):
    link.active = False
    link.save()
    assert client.get(f"/lien-ket/{link.pk}/").status_code == 404
    assert client.get("/lien-ket/999999/").status_code == 404
    assert client.post(f"/lien-ket/{link.pk}/").status_code == 405
    assert clicks(link) == 0
