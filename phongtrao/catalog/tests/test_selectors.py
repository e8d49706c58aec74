from __future__ import annotations

import pytest

from phongtrao.catalog.formulas import FormulaCycleError
from phongtrao.catalog.models import Form, FormIndicator, Indicator
from phongtrao.catalog.selectors import derived_order, form_indicators, indicators_by_code

pytestmark = pytest.mark.django_db


def parent_code(indicator: Indicator) -> str | None:
    return indicator.parent.code if indicator.parent else None


def test_indicators_by_code(django_assert_num_queries):
    with django_assert_num_queries(1):
        by_code = indicators_by_code()
        assert parent_code(by_code["HG_THANH"]) == "HG_VU"
        assert by_code["HG_THANH"].section.number == 4
    assert len(by_code) == 73
    assert list(by_code)[:2] == ["TH_HD", "TH_KP"]


def test_form_indicators_follow_the_forms_order(django_assert_num_queries):
    form = Form.objects.get(code="BC_NAM_XA")
    FormIndicator.objects.filter(form=form, indicator__code="BC_KP").update(sort_order=0)
    with django_assert_num_queries(1):
        indicators = form_indicators(form)
        assert indicators[0].section.number == 5
    assert [i.code for i in indicators][:2] == ["BC_KP", "TH_HD"]
    assert len(indicators) == 70


def test_derived_order_puts_inputs_first():
    section = Indicator.objects.get(code="HV_PTM").section
    for code, formula in [("Z_TONG", "Z_TL + HV_PTM"), ("Z_TL", "GIAMNGHEO * 2")]:
        Indicator.objects.create(
            uid=code[:11].ljust(11, "x"),
            code=code,
            section=section,
            name=code,
            unit_label="người",
            value_type="integer",
            time_aggregation="sum",
            formula=formula,
            sort_order=0,
        )
    order = [i.code for i in derived_order()]
    assert sorted(order) == ["GIAMNGHEO", "HV_PTM", "Z_TL", "Z_TONG"]
    assert order.index("GIAMNGHEO") < order.index("Z_TL") < order.index("Z_TONG")
    assert order.index("HV_PTM") < order.index("Z_TONG")


def test_derived_order_of_the_default_catalog():
    assert [i.code for i in derived_order()] == ["GIAMNGHEO", "HV_PTM"]


def test_derived_order_refuses_a_stored_loop():
    Indicator.objects.filter(code="HV_PTM").update(formula="GIAMNGHEO")
    Indicator.objects.filter(code="GIAMNGHEO").update(formula="HV_PTM + 1")
    with pytest.raises(FormulaCycleError, match="vòng lặp"):
        derived_order()
