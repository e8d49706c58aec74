"""The portal's own 404 and 500 pages, in Vietnamese, with its header and search."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from phongtrao.portal.views import server_error

pytestmark = pytest.mark.django_db


def test_a_mistyped_portal_address_gets_the_portals_404(portal, settings):
    settings.DEBUG = False

    response = Client().get("/tin-tuc-su-kien/bang-khen-cu/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html and 'class="site-header"' in html
    assert 'name="q" value="tin tuc su kien bang khen cu"' in html
    assert 'aria-label="Chuyên mục"' in html  # the portal's menu
    assert "Về trang nhập liệu" not in html


def test_the_officers_side_keeps_its_own_404(client, portal, settings, django_user_model):
    settings.DEBUG = False
    client.force_login(django_user_model.objects.create_user("xa_404", password="x"))

    response = client.get("/nhap-lieu/khong-co/")

    assert response.status_code == 404
    assert "Về trang nhập liệu" in response.content.decode()


def test_the_500_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Hệ thống đang gặp sự cố" in html and 'action="/tim-kiem/"' in html
