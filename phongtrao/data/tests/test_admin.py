from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from phongtrao.actors import SYSTEM
from phongtrao.data.models import DataValue, Target
from phongtrao.data.services import datavalue_save, period_get

pytestmark = pytest.mark.django_db


def test_value_page_shows_its_history(admin_client, admin_user, small_tree, indicators):
    hd, unit, period = indicators["TH_HD"], small_tree["c1"], period_get("2023")
    datavalue_save(indicator=hd, unit=unit, period=period, value=Decimal(1633), actor=admin_user)
    datavalue_save(indicator=hd, unit=unit, period=period, value=Decimal(1634), actor=admin_user)
    value = DataValue.objects.get()
    page = admin_client.get(reverse("admin:data_datavalue_change", args=[value.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "1.633" in text and "1.634" in text and "Sửa" in text


def test_value_list_is_read_only_and_cheap(
    admin_client, small_tree, indicators, django_assert_max_num_queries
):
    for code in ["TH_HD", "TT_DOT", "TT_LUOT"]:
        datavalue_save(
            actor=SYSTEM,
            indicator=indicators[code],
            unit=small_tree["c1"],
            period=period_get("2023"),
            value=Decimal(5),
        )
    with django_assert_max_num_queries(8):
        page = admin_client.get(reverse("admin:data_datavalue_changelist"))
    assert page.status_code == 200
    assert admin_client.get(reverse("admin:data_datavalue_add")).status_code == 403


def test_target_saved_from_admin_goes_through_the_service(admin_client, small_tree, indicators):
    page = admin_client.post(
        reverse("admin:data_target_add"),
        {
            "indicator": indicators["HV_PTM"].pk,
            "unit": small_tree["province"].pk,
            "period": period_get("2023").pk,
            "phase": "",
            "value": "2100",
            "note": "Nghị quyết Đại hội",
        },
    )
    assert page.status_code == 302
    assert Target.objects.get().value == 2100


def test_rule_with_a_bad_expression_is_refused(admin_client):
    page = admin_client.post(
        reverse("admin:data_validationrule_add"),
        {
            "code": "X",
            "message": "m",
            "left": "__import__('os')",
            "operator": "<=",
            "right": "HG_VU",
            "missing_value_strategy": "NEVER_SKIP",
            "active": "on",
        },
    )
    assert page.status_code == 200
    assert "Công thức không hợp lệ" in page.content.decode()
