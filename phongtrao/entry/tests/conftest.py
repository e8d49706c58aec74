"""People of the small tree: commune officers of two districts, a district and a province
approver, each with a membership made by the accounts service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Form


def _officer(username, unit, roles):
    user = get_user_model().objects.create_user(username, password="mat-khau-dai-123")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=roles)
    return user


@pytest.fixture
def deadlines():
    """Asked for by tests that keep the forms' deadlines as the catalog ships them."""
    return True


@pytest.fixture(autouse=True)
def no_deadlines(request, db):
    """Most tests enter figures for 2023, long past the forms' deadlines: they run with the
    deadlines off, unless they ask for the `deadlines` fixture."""
    if "deadlines" not in request.fixturenames:
        Form.objects.update(deadline_days=0)


@pytest.fixture
def people(small_tree):
    """xa: enters for Xã A (c1); xa_b: Xã B (c2, same district); xa2: Xã C (c3, other
    district); huyen: approves in Huyện Một (d1); tinh: approves and administers the province."""
    return {
        "xa": _officer("xa", small_tree["c1"], {Role.VIEW, Role.ENTER}),
        "xa_b": _officer("xa_b", small_tree["c2"], {Role.VIEW, Role.ENTER}),
        "xa2": _officer("xa2", small_tree["c3"], {Role.VIEW, Role.ENTER}),
        "huyen": _officer("huyen", small_tree["d1"], {Role.VIEW, Role.APPROVE}),
        "tinh": _officer(
            "tinh", small_tree["province"], {Role.VIEW, Role.APPROVE, Role.ADMINISTER}
        ),
    }


@pytest.fixture
def commune_form(db):
    return Form.objects.get(code="BC_NAM_XA")


def entry_url(form, unit, period="2023"):
    return f"/nhap-lieu/{form.code}/{unit.uid}/{period}/"
