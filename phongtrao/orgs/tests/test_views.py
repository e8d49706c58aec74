"""/to-chuc/: merging and splitting units on the web, with a confirmation step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from phongtrao.accounts.models import Role
from phongtrao.accounts.services import membership_set
from phongtrao.actors import SYSTEM
from phongtrao.audit.models import AuditLog
from phongtrao.orgs.models import Succession, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(small_tree, province_officer):
    """Enters figures for the whole province: may reorganise every unit below it."""
    membership_set(
        actor=SYSTEM,
        user=province_officer,
        unit=small_tree["province"],
        roles={Role.VIEW, Role.ENTER},
    )
    return province_officer


def snapshot():
    return (Unit.objects.count(), Succession.objects.count(), AuditLog.objects.count())


def merge_data(small_tree, **changes):
    data = {
        "units": [small_tree["c1"].uid, small_tree["c2"].uid],
        "name": "Xã A-B",
        "code": "",
        "effective": "2024-03-01",
        "reason": "Nghị quyết số 12 của Ban Thường vụ",
        "step": "preview",
    }
    return {**data, **changes}


def split_data(**changes):
    data = {
        "name_1": "Xã C Bắc",
        "weight_1": "0,6",
        "name_2": "Xã C Nam",
        "weight_2": "40%",
        "effective": "01/03/2024",
        "reason": "Đề án chia tách",
        "step": "preview",
    }
    return {**data, **changes}


def test_a_merge_is_previewed_then_done(client, officer, small_tree):
    client.force_login(officer)
    d1 = small_tree["d1"]
    page = client.get(f"/to-chuc/{d1.uid}/").content.decode()
    assert "Xã A" in page and f'value="{small_tree["c1"].uid}"' in page and "Chia tách" in page
    before = snapshot()
    preview = client.post(f"/to-chuc/{d1.uid}/hop-nhat/", merge_data(small_tree))
    text = preview.content.decode()
    assert preview.status_code == 200 and snapshot() == before
    assert "Kết thúc hoạt động ngày <b>29/02/2024</b>" in text
    assert "Bắt đầu hoạt động từ ngày <b>01/03/2024</b>" in text and "Xã A-B" in text
    assert "theo cơ cấu cũ không thay đổi" in text and 'value="confirm"' in text
    done = client.post(
        f"/to-chuc/{d1.uid}/hop-nhat/", merge_data(small_tree, step="confirm"), follow=True
    )
    merged = Unit.objects.get(name="Xã A-B")
    assert (merged.parent_id, str(merged.valid_from)) == (d1.pk, "2024-03-01")
    assert "Đã hợp nhất 2 đơn vị thành “Xã A-B” từ ngày 01/03/2024." in done.content.decode()
    log = AuditLog.objects.get(action="unit_merge")
    assert log.user == officer and "Nghị quyết số 12" in log.detail
    assert log.get_action_display() == "Sáp nhập đơn vị"


def test_edit_goes_back_to_the_filled_form(client, officer, small_tree):
    client.force_login(officer)
    d1 = small_tree["d1"]
    page = client.post(f"/to-chuc/{d1.uid}/hop-nhat/", merge_data(small_tree, step="edit"))
    text = page.content.decode()
    assert page.status_code == 200 and 'value="Xã A-B"' in text and "checked" in text
    assert not Unit.objects.filter(name="Xã A-B").exists()


def test_a_split_is_previewed_then_done(client, officer, small_tree):
    client.force_login(officer)
    c3 = small_tree["c3"]
    url = f"/to-chuc/{c3.uid}/chia-tach/"
    assert "Chia tách Xã C" in client.get(url).content.decode()
    before = snapshot()
    preview = client.post(url, split_data()).content.decode()
    assert snapshot() == before
    assert "Xã C Bắc</b> (tỷ trọng 0,6)" in preview and "Xã C Nam</b> (tỷ trọng 0,4)" in preview
    assert "số liệu ước tính" in preview
    response = client.post(url, split_data(step="confirm"))
    assert response.status_code == 302
    assert response["Location"] == f"/to-chuc/{small_tree['d2'].uid}/"
    weights = dict(
        Succession.objects.filter(predecessor=c3).values_list("successor__name", "weight")
    )
    assert weights == {"Xã C Bắc": Decimal("0.6"), "Xã C Nam": Decimal("0.4")}
    assert AuditLog.objects.get(action="unit_split").get_action_display() == "Chia tách đơn vị"


def test_blank_weights_share_equally(client, officer, small_tree):
    client.force_login(officer)
    c3 = small_tree["c3"]
    data = split_data(weight_1="", weight_2="", name_3="Xã C Trung", step="confirm")
    client.post(f"/to-chuc/{c3.uid}/chia-tach/", data)
    weights = sorted(Succession.objects.filter(predecessor=c3).values_list("weight", flat=True))
    assert weights == [Decimal("0.33333333"), Decimal("0.33333333"), Decimal("0.33333334")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_2": "0,3"}, "Các tỷ trọng cộng lại bằng 0,9, phải bằng 1"),
        ({"weight_2": ""}, "hoặc để trống tất cả để chia đều"),
        ({"weight_2": "abc"}, "Tỷ trọng của “Xã C Nam” không hợp lệ"),
        # Read as every number in phongtrao (vn.parse): the dot groups thousands.
        ({"weight_2": "0.4"}, "Tỷ trọng của “Xã C Nam” không hợp lệ"),
        ({"name_2": ""}, "Dòng 2: có tỷ trọng nhưng chưa có tên"),
        ({"name_2": "Xã C Bắc"}, "không được trùng nhau"),
        ({"effective": "01/08/2008"}, "phải đang hoạt động trước và vào ngày 01/08/2008"),
        ({"effective": "01/01/2000"}, "nằm ngoài thời gian hiệu lực"),
        ({"effective": "2026-01-01"}, "nằm ngoài thời gian hiệu lực"),
        ({"effective": "31/02/2024"}, "Ngày có hiệu lực không hợp lệ"),
        ({"reason": ""}, "Cần ghi lý do sắp xếp đơn vị."),
    ],
)
def test_a_bad_split_says_why_and_changes_nothing(client, officer, small_tree, changes, message):
    client.force_login(officer)
    before = snapshot()
    for step in ("preview", "confirm"):
        response = client.post(
            f"/to-chuc/{small_tree['c3'].uid}/chia-tach/", split_data(**changes, step=step)
        )
        assert response.status_code == 400 and message in response.content.decode()
    assert snapshot() == before


def test_a_bad_merge_says_why_and_changes_nothing(client, officer, small_tree):
    client.force_login(officer)
    d1, c1, c3 = small_tree["d1"], small_tree["c1"], small_tree["c3"]
    url = f"/to-chuc/{d1.uid}/hop-nhat/"
    before = snapshot()
    cases = [
        (merge_data(small_tree, units=[c1.uid, c3.uid]), "không trực thuộc đơn vị này"),
        (merge_data(small_tree, units=[c1.uid]), "Chọn ít nhất hai đơn vị"),
        (merge_data(small_tree, name=""), "Cần tên của đơn vị sau hợp nhất."),
        (merge_data(small_tree, code=small_tree["c2"].code), "đã được dùng"),
        (merge_data(small_tree, effective="2008-08-01"), "phải đang hoạt động"),
    ]
    for data, message in cases:
        for step in ("preview", "confirm"):
            response = client.post(url, {**data, "step": step})
            assert response.status_code == 400, (data, response.status_code)
            assert message in response.content.decode(), message
    assert snapshot() == before


def test_an_ended_unit_cannot_be_split_again(client, officer, small_tree):
    client.force_login(officer)
    c3 = small_tree["c3"]
    client.post(f"/to-chuc/{c3.uid}/chia-tach/", split_data(step="confirm"))
    before = snapshot()
    response = client.post(
        f"/to-chuc/{c3.uid}/chia-tach/", split_data(effective="2024-06-01", step="confirm")
    )
    assert response.status_code == 400 and "phải đang hoạt động" in response.content.decode()
    assert snapshot() == before
    page = client.get(f"/to-chuc/{small_tree['d2'].uid}/").content.decode()
    assert "(đã sắp xếp lại)" in page and "Xã C Bắc" in page


def test_only_who_may_change_the_parent_gets_in(client, small_tree, commune_officer):
    c1, d1 = small_tree["c1"], small_tree["d1"]
    assert client.get(f"/to-chuc/{d1.uid}/").status_code == 302  # to the sign-in page
    membership_set(actor=SYSTEM, user=commune_officer, unit=c1, roles={Role.VIEW, Role.ENTER})
    client.force_login(commune_officer)
    assert client.get("/to-chuc/").url == f"/to-chuc/{c1.uid}/"
    assert client.get(f"/to-chuc/{d1.uid}/").status_code == 404
    assert client.post(f"/to-chuc/{d1.uid}/hop-nhat/", merge_data(small_tree)).status_code == 404
    # Their own commune is theirs, but splitting it is the district's decision.
    split = client.post(f"/to-chuc/{c1.uid}/chia-tach/", split_data(step="confirm"))
    assert split.status_code == 403
    viewer = get_user_model().objects.create_user("xem_tinh", password="x")
    membership_set(actor=SYSTEM, user=viewer, unit=small_tree["province"], roles={Role.VIEW})
    client.force_login(viewer)
    assert client.get(f"/to-chuc/{d1.uid}/").status_code == 403
    assert not Succession.objects.exists()


def test_the_audit_log_admin_names_the_actions(client, officer, small_tree, admin_user):
    client.force_login(officer)
    client.post(
        f"/to-chuc/{small_tree['d1'].uid}/hop-nhat/", merge_data(small_tree, step="confirm")
    )
    client.force_login(admin_user)
    page = client.get("/admin/audit/auditlog/").content.decode()
    moved = client.get("/admin/accounts/auditlog/?action=unit_merge")
    assert moved["Location"] == "/admin/audit/auditlog/?action=unit_merge"
    assert "Sáp nhập đơn vị" in page and "Xã A-B" in page
