"""Forms of the report page: the passages officers write, the document details."""

from __future__ import annotations

from typing import Any

from django import forms

from phongtrao.reports.models import DocumentSettings, Part
from phongtrao.reports.services import SETTINGS_FIELDS, TEXT_MAX_CHARS

#: Passages in the order the document prints them, with a hint for the officer.
TEXT_HINTS: dict[str, str] = {
    Part.INTRO: "Thêm vào cuối đoạn mở đầu phần I (tình hình chung, chỉ đạo của cấp ủy…).",
    Part.RESULTS_1: "Thêm vào mục I.1 (phong trào, cuộc vận động, số liệu tính đến ngày…).",
    Part.RESULTS_2: "Thêm vào mục I.2.",
    Part.RESULTS_3: "Thêm vào mục I.3 (đề án, mô hình…).",
    Part.RESULTS_4: "Thêm vào mục I.4.",
    Part.RESULTS_5: "Thêm vào mục I.5.",
    Part.STRENGTHS: "II.1 Ưu điểm.",
    Part.WEAKNESSES: (
        "II.2 Hạn chế, khuyết điểm (đề xuất từ số liệu: chỉ tiêu chưa đạt, giảm so với cùng kỳ)."
    ),
    Part.CAUSES: "II.3 Nguyên nhân (khách quan, chủ quan).",
    Part.DIRECTIONS: "III. Phương hướng, nhiệm vụ kỳ tới (đề xuất từ chỉ tiêu giao kỳ tới).",
    Part.PROPOSALS: "IV. Đề xuất, kiến nghị.",
}


class ReportTextsForm(forms.Form):
    """One text box per passage, and the version each was read at (conflicts)."""

    def __init__(self, *args: Any, initial_versions: dict[str, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for part in Part:
            self.fields[part.value] = forms.CharField(
                label=part.label,
                required=False,
                max_length=TEXT_MAX_CHARS,
                help_text=TEXT_HINTS[part],
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.fields[f"v_{part.value}"] = forms.IntegerField(
                required=False,
                widget=forms.HiddenInput,
                initial=(initial_versions or {}).get(part.value),
            )

    def texts(self) -> dict[str, str]:
        return {part.value: self.cleaned_data[part.value] for part in Part}

    def versions(self) -> dict[str, int]:
        return {
            part.value: self.cleaned_data[f"v_{part.value}"]
            for part in Part
            if self.cleaned_data.get(f"v_{part.value}") is not None
        }

    def text_fields(self) -> list[forms.BoundField]:
        return [self[part.value] for part in Part]


class DocumentSettingsForm(forms.ModelForm[DocumentSettings]):
    """How the unit's reports are headed and signed (saved through the service)."""

    class Meta:
        model = DocumentSettings
        fields = SETTINGS_FIELDS
        widgets = {"recipients": forms.Textarea(attrs={"rows": 4})}
