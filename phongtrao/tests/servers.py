"""Real servers the tests of the cluster's parts start for themselves: Redis (Debian's
redis-server, on a Unix socket), an S3-compatible server (moto's server mode, on a free
port of the loopback) and another app server of the cluster (a Django process). Each is
started in a temporary directory and stopped at the end."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import boto3


def free_port() -> int:
    """A TCP port of the loopback nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(ready: object, what: str, seconds: float = 20) -> None:
    """Call `ready()` until it is true, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {seconds} seconds")


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A Redis server on a Unix socket in `workdir`; yields its URL (unix://...)."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        raise RuntimeError("redis-server not found: `make system-packages` installs it")
    sock = workdir / "redis.sock"
    process = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until(sock.exists, "redis-server")
        yield f"unix://{sock}?db=0"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3-compatible server on a free loopback port; yields its endpoint URL."""
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310
                return True
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        wait_until(answers, "moto_server")
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


# The other app server: Django set up once, then each line of stdin is the JSON of some code
# to run in a namespace of its own; what it printed comes back as one JSON line.
APP_SERVER = """
import contextlib, io, json, sys
import django
django.setup()
for line in sys.stdin:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(json.loads(line), {})
    sys.stdout.write(json.dumps(printed.getvalue()) + "\\n")
    sys.stdout.flush()
"""


class AppServer:
    """Another app server of the cluster: a process of its own, configured by the
    environment as the cluster configures one."""

    def __init__(self, process: subprocess.Popen[str], errors: IO[str]) -> None:
        self.process = process
        self.errors = errors

    def run(self, code: str) -> str:
        """Run `code` there (e.g. an editor's publication); what it printed, stripped."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(code) + "\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            self.process.wait(30)
            self.errors.seek(0)
            raise RuntimeError(f"the other app server failed on {code!r}:\n{self.errors.read()}")
        return str(json.loads(answer)).strip()


@contextmanager
def app_server(cache_url: str) -> Iterator[AppServer]:
    """Another app server sharing the cache at `cache_url` (PHONGTRAO_CACHE_URL) and this
    run's database settings; started once, it runs code as often as asked."""
    from django.conf import settings

    env = dict(os.environ, PHONGTRAO_CACHE_URL=cache_url, DJANGO_SETTINGS_MODULE="config.settings")
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", APP_SERVER],
            env=env,
            cwd=settings.BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            yield AppServer(process, errors)
        finally:
            process.communicate(timeout=30)  # stdin closed: its loop ends


def s3_client(endpoint: str) -> Any:
    """boto3's S3 client for the server at `endpoint` (credentials from the environment)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
