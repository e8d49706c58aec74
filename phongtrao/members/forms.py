"""Forms of the registry's pages: quick add, leaving, transfer, list import."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from phongtrao.members.choices import ETHNICITY_CHOICES, KINH, Occupation, Religion, Status

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PURPOSE = "Quản lý hội viên, thống kê số lượng hội viên theo Điều lệ Hội"


class QuickAddForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=120)
    birth_date = forms.DateField(label="Ngày sinh", widget=DATE_INPUT)
    join_date = forms.DateField(label="Ngày vào Hội", widget=DATE_INPUT, initial=timezone.localdate)
    ethnicity = forms.ChoiceField(label="Dân tộc", choices=ETHNICITY_CHOICES, initial=KINH)
    religion = forms.ChoiceField(label="Tôn giáo", choices=Religion.choices, initial=Religion.NONE)
    occupation = forms.ChoiceField(
        label="Nghề nghiệp", choices=Occupation.choices, initial=Occupation.FARMER
    )
    address = forms.CharField(label="Địa chỉ", max_length=255, required=False)
    phone = forms.CharField(label="Số điện thoại", max_length=20, required=False)
    citizen_id = forms.CharField(label="Số CCCD", max_length=12, required=False)
    branch = forms.ChoiceField(label="Chi hội", required=False)

    def branches_set(self, choices: list[tuple[str, str]]) -> None:
        """The chi hội the member may be added to (the page's unit first)."""
        field = self.fields["branch"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    consent = forms.BooleanField(
        label="Hội viên đã đồng ý cho Hội xử lý dữ liệu cá nhân (Nghị định 13/2023/NĐ-CP)"
    )
    allow_namesake = forms.BooleanField(
        label="Đã kiểm tra: đây là người khác, chỉ trùng họ tên và ngày sinh", required=False
    )


class LeaveForm(forms.Form):
    on = forms.DateField(label="Từ ngày", widget=DATE_INPUT)
    deceased = forms.BooleanField(label="Hội viên qua đời", required=False)
    reason = forms.CharField(label="Lý do", max_length=500, required=False)


class TransferForm(forms.Form):
    to_unit = forms.CharField(label="Mã UID đơn vị nhận", max_length=11)
    on = forms.DateField(label="Ngày chuyển", widget=DATE_INPUT)
    reason = forms.CharField(label="Lý do", max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="Tệp danh sách hội viên (Excel .xlsx hoặc CSV)")
    consent_on = forms.DateField(
        label="Ngày hội viên đồng ý xử lý dữ liệu", widget=DATE_INPUT, initial=timezone.localdate
    )
    consent = forms.BooleanField(
        label="Các hội viên trong danh sách đã đồng ý cho Hội xử lý dữ liệu cá nhân"
    )


class FilterForm(forms.Form):
    q = forms.CharField(label="Tìm theo tên (gõ không dấu được)", required=False)
    status = forms.ChoiceField(
        label="Tình trạng", choices=[("", "Tất cả"), *Status.choices], required=False
    )
    ethnicity = forms.ChoiceField(
        label="Dân tộc", choices=[("", "Tất cả"), *ETHNICITY_CHOICES], required=False
    )
    religion = forms.ChoiceField(
        label="Tôn giáo", choices=[("", "Tất cả"), *Religion.choices], required=False
    )


class GrantForm(forms.Form):
    username = forms.CharField(label="Tên đăng nhập của cán bộ", max_length=150)
    purpose = forms.CharField(
        label="Mục đích được xem hồ sơ hội viên",
        max_length=255,
        help_text="Ví dụ: kiểm tra hồ sơ đề nghị khen thưởng năm 2026.",
    )
