"""Content-Security-Policy on the portal: its one inline script carries the request's nonce,
and runs in Chromium without a violation."""

from __future__ import annotations

import re

import pytest

from .site import BROWSER_UA


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


@pytest.mark.parametrize("path", ["/", "/rss/", "/cms/pages/", "/admin/"])
@pytest.mark.parametrize("nonce", [True, False])
@pytest.mark.parametrize("report_only", [False, True])
def test_the_policy_built_once_is_the_one_django_csp_builds(settings, path, nonce, report_only):
    """config/csp.py keeps the built header (the nonce marked): the same as django-csp's."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.csp import ProjectCSPMiddleware

    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
            "DIRECTIVES": {"default-src": ["'none'"], "report-uri": "/csp-report/"}
        }
    middleware = ProjectCSPMiddleware(lambda request: HttpResponse())

    def headers(process):
        request = RequestFactory().get(path)
        middleware.process_request(request)
        if nonce:
            setattr(request, "_csp_nonce", "bm9uY2Utb2YtdGhlLXRlc3Q=")  # noqa: B010
        response = process(request, HttpResponse())
        return (
            response.get("Content-Security-Policy"),
            response.get("Content-Security-Policy-Report-Only"),
        )

    built_once = headers(middleware.process_response)
    # django-csp's own, building the header each time (with the project's admin exception).
    each_time = headers(lambda r, response: CSPMiddleware.process_response(middleware, r, response))
    assert built_once == each_time
    policy, report_only_policy = built_once
    assert policy and "\x00" not in policy
    assert ("'nonce-bm9uY2Utb2YtdGhlLXRlc3Q='" in policy) == (nonce and path in ("/", "/rss/"))
    assert bool(report_only_policy) == report_only


def test_a_view_changing_the_policy_still_gets_its_own(rf):
    from csp.decorators import csp_update
    from django.http import HttpResponse

    from config.csp import ProjectCSPMiddleware

    @csp_update({"img-src": ["https://anh.example"]})
    def view(request):
        return HttpResponse()

    middleware = ProjectCSPMiddleware(view)
    request = rf.get("/")
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    assert "https://anh.example" in response["Content-Security-Policy"]
