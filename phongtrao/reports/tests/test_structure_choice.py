"""Choosing the structure of a report: `?edition=` on the web, `--edition` on the command line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalues_save, period_get
from phongtrao.reports.builder import ESTIMATE_NOTE

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_structures(small_tree_2025, indicators):
    """`small_tree_2025`, with TT_DOT of 2023 on the split Xã C."""
    datavalues_save(
        actor=SYSTEM,
        unit=small_tree_2025["c3"],
        period=period_get("2023"),
        values={indicators["TT_DOT"]: Decimal(1000)},
    )
    return small_tree_2025


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("quantri_test", password="x")


def test_the_page_offers_the_structures_and_follows_the_choice(client, superuser, two_structures):
    client.force_login(superuser)
    old = two_structures["province"]
    page = client.get(f"/bao-cao/{old.uid}/2023/").content.decode()
    assert 'name="edition"' in page and "Cơ cấu từ 01/7/2025" in page
    response = client.get(f"/bao-cao/{old.uid}/2023/?edition=2025")
    new = two_structures["new_province"]
    assert response.status_code == 302 and response["Location"] == f"/bao-cao/{new.uid}/2023/"
    text = client.get(f"/bao-cao/{old.uid}/2023/md/?edition=2025").content.decode()
    assert "1.000 đợt" in text and "cơ cấu từ 01/7/2025" in text
    south = client.get(f"/bao-cao/{two_structures['south'].uid}/2023/md/").content.decode()
    assert "300*" in south and ESTIMATE_NOTE in south
    assert client.get(f"/bao-cao/{old.uid}/2023/?edition=1999").status_code == 404


def test_the_other_structure_needs_access_too(client, two_structures):
    officer = get_user_model().objects.create_user("canbo_huyen_test", password="x")
    membership_set(actor=SYSTEM, user=officer, unit=two_structures["d2"], roles=[Role.VIEW])
    client.force_login(officer)
    d2 = two_structures["d2"]
    assert client.get(f"/bao-cao/{d2.uid}/2023/").status_code == 200
    # Huyện Hai's 2025 counterpart is the new province, also made of Huyện Một: the page
    # shows what became of the district's communes instead; the file is not given.
    response = client.get(f"/bao-cao/{d2.uid}/2023/?edition=2025")
    assert response.status_code == 302
    assert response["Location"] == f"/to-chuc/{d2.uid}/co-cau/2025/?ky=2023&xem=bao-cao"
    assert client.get(f"/bao-cao/{d2.uid}/2023/md/?edition=2025").status_code == 404


def test_the_command_marks_estimates(two_structures, capsys):
    call_command("report", "T-S", "2023", "--edition", "2025")
    out = capsys.readouterr().out
    assert "300*" in out and ESTIMATE_NOTE in out
    call_command("report", "T-70", "2023")
    assert ESTIMATE_NOTE not in capsys.readouterr().out
