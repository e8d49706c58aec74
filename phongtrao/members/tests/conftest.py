"""People and a small registry for the member registry's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.members.access import SystemActor
from phongtrao.members.models import RegistryUnit
from phongtrao.members.services import MemberData
from phongtrao.orgs.models import Level
from phongtrao.orgs.services import unit_create

SYSTEM = SystemActor("kiểm thử")


def officer(username: str, unit: Any, *roles: Role) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username, password="x")
    membership_set(actor=SYSTEM, user=user, unit=unit, roles=set(roles) | {Role.VIEW})
    return user


def person(name: str = "Nguyễn Thị Hoa", **fields: Any) -> MemberData:
    values: dict[str, Any] = {
        "full_name": name,
        "birth_date": dt.date(1985, 5, 17),
        "join_date": dt.date(2023, 3, 8),
    }
    values.update(fields)
    return MemberData(**values)


@pytest.fixture
def registry(small_tree: dict[str, Any]) -> dict[str, Any]:
    """`small_tree` with a chi hội under Xã A; Xã A and Xã B keep a registry, Xã C does not."""
    c1 = small_tree["c1"]
    branch = unit_create(
        edition=c1.edition, code="T-70101-1", name="Chi hội Ấp 1", level=Level.BRANCH, parent=c1
    )
    for key in ("c1", "c2"):
        RegistryUnit.objects.create(unit=small_tree[key], since=dt.date(2020, 1, 1))
    return {
        **small_tree,
        "branch": branch,
        "officer_a": officer("canbo_xa_a", c1, Role.ENTER),
        "officer_b": officer("canbo_xa_b", small_tree["c2"], Role.ENTER),
        "district": officer("canbo_huyen_1", small_tree["d1"], Role.ENTER, Role.APPROVE),
        "outsider": officer("canbo_xa_c", small_tree["c3"], Role.ENTER),
    }
