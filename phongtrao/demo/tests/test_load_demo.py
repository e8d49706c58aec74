from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from phongtrao.orgs.models import Unit


@pytest.mark.slow
@pytest.mark.django_db
def test_load_demo_twice_gives_a_working_admin(capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "mat-khau-thu")
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)
    assert "admin / mật khẩu: mat-khau-thu" in capsys.readouterr().out
    assert authenticate(username="admin", password="mat-khau-thu") is not None
    assert Unit.objects.filter(code="70", edition__code="2008").exists()
