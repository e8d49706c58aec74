"""`/api/schema/`: every /api endpoint described; schemathesis finds no server error."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings

from phongtrao.actors import SYSTEM
from phongtrao.data.services import datavalue_save, period_get
from phongtrao.exchange.openapi import schema
from phongtrao.exchange.tokens import token_create

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _api_patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if "<apiversion:" in text:
            continue  # /api/40/...: the same views as /api/... (test_api_versions)
        if isinstance(entry, URLResolver):
            found += _api_patterns(entry, text)
        elif isinstance(entry, URLPattern) and text.startswith("api/"):
            found.append("/" + PARAMETER.sub(r"{\1}", text))
    return found


def test_every_api_url_is_described():
    described = set(schema()["paths"])

    patterns = _api_patterns(get_resolver())

    assert len(patterns) > 20
    assert set(patterns) <= described, sorted(set(patterns) - described)
    assert described <= set(patterns), sorted(described - set(patterns))


def test_schema_is_served_as_openapi_3_json(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
    assert "/api/analytics" in response.json()["paths"]


@pytest.mark.one_engine
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schemathesis_finds_no_server_error(live_server, api_people, small_tree, indicators):
    import schemathesis

    datavalue_save(
        actor=SYSTEM,
        indicator=indicators["TH_HD"],
        unit=small_tree["c1"],
        period=period_get("2023"),
        value=Decimal(3),
    )
    loaded = schemathesis.openapi.from_dict(schema())
    # A token rather than Basic: a password check costs a deliberate ~0.1 s per request.
    _, token = token_create(user=api_people["tinh"], name="schemathesis")
    headers = {"Authorization": f"ApiToken {token}"}
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) > 25

    for operation in operations:

        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call(base_url=live_server.url, headers=headers, timeout=20)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")

        run()

    assert not failures, failures
    print(f"schemathesis: {len(operations)} operations in {time.monotonic() - started:.1f} s")
