"""DHIS2's attributes and their values on units, indicators and forms.

A value is kept on the object itself, in `attribute_values`, the way DHIS2 keeps its jsonb
column (`{uid: {"value": …, "attribute": {"id": uid}}}`), so the exchange can name objects
by it (`ATTRIBUTE:<uid>`) with one lookup per object type and the metadata API
writes it as DHIS2's `attributeValues`. Values are written only here, audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from phongtrao.actors import Actor
from phongtrao.audit.models import AuditAction
from phongtrao.audit.services import audit_log
from phongtrao.catalog.models import Attribute, Form, Indicator
from phongtrao.orgs.models import Unit

# Which flag of the attribute lets it be given to which kind of object.
APPLIES = {
    Unit: ("organisation_unit_attribute", "đơn vị"),
    Indicator: ("data_element_attribute", "chỉ tiêu"),
    Form: ("data_set_attribute", "biểu mẫu"),
}
MAX_VALUE = 255


def attribute_value_set(
    *, actor: Actor, attribute: Attribute, target: Unit | Indicator | Form, value: str
) -> None:
    """Give `target` this value of `attribute` (an empty value removes it), audited.

    Refused (ValidationError, in Vietnamese, nothing changed) when the attribute is not
    for that kind of object, the value is too long, or the attribute is unique and another
    object of the kind has the value already (DHIS2's E4009).
    """
    flag, kind = APPLIES[type(target)]
    if not getattr(attribute, flag):
        raise ValidationError(f"Thuộc tính “{attribute.name}” không dùng cho {kind}.")
    value = value.strip()
    if len(value) > MAX_VALUE:
        raise ValidationError(f"Giá trị thuộc tính dài quá {MAX_VALUE} ký tự.")
    with transaction.atomic():
        model: Any = type(target)
        locked = model.objects.select_for_update().get(pk=target.pk)
        if value and attribute.unique:
            taken = (
                model.objects.filter(**{f"attribute_values__{attribute.uid}__value": value})
                .exclude(pk=target.pk)
                .exists()
            )
            if taken:
                raise ValidationError(
                    f"Giá trị “{value}” của thuộc tính “{attribute.name}” đã có ở một {kind} "
                    "khác: thuộc tính này không cho trùng."
                )
        values = dict(locked.attribute_values or {})
        before = (values.get(attribute.uid) or {}).get("value", "")
        if value:
            values[attribute.uid] = {"value": value, "attribute": {"id": attribute.uid}}
        else:
            values.pop(attribute.uid, None)
        locked.attribute_values = values
        locked.save(update_fields=["attribute_values"])
        target.attribute_values = values
        audit_log(
            user=actor,
            action=AuditAction.ATTRIBUTE_SET,
            target=f"{kind} {target.uid}",
            detail=f"{attribute.uid}: “{before}” → “{value}”",
        )


def attribute_values_of(obj: Any) -> list[dict[str, Any]]:
    """DHIS2's `attributeValues` of an object: `[{"attribute": {"id": …}, "value": …}]`."""
    values = getattr(obj, "attribute_values", None) or {}
    return [
        {"attribute": {"id": uid}, "value": found.get("value", "")}
        for uid, found in sorted(values.items())
        if isinstance(found, dict)
    ]


def attribute_get(uid: str) -> Attribute | None:
    """The attribute with this uid, or None."""
    return Attribute.objects.filter(uid=uid).first()
