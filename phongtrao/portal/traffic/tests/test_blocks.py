"""The side blocks: figures as Vietnamese officials write them, cached, few queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from phongtrao.portal.traffic.demo import traffic_demo_load
from phongtrao.portal.traffic.models import DailyVisits, Link, LinkPlacement, VisitorKind
from phongtrao.portal.traffic.selectors import traffic_stats
from phongtrao.portal.traffic.services import visit_record

pytestmark = pytest.mark.django_db


def anonymous_request():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return request


def test_the_block_shows_the_figures_with_vietnamese_separators():
    DailyVisits.objects.create(day=timezone.localdate(), shard=0, visits=1_257_142)
    visit_record(key="bX", kind=VisitorKind.BOT)
    visit_record(key="vY", kind=VisitorKind.GUEST)
    html = render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    for text in (
        "Thống kê truy cập",
        "Đang truy cập",
        "Máy chủ tìm kiếm",
        "Khách viếng thăm",
        "Thành viên",
        "Hôm nay",
        "Tháng hiện tại",
        "Tổng lượt truy cập",
        "1.257.144",
    ):
        assert text in html, text


def test_the_stats_cost_two_queries_cold_and_none_warm(django_assert_num_queries):
    visit_record(key="vY", kind=VisitorKind.GUEST)
    with django_assert_num_queries(2):
        cold = traffic_stats()
    visit_record(key="vZ", kind=VisitorKind.GUEST)
    with django_assert_num_queries(0):
        warm = traffic_stats()
    assert cold == warm  # served from the cache for a few seconds
    render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    with django_assert_num_queries(0):  # the whole sidebar, once warm
        render_to_string("traffic/sidebar.html", {"request": anonymous_request()})


def test_the_sidebar_costs_three_queries_cold(django_assert_num_queries):
    Link.objects.create(title="Báo Phụ nữ", url="https://phunuvietnam.vn/")
    with django_assert_num_queries(3):  # visits, online, links
        html = render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    assert "Báo Phụ nữ" in html


def test_links_show_in_order_open_in_a_new_tab_and_hide_when_inactive():
    Link.objects.create(title="Thứ hai", url="https://b.example/", sort_order=2)
    Link.objects.create(title="Thứ nhất", url="https://a.example/", sort_order=1)
    Link.objects.create(title="Đã ẩn", url="https://c.example/", active=False)
    banner = Link.objects.create(
        title="Banner lớn", url="https://d.example/", placement=LinkPlacement.BANNER
    )
    html = render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    assert html.index("Thứ nhất") < html.index("Thứ hai")
    assert "Đã ẩn" not in html
    assert f'href="/lien-ket/{banner.pk}/" target="_blank" rel="noopener"' in html
    assert "https://d.example/" not in html  # the click goes through the counter


def test_demo_links_have_images_and_load_once():
    assert traffic_demo_load() == 4
    assert traffic_demo_load() == 0
    assert Link.objects.count() == 4
    assert all(link.image is not None for link in Link.objects.all())
    html = render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    assert 'alt="Hội LHPN Việt Nam"' in html
    assert "Cổng thông tin tỉnh" in html
    assert html.count("<img") == 4


def test_the_session_notice_is_for_signed_in_users_only(province_officer, client):
    assert (
        render_to_string("traffic/session_notice.html", {"request": anonymous_request()}).strip()
        == ""
    )
    client.force_login(province_officer)
    response = client.get("/nhap-lieu/")
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Bạn đã không sử dụng Site, Bấm vào đây để duy trì trạng thái đăng nhập." in html
    assert 'data-warning="60"' in html


def test_editing_a_link_in_the_cms_refreshes_the_sidebar(client, django_user_model):
    link = Link.objects.create(title="Tên cũ", url="https://a.example/")
    assert "Tên cũ" in render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    editor = django_user_model.objects.create_superuser("bien_tap", password="x")
    client.force_login(editor)
    response = client.post(
        f"/cms/snippets/traffic/link/edit/{link.pk}/",
        {
            "title": "Tên mới",
            "url": "https://a.example/",
            "placement": LinkPlacement.LINK,
            "sort_order": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = render_to_string("traffic/sidebar.html", {"request": anonymous_request()})
    assert "Tên mới" in html and "Tên cũ" not in html


def test_the_article_page_carries_the_blocks_and_the_bar_for_members(
    client, portal, province_officer
):
    path = portal["seed"].get_url()
    html = client.get(path).content.decode()
    assert "Thống kê truy cập" in html
    assert "session-notice" not in html
    client.force_login(province_officer)
    html = client.get(path).content.decode()
    assert 'id="session-notice"' in html
