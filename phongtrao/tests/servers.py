"""Real servers the tests of the cluster's parts start for themselves: Redis (Debian's
redis-server, on a Unix socket) and an S3-compatible server (moto's server mode, on a free
port of the loopback). Each is started in a temporary directory and stopped at the end."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def s3_client(endpoint: str) -> Any:
    """boto3's S3 client for the server at `endpoint` (credentials from the environment)."""
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
