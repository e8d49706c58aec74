"""Content-Security-Policy on the portal: its one inline script carries the request's nonce,
and runs in Chromium without a violation."""

from __future__ import annotations

import re

import pytest

from .conftest import BROWSER_UA


def test_portal_pages_carry_the_policy_and_the_inline_script_its_nonce(client, portal):
    for url in ("/", portal["seed"].url):
        response = client.get(url, HTTP_USER_AGENT=BROWSER_UA)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        scripts = re.search(r"script-src ([^;]*)", policy)
        assert scripts and "'unsafe-inline'" not in scripts[1], policy
        nonce = re.search(r"'nonce-([^']+)'", scripts[1])
        assert nonce, policy
        page = response.content.decode()
        assert f'<script nonce="{nonce[1]}">' in page
        # Every other script element is a file of this site.
        assert len(re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", page)) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_portal_scripts_run_under_the_policy(portal, live_server, browser_page):
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.className") == "js"
    page.goto(live_server.url + portal["seed"].url)
    assert not [text for text in console if "Content Security Policy" in text], console
