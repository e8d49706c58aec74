"""Production settings pass Django's deployment check, and HTTPS brings HSTS and the proxy
header (the issue's failure 6)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# The settings are read with this run's DATABASE_URL: checked under both engines.
pytestmark = pytest.mark.both_engines

PRODUCTION = {
    "DEBUG": "0",
    "SECURE_COOKIES": "1",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "phongtrao.example.vn",
}


# One process under production settings for both tests (an interpreter and django.setup()
# are ~2 s of CPU): it prints the HTTPS settings on its first line, then runs the check.
PRODUCTION_PROCESS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, "
    "flush=True); "
    "from django.core.management import call_command; "
    "call_command('check', deploy=True, fail_level='WARNING')"
)


@pytest.fixture(scope="module")
def production() -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("PHONGTRAO_DEV", None)
    return subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROCESS],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings(production):
    assert production.returncode == 0, production.stderr[-2000:]


def test_https_settings_follow_secure_cookies(production):
    first_line = production.stdout.splitlines()[0]

    assert first_line.split() == ["31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True"]
