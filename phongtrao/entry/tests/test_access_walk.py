"""Every URL of the project, as an officer of another district, against a commune's data."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from phongtrao.actors import SYSTEM
from phongtrao.catalog.models import Indicator
from phongtrao.data.models import DataValue
from phongtrao.data.services import datavalue_save, period_get

pytestmark = pytest.mark.django_db

NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
# 401: the API takes writes only with Basic or a token, never from the browser's session.
DENIED = {401, 403, 404, 405}
LOGIN_PAGES = ("/dang-nhap/", "/admin/login/")


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        text = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text


def _url(pattern, params):
    """A concrete path for `pattern`, every parameter filled by name (None if one is unknown)."""
    names = NAMED_GROUP.findall(pattern) + ROUTE_PARAM.findall(pattern)
    if any(name not in params for name in names) or re.search(r"\((?!\?P<)", pattern):
        return None
    path = NAMED_GROUP.sub(lambda m: params[m.group(1)], pattern)
    path = ROUTE_PARAM.sub(lambda m: params[m.group(1)], path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path


def test_another_districts_officer_gets_nothing_anywhere(client, people, commune_form, small_tree):
    c1 = small_tree["c1"]
    indicator = Indicator.objects.get(code="TH_HD")
    value = datavalue_save(
        actor=SYSTEM, indicator=indicator, unit=c1, period=period_get("2023"), value=Decimal(987654)
    )
    params = {
        "form_code": commune_form.code,
        "unit_uid": c1.uid,
        "period": "2023",
        "indicator_code": indicator.code,
        "step": "approve",
        "fmt": "md",
        "app_label": "data",
        "model_name": "datavalue",
        "object_id": str(value.pk),
        "content_type_id": "1",
        "url": "data/datavalue/",
        # The exchange / API side, when present, names units, periods and data sets so.
        "uid": c1.uid,
        "code": c1.code,
        "unit": c1.uid,
        "org_unit": c1.uid,
        "pk": str(c1.pk),
        # The portal's pages (public by design; drafts and other objects answer 404).
        "page_id": "1",
        "category_id": "1",
        # Emulation (/thi-dua/): a year, a graded level, an evidence file, a decision.
        "year": "2023",
        "level": "3",
        "evidence_id": "1",
        "decision_id": "1",
        # The portal's link banners (traffic app).
        "link_id": "1",
        # The reorganisation page of a unit (/to-chuc/<unit>/co-cau/<edition>/).
        "edition": "2025",
    }
    secrets = ("987.654", "987654", "Xã A")
    session = ""  # the session cookie of the last sign-in

    def sign_in() -> None:
        nonlocal session
        client.force_login(people["xa2"])
        session = client.cookies[settings.SESSION_COOKIE_NAME].value

    walked = []
    for pattern in _patterns(get_resolver()):
        path = _url(pattern, params)
        if path is None:
            continue
        for method in ("get", "post"):
            data = {
                "reason": "x",
                f"v_{indicator.pk}": "1",
                "form": commune_form.code,
                "unit": c1.uid,
                "period": "2023",
                # Query parameters of the DHIS2-style API, when present.
                "orgUnit": c1.uid,
                "ou": c1.uid,
                "dataSet": commune_form.uid,
                "pe": "2023",
                "dimension": f"ou:{c1.uid}",
                "filter": f"ou:{c1.uid}",
            }
            # Signed in again whenever a request ended the session (POST /dang-xuat/ would
            # otherwise leave the rest of the walk anonymous): ending it changes the cookie.
            cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
            if cookie is None or cookie.value != session:
                sign_in()
            response = getattr(client, method)(path, data)
            body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
            where = f"{method.upper()} {path}"
            if response.status_code in (301, 302):
                assert response["Location"].startswith(LOGIN_PAGES) or not any(
                    s in body for s in secrets
                ), where
            elif any(name in pattern for name in ("unit_uid", "object_id", "uid", "pk")):
                if response.status_code == 409:
                    # A DHIS2 path refuses the walk's other parameters first (strict
                    # parameters); asked plainly, it must still refuse the unit.
                    sign_in()
                    response = getattr(client, method)(path)
                    body = response.content.decode(errors="replace")
                assert response.status_code in DENIED, f"{where}: {response.status_code}"
            for secret in secrets:
                assert secret not in body, f"{where} shows {secret}"
        walked.append(path)
    assert DataValue.objects.get(pk=value.pk).value == 987654
    entry = [p for p in walked if p.startswith("/nhap-lieu/BC_NAM_XA/")]
    assert len(entry) == 3, walked  # the page, its history and its workflow steps
