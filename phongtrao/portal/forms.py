"""The reader's comment form (the service does the cleaning and the limits)."""

from __future__ import annotations

from django import forms

from phongtrao.portal.services import COMMENT_MAX_LENGTH, NAME_MAX_LENGTH


class CommentForm(forms.Form):
    name = forms.CharField(
        label="Họ và tên",
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"max_length": f"Họ và tên dài quá {NAME_MAX_LENGTH} ký tự."},
    )
    body = forms.CharField(
        label="Nội dung bình luận",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Vui lòng nhập nội dung bình luận.",
            "max_length": "Bình luận dài quá giới hạn 2.000 ký tự.",
        },
    )
