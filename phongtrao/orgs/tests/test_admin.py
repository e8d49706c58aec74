from __future__ import annotations

import pytest
from django.urls import reverse

from phongtrao.orgs.models import Level, Unit

pytestmark = pytest.mark.django_db


def test_unit_changelist_in_a_fixed_number_of_queries(
    admin_client, tree, django_assert_max_num_queries
):
    url = reverse("admin:orgs_unit_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert "Xã Lộc Thái" in response.content.decode()


def test_unit_search_and_filters(admin_client, tree):
    url = reverse("admin:orgs_unit_changelist")
    response = admin_client.get(url, {"q": "Lộc", "level__exact": Level.COMMUNE})
    content = response.content.decode()
    assert "Xã Lộc Thái" in content
    assert "Huyện Lộc Ninh" not in content


def test_adding_a_unit_goes_through_the_service(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_unit_add"),
        {
            "code": "25297-01",
            "name": "Chi hội ấp 1",
            "level": Level.BRANCH,
            "kind": "branch",
            "parent": tree.loc_thai.pk,
            "edition": tree.old.pk,
            "valid_from": "",
            "valid_to": "",
            "area_km2": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    branch = Unit.objects.get(code="25297-01")
    assert branch.path == f"{tree.loc_thai.path}{branch.pk}/"
    assert branch.valid_from == tree.old.valid_from


def test_adding_a_unit_shows_the_services_messages(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_unit_add"),
        {
            "code": "71",
            "name": "Tỉnh Mới",
            "level": Level.PROVINCE,
            "kind": "territorial",
            "parent": tree.binh_phuoc.pk,
            "edition": tree.old.pk,
            "valid_from": "",
            "valid_to": "",
            "area_km2": "",
        },
    )
    assert response.status_code == 200
    assert "Đơn vị phải ở cấp thấp hơn đơn vị cấp trên" in response.content.decode()
    assert not Unit.objects.filter(code="71").exists()


def test_changing_the_parent_moves_the_subtree(admin_client, tree):
    response = admin_client.post(
        reverse("admin:orgs_unit_change", args=[tree.loc_ninh.pk]),
        {
            "code": "692",
            "name": "Huyện Lộc Ninh",
            "kind": "territorial",
            "parent": tree.dong_nai_old.pk,
            "valid_from": "2008-08-01",
            "valid_to": "2025-06-30",
            "area_km2": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    loc_thai = Unit.objects.get(pk=tree.loc_thai.pk)
    assert (
        loc_thai.path == f"/{tree.vn.pk}/{tree.dong_nai_old.pk}/{tree.loc_ninh.pk}/{loc_thai.pk}/"
    )


def test_edition_and_succession_pages(admin_client, tree):
    assert admin_client.get(reverse("admin:orgs_edition_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:orgs_succession_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:orgs_succession_add")).status_code == 403
