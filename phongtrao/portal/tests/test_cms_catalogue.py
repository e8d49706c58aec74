"""The CMS in Vietnamese: the project's catalogue of Wagtail's admin messages."""

from __future__ import annotations

import polib
import pytest
from django.utils import translation

from phongtrao.portal.cms_catalogue import (
    DOMAINS,
    catalogue_coverage,
    catalogue_merge,
    catalogue_path,
)


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_translates_wagtail_admin_messages(domain: str) -> None:
    coverage = catalogue_coverage(domain)
    assert coverage.total > 80  # the catalogues were found
    assert coverage.ratio >= 0.98, coverage.untranslated[:20]
    assert coverage.placeholder_errors == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_is_up_to_date_with_wagtail(domain: str) -> None:
    """`manage.py cms_catalogue` would change nothing: same messages, same translations."""
    merged = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in catalogue_merge(domain)
    }
    current = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.pofile(str(catalogue_path(domain)))
    }
    assert merged == current


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogue_is_fresh(domain: str) -> None:
    """The committed .mo says what the .po says (run `manage.py cms_catalogue` after editing)."""
    po = catalogue_path(domain)
    source = {
        (e.msgctxt, e.msgid): e.msgstr_plural.get(0) if e.msgid_plural else e.msgstr
        for e in polib.pofile(str(po))
        if e.translated()
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr_plural.get(0) if e.msgid_plural else e.msgstr
        for e in polib.mofile(str(po.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source


def test_translations_win_over_wagtail_own() -> None:
    with translation.override("vi"):
        assert translation.gettext("Save draft") == "Lưu bản nháp"
        assert translation.gettext("Your most recent edits") == "Những sửa đổi gần đây của bạn"
        assert (
            translation.gettext("Page %(page_number)s of %(num_pages)s.")
            % {"page_number": 1, "num_pages": 1}
            == "Trang 1/1."
        )


@pytest.mark.django_db
def test_cms_sign_in_page_is_vietnamese(client) -> None:
    page = client.get("/cms/login/").content.decode()
    assert "Đăng nhập trang quản trị nội dung" in page
    assert 'placeholder="Nhập tên đăng nhập của bạn"' in page
    assert "Sign in" not in page


@pytest.mark.django_db
def test_cms_javascript_catalogue_is_vietnamese(client) -> None:
    script = client.get("/cms/jsi18n/").content.decode()
    assert (
        "\\u0110ang t\\u1ef1 \\u0111\\u1ed9ng l\\u01b0u" in script or "Đang tự động lưu" in script
    )
