"""In the Django admin, staff who are not superusers see only their subtree's rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Form, Indicator
from phongtrao.data.models import Submission
from phongtrao.data.services import datavalue_save, period_get, target_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(small_tree):
    """A district officer (Huyện Một) with staff access and the admin's view rights."""
    user = get_user_model().objects.create_user("huyen_staff", password="x", is_staff=True)
    membership_set(actor=SYSTEM, user=user, unit=small_tree["d1"], roles={Role.VIEW, Role.APPROVE})
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="data",
            codename__in=[
                "view_datavalue",
                "view_datavalueaudit",
                "view_target",
                "add_target",
                "change_target",
                "view_submission",
            ],
        )
    )
    return user


@pytest.fixture
def rows(small_tree):
    hd = Indicator.objects.get(code="TH_HD")
    period = period_get("2023")
    mine = datavalue_save(
        actor=SYSTEM, indicator=hd, unit=small_tree["c1"], period=period, value=Decimal(424242)
    )
    other = datavalue_save(
        actor=SYSTEM, indicator=hd, unit=small_tree["c3"], period=period, value=Decimal(868686)
    )
    target_set(
        actor=SYSTEM, indicator=hd, unit=small_tree["c1"], period=period, value=Decimal(313131)
    )
    foreign_target = target_set(
        actor=SYSTEM, indicator=hd, unit=small_tree["c3"], period=period, value=Decimal(575757)
    )
    form = Form.objects.get(code="BC_NAM_XA")
    Submission.objects.create(form=form, unit=small_tree["c1"], period=period)
    foreign = Submission.objects.create(form=form, unit=small_tree["c3"], period=period)
    return {"mine": mine, "other": other, "target": foreign_target, "submission": foreign}


@pytest.mark.parametrize(
    ("model", "mine", "theirs"),
    [
        ("datavalue", "424242", "868686"),
        ("datavalueaudit", "424242", "868686"),
        ("target", "313131", "575757"),
        ("submission", "Xã A", "Xã C"),
    ],
)
def test_staff_see_only_their_subtree(client, staff, rows, model, mine, theirs):
    client.force_login(staff)
    html = client.get(f"/admin/data/{model}/").content.decode()
    assert mine in html and theirs not in html


def test_staff_cannot_open_or_save_another_subtrees_rows(client, staff, rows, small_tree):
    client.force_login(staff)
    for model, obj in (("datavalue", rows["other"]), ("target", rows["target"])):
        response = client.get(f"/admin/data/{model}/{obj.pk}/change/")
        assert response.status_code in (302, 404)
        body = response.content.decode()
        assert "868686" not in body and "575757" not in body
    hd = Indicator.objects.get(code="TH_HD")
    response = client.post(
        "/admin/data/target/add/",
        {
            "indicator": hd.pk,
            "unit": small_tree["c3"].pk,
            "period": period_get("2022").pk,
            "phase": "",
            "value": "5",
            "note": "",
        },
    )
    assert response.status_code == 403


def test_superusers_see_everything(client, rows):
    admin = get_user_model().objects.create_superuser("quantri", password="x")
    client.force_login(admin)
    html = client.get("/admin/data/datavalue/").content.decode()
    assert "424242" in html and "868686" in html
