"""The login form and the account form, in Vietnamese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models import QuerySet
from django.http import HttpRequest

from phongtrao.accounts.models import Role
from phongtrao.accounts.tasks import password_reset_mail_task
from phongtrao.orgs.models import Unit


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý chữ hoa, chữ thường.",
        "inactive": "Tài khoản này đã bị khóa.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Tên đăng nhập"
        self.fields["password"].label = "Mật khẩu"
        self.fields["username"].widget.attrs.update({"autocapitalize": "none"})
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password"}
        )


class AccountCreateForm(forms.Form):
    """A new officer's account in a unit of the administrator's subtree."""

    username = forms.RegexField(
        label="Tên đăng nhập",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": "Chỉ dùng chữ không dấu, số và các ký tự . @ + - _"},
    )
    password = forms.CharField(
        label="Mật khẩu ban đầu",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    unit = forms.ModelChoiceField(label="Đơn vị", queryset=Unit.objects.none())
    roles = forms.MultipleChoiceField(
        label="Quyền",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Role.VIEW, Role.ENTER],
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        unit_field.error_messages["invalid_choice"] = "Hãy chọn một đơn vị trong danh sách."
        for field in self.fields.values():
            field.error_messages["required"] = "Cần nhập mục này."

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("Tên đăng nhập này đã có người dùng.")
        return username

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        try:
            password_validation.validate_password(password)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                "Mật khẩu quá ngắn hoặc quá dễ đoán: cần ít nhất 8 ký tự, không phổ biến."
            ) from exc
        return password


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its mail queued as a task (the request never waits for SMTP)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Địa chỉ thư điện tử"
        self.fields["email"].error_messages = {
            "required": "Nhập địa chỉ thư điện tử của tài khoản.",
            "invalid": "Địa chỉ thư điện tử không hợp lệ.",
        }

    def save(  # type: ignore[override]
        self,
        *,
        domain_override: str | None = None,
        use_https: bool = False,
        request: HttpRequest | None = None,
        **_ignored: Any,
    ) -> None:
        domain = domain_override or (request.get_host() if request is not None else "")
        password_reset_mail_task.enqueue(
            email=self.cleaned_data["email"], domain=domain, use_https=use_https
        )
