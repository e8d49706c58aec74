"""Forms of the reorganisation pages: merging units, splitting one."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from phongtrao.orgs.models import Unit
from phongtrao.vn import format_number, parse_number, parse_percent

#: At most this many units after a split (the issue's 2–10).
SPLIT_MAX = 10
WEIGHT_PLACES = Decimal("0.00000001")  # Succession.weight keeps 8 decimals
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field() -> forms.DateField:
    return forms.DateField(
        label="Ngày có hiệu lực",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Cần ngày có hiệu lực.",
            "invalid": "Ngày có hiệu lực không hợp lệ (ngày/tháng/năm).",
        },
        help_text="Đơn vị cũ kết thúc hoạt động vào ngày liền trước.",
    )


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label="Lý do, căn cứ (nghị quyết, quyết định)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Cần ghi lý do sắp xếp đơn vị."},
    )


class MergeForm(forms.Form):
    """Units of one parent (ticked in its list) into a new unit from a date."""

    units = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(),
        to_field_name="uid",
        label="Các đơn vị sáp nhập",
        error_messages={
            "required": "Chọn ít nhất hai đơn vị để hợp nhất.",
            "invalid_choice": "Đơn vị đã chọn không trực thuộc đơn vị này.",
            "invalid_pk_value": "Đơn vị đã chọn không hợp lệ.",
        },
    )
    name = forms.CharField(
        label="Tên đơn vị sau hợp nhất",
        max_length=255,
        error_messages={"required": "Cần tên của đơn vị sau hợp nhất."},
    )
    code = forms.CharField(
        label="Mã đơn vị (không bắt buộc)",
        max_length=40,
        required=False,
        help_text="Để trống: mã được tạo từ mã đơn vị cũ và ngày hiệu lực.",
    )
    effective = _date_field()
    reason = _reason_field()

    def __init__(self, *args: Any, parent: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units: QuerySet[Unit] = Unit.objects.filter(parent=parent).order_by("code")
        self.fields["units"].queryset = units  # type: ignore[attr-defined]

    def clean_units(self) -> list[Unit]:
        units = list(self.cleaned_data["units"])
        if len(units) < 2:
            raise forms.ValidationError("Chọn ít nhất hai đơn vị để hợp nhất.")
        return units


def parse_weight(text: str) -> Decimal:
    """ "0,6" or "60%" -> Decimal("0.6"), read by `vn.parse` as every number typed in
    phongtrao ("0.6" is refused: the dot groups thousands); a ValueError for anything else."""
    text = text.strip()
    if text.endswith("%"):
        return parse_percent(text) / 100
    return parse_number(text)


def equal_shares(count: int) -> list[Decimal]:
    """`count` shares of 1 with 8 decimals that add up to 1 exactly (the last takes the rest)."""
    share = (Decimal(1) / count).quantize(WEIGHT_PLACES, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [Decimal(1) - share * (count - 1)]


def weight_text(weight: Decimal) -> str:
    """A share as officials write it: "0,6", "0,33333333"."""
    return format_number(weight)


class SplitForm(forms.Form):
    """One unit into 2–10 new units, each with its share of the old figures."""

    effective = _date_field()
    reason = _reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SPLIT_MAX + 1):
            self.fields[f"name_{n}"] = forms.CharField(
                label=f"Tên đơn vị thứ {n}", max_length=255, required=False
            )
            self.fields[f"weight_{n}"] = forms.CharField(
                label=f"Tỷ trọng của đơn vị thứ {n}", max_length=20, required=False
            )

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        """The form's rows for the template: number, name field, weight field."""
        return [(n, self[f"name_{n}"], self[f"weight_{n}"]) for n in range(1, SPLIT_MAX + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts: list[tuple[str, str]] = []
        for n in range(1, SPLIT_MAX + 1):
            name = (data.get(f"name_{n}") or "").strip()
            weight = (data.get(f"weight_{n}") or "").strip()
            if weight and not name:
                raise forms.ValidationError(f"Dòng {n}: có tỷ trọng nhưng chưa có tên đơn vị.")
            if name:
                parts.append((name, weight))
        if len(parts) < 2:
            raise forms.ValidationError("Cần ít nhất hai đơn vị sau chia tách.")
        names = [name.casefold() for name, _ in parts]
        if len(set(names)) != len(names):
            raise forms.ValidationError("Tên các đơn vị sau chia tách không được trùng nhau.")
        given = [weight for _, weight in parts if weight]
        if not given:
            weights = equal_shares(len(parts))
        elif len(given) != len(parts):
            raise forms.ValidationError(
                "Nhập tỷ trọng cho tất cả các đơn vị, hoặc để trống tất cả để chia đều."
            )
        else:
            weights = []
            for name, text in parts:
                try:
                    weight = parse_weight(text)
                except ValueError:
                    raise forms.ValidationError(
                        f"Tỷ trọng của “{name}” không hợp lệ: “{text}” "
                        "(ghi số thập phân như 0,6 hoặc phần trăm như 60%)."
                    ) from None
                if weight <= 0 or weight >= 1:
                    raise forms.ValidationError(
                        f"Tỷ trọng của “{name}” phải lớn hơn 0 và nhỏ hơn 1."
                    )
                if weight != weight.quantize(WEIGHT_PLACES):
                    raise forms.ValidationError(
                        f"Tỷ trọng của “{name}” chỉ được có tối đa 8 chữ số thập phân."
                    )
                weights.append(weight)
            total = sum(weights, Decimal(0))
            if total != 1:
                raise forms.ValidationError(
                    f"Các tỷ trọng cộng lại bằng {weight_text(total)}, phải bằng 1 (hoặc 100%)."
                )
        data["into"] = [(name, w) for (name, _), w in zip(parts, weights, strict=True)]
        return data
