"""The catalog's admin pages, as an administrator uses them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from phongtrao.catalog.models import Form, Indicator, Section
from phongtrao.orgs.models import uid_from

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "query", "text"),
    [
        ("section", "", "Hỗ trợ phụ nữ phát triển kinh tế và khởi nghiệp sáng tạo"),
        ("indicator", "", "Trong đó: hòa giải thành"),
        ("indicator", "?q=HV_", "Tổng số hội viên"),
        ("indicator", "?loai=tinh", "HV_PTM"),
        ("indicator", "?value_type__exact=money&section__id__exact=1", "TH_KP"),
        ("indicator", "?time_aggregation__exact=first", "NGHEO_DN"),
        ("form", "", "BC_THANG_CHIHOI"),
        ("form", "?period_type__exact=YEARLY", "BC_NAM_TINH"),
    ],
)
def test_changelists_render_with_few_queries(
    admin_client, django_assert_max_num_queries, model, query, text
):
    url = reverse(f"admin:catalog_{model}_changelist") + query
    # 8, and the session saved on every request (idle timeout)
    with django_assert_max_num_queries(9):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_indicator_changelist_shows_all_73_on_one_page(admin_client):
    response = admin_client.get(reverse("admin:catalog_indicator_changelist"))
    assert response.context["cl"].result_count == 73
    assert len(response.context["cl"].result_list) == 73


def test_derived_filter_lists_only_derived(admin_client):
    response = admin_client.get(reverse("admin:catalog_indicator_changelist") + "?loai=tinh")
    codes = {i.code for i in response.context["cl"].result_list}
    assert codes == {"HV_PTM", "GIAMNGHEO"}


def test_change_pages_render(admin_client, django_assert_max_num_queries):
    indicator = Indicator.objects.get(code="HG_THANH")
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:catalog_indicator_change", args=[indicator.pk]))
    assert response.status_code == 200
    form = Form.objects.get(code="BC_NAM_XA")
    # 70 inline rows: the indicator choices are read once, not once per row.
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:catalog_form_change", args=[form.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("BC_NAM_XA: ") == 70
    for name in ["section", "indicator", "form"]:
        assert admin_client.get(reverse(f"admin:catalog_{name}_add")).status_code == 200


def indicator_post(**fields):
    data = {
        "code": "HV_TL_PTM",
        "section": Section.objects.get(number=5).pk,
        "parent": "",
        "name": "Tỷ lệ hội viên phát triển mới",
        "unit_label": "%",
        "value_type": "percent",
        "time_aggregation": "sum",
        "formula": "",
        "note": "",
        "sort_order": "100",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("HV_PTM *", "Công thức không hợp lệ: sai cú pháp"),
        ("__import__('os')", "Công thức không hợp lệ: không được gọi hàm"),
        ("HV_PTM / KHONG_CO", "không có trong danh mục: KHONG_CO"),
        ("HV_TONG[-1]", "không dùng giá trị kỳ trước"),
        ("HV_TL_PTM + 1", "vòng lặp"),
    ],
)
def test_a_bad_formula_is_refused_with_a_vietnamese_message(admin_client, formula, message):
    response = admin_client.post(
        reverse("admin:catalog_indicator_add"), indicator_post(formula=formula)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Indicator.objects.filter(code="HV_TL_PTM").exists()


def test_a_good_formula_is_saved_normalised_with_the_loaders_uid(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_indicator_add"),
        indicator_post(formula="HV_PTM*100/HV_TONG"),
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="HV_TL_PTM")
    assert indicator.formula == "HV_PTM * 100 / HV_TONG"
    assert indicator.uid == uid_from("indicator:HV_TL_PTM")


def test_editing_a_formula_into_a_loop_is_refused(admin_client):
    giamngheo = Indicator.objects.get(code="GIAMNGHEO")
    Indicator.objects.filter(code="HV_PTM").update(formula="GIAMNGHEO - HV_GIAM")
    data = indicator_post(
        section=giamngheo.section_id,
        name=giamngheo.name,
        unit_label=giamngheo.unit_label,
        value_type="integer",
        formula="THOAT_NGHEO + HV_PTM",
    )
    del data["code"]  # read only once created
    response = admin_client.post(
        reverse("admin:catalog_indicator_change", args=[giamngheo.pk]), data
    )
    assert "GIAMNGHEO → HV_PTM → GIAMNGHEO" in response.content.decode()
    giamngheo.refresh_from_db()
    assert giamngheo.formula == "THOAT_NGHEO + THOAT_CANNGHEO"


def test_a_bad_code_or_parent_loop_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_indicator_add"), indicator_post(code="hv tl")
    )
    assert "Mã chỉ gồm chữ in hoa không dấu" in response.content.decode()

    hg_vu = Indicator.objects.get(code="HG_VU")
    data = indicator_post(
        section=hg_vu.section_id,
        name=hg_vu.name,
        unit_label=hg_vu.unit_label,
        value_type="integer",
        parent=Indicator.objects.get(code="HG_THANH").pk,
    )
    del data["code"]
    response = admin_client.post(reverse("admin:catalog_indicator_change", args=[hg_vu.pk]), data)
    assert "Chỉ tiêu cha không thể là chính chỉ tiêu này" in response.content.decode()
    hg_vu.refresh_from_db()
    assert hg_vu.parent is None


def test_a_new_form_gets_a_stable_uid(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_form_add"),
        {
            "code": "BC_QUY_XA",
            "name": "Báo cáo quý — cấp xã",
            "period_type": "QUARTERLY",
            "level": "3",
            "deadline_days": "10",
            "formindicator_set-TOTAL_FORMS": "1",
            "formindicator_set-INITIAL_FORMS": "0",
            "formindicator_set-0-indicator": Indicator.objects.get(code="HV_TONG").pk,
            "formindicator_set-0-sort_order": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    form = Form.objects.get(code="BC_QUY_XA")
    assert form.uid == uid_from("form:BC_QUY_XA")
    assert [i.code for i in form.indicators.all()] == ["HV_TONG"]
