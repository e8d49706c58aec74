"""The records grant page: an administrator lets an officer above the commune read records."""

from __future__ import annotations

from phongtrao.accounts.models import Role
from phongtrao.audit.models import AuditLog

from .conftest import officer
from .test_pages import login

PAGE = "/hoi-vien/quyen-xem-ho-so/"


def test_grant_then_revoke_is_audited_and_opens_the_records(client, registry):
    officer("quantri_huyen", registry["d1"], Role.ADMINISTER)
    login(client, "quantri_huyen")
    unit_page = f"/hoi-vien/{registry['c1'].uid}/"
    district = client.__class__()
    login(district, "canbo_huyen_1")
    assert "Tìm theo tên" not in district.get(unit_page).content.decode()  # counts only

    missing = client.post(PAGE, {"username": "canbo_huyen_1", "purpose": " "})
    assert missing.status_code == 400
    done = client.post(PAGE, {"username": "canbo_huyen_1", "purpose": "Kiểm tra hồ sơ khen"})
    assert done.status_code == 302
    page = client.get(PAGE).content.decode()
    assert "Kiểm tra hồ sơ khen" in page and "quantri_huyen" in page
    assert "Tìm theo tên" in district.get(unit_page).content.decode()

    client.post(PAGE, {"username": "canbo_huyen_1", "revoke": "1", "reason": "Xong việc"})
    assert "Tìm theo tên" not in district.get(unit_page).content.decode()
    details = list(AuditLog.objects.order_by("id").values_list("detail", flat=True))
    assert any("Cấp quyền xem hồ sơ hội viên cho canbo_huyen_1" in d for d in details)
    assert any("Thu hồi" in d and "Xong việc" in d for d in details)


def test_only_administrators_of_the_unit_above_may_grant(client, registry):
    login(client, "canbo_huyen_1")
    assert client.get(PAGE).status_code == 403
    officer("quantri_xa_c", registry["c3"], Role.ADMINISTER)
    client.logout()
    login(client, "quantri_xa_c")
    refused = client.post(PAGE, {"username": "canbo_huyen_1", "purpose": "Xem"})
    assert refused.status_code == 400 and "Chỉ người quản trị" in refused.content.decode()
    commune = client.post(PAGE, {"username": "canbo_xa_c", "purpose": "Xem"})
    assert "không cần cấp quyền" in commune.content.decode()
