"""Reads from the catalog."""

from __future__ import annotations

from phongtrao.catalog.formulas import dependency_order
from phongtrao.catalog.models import Form, Indicator
from phongtrao.expressions import parse


def indicators_by_code() -> dict[str, Indicator]:
    """Every indicator by its code, in catalog order, with its section and parent loaded."""
    return {i.code: i for i in Indicator.objects.select_related("section", "parent")}


def form_indicators(form: Form) -> list[Indicator]:
    """The indicators of `form` in the form's order, with their sections loaded."""
    return list(
        Indicator.objects.filter(formindicator__form=form)
        .select_related("section")
        .order_by("formindicator__sort_order", "sort_order", "code")
    )


def derived_order() -> list[Indicator]:
    """The derived indicators, each after the derived indicators its formula reads.

    Computing them in this order, every input is ready when needed. Raises
    `FormulaCycleError` or `ExpressionError` if the stored formulas are broken (the loader
    and the admin refuse such formulas).
    """
    derived = {i.code: i for i in Indicator.objects.exclude(formula="").select_related("section")}
    order = dependency_order({code: parse(i.formula) for code, i in derived.items()})
    return [derived[code] for code in order]
