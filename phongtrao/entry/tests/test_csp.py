"""Content-Security-Policy (issue 14, failure 6): on the entry page and the API, without
'unsafe-inline' for scripts; the entry page's own JavaScript still runs under it."""

from __future__ import annotations

import re

import pytest

from phongtrao.tests.browser import sign_in

from .conftest import entry_url
from .test_browser import PASSWORD, ids  # noqa: F401 - the fixture is used by name


def _script_src(response) -> str:
    policy = response["Content-Security-Policy"]
    found = re.search(r"script-src ([^;]*)", policy)
    assert found, policy
    return found[1]


def test_entry_page_and_api_carry_the_policy(client, people, commune_form, small_tree):
    client.force_login(people["xa"])
    page = client.get(entry_url(commune_form, small_tree["c1"]))
    assert page.status_code == 200
    scripts = _script_src(page)
    # No inline script on this page, so no nonce either: its scripts are static files.
    assert scripts == "'self'"
    policy = page["Content-Security-Policy"]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    api = client.get("/api/me")
    assert "'unsafe-inline'" not in _script_src(api)
    assert "'unsafe-inline'" not in _script_src(client.get("/api/dataValueSets?dataSet=x"))


def test_admin_sites_keep_their_inline_scripts_as_documented(client, db):
    for url in ("/cms/login/", "/admin/login/"):
        scripts = _script_src(client.get(url))
        assert "'unsafe-inline'" in scripts and "'nonce-" not in scripts, url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_entry_page_javascript_runs_under_the_policy(
    ids,  # noqa: F811
    people,
    commune_form,
    small_tree,
    live_server,
    browser_page,
):
    page, base = browser_page, live_server.url
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    sign_in(page, base, "xa", PASSWORD)
    page.goto(base + entry_url(commune_form, small_tree["c1"]))
    page.locator(f"#v_{ids['THOAT_NGHEO']}").fill("1.200")
    page.locator(f"#v_{ids['THOAT_NGHEO_DTTS']}").fill("1.633")
    # entry.js checks the figures as the officer types: it ran.
    inline = page.locator(f"#e_{ids['THOAT_NGHEO_DTTS']}")
    inline.wait_for(state="visible")
    assert inline.inner_text() == ids["message"]
    assert not [text for text in console if "Content Security Policy" in text], console
