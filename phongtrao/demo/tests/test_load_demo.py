from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from phongtrao.analytics.selectors import unit_totals
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValueAudit
from phongtrao.orgs.models import Unit


@pytest.mark.slow
@pytest.mark.django_db
def test_load_demo_twice_gives_a_working_admin(full_demo, capsys, monkeypatch):
    """The first load is the shared one (conftest.py's `binh_phuoc_demo` and `full_demo`:
    the command's steps, in its order, on an empty database); the command run again on top
    of it changes nothing."""
    monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-thu")
    audits = DataValueAudit.objects.count()
    call_command("load_demo", verbosity=1)
    out = capsys.readouterr().out
    assert "admin / mật khẩu: mat-khau-thu" in out
    assert "Hội LHPN tỉnh Bình Phước (111 cơ sở Hội): thêm mới 0, cập nhật 0" in out
    assert "Thi đua năm 2023: 104/111 cơ sở Hội" in out
    assert authenticate(username="admin", password="mat-khau-thu") is not None
    assert DataValueAudit.objects.count() == audits
    province = Unit.objects.get(code="70", edition__code="2008")
    members = Indicator.objects.get(code="HV_TONG")
    assert unit_totals(province, "2023", [members])[members.pk].value == 180_833
