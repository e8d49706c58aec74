"""The portal's article page under load, served by granian or gunicorn, on SQLite and PG.

`bench/portal.py` builds a fresh database per database engine (migrate, `load_demo`), starts
the server on 127.0.0.1 (DEBUG off, view and visit counting on), and drives the seed article
with wrk (2 threads, as NukeViet was measured; Debian's package, `make bench-portal`
installs it) or, without wrk, a bounded load generator of its own (asyncio, raw HTTP/1.1
over sockets, keep-alive): concurrency 16 and 64, without cookies (every request a new
browser: a view and a visit written each time) and with one browser's cookies (the visitor
and "seen" cookies it got on its first request). It then checks exactness: 1,000 requests
from 1,000 cookie-less browsers at concurrency 16 must add exactly 1,000 views and 1,000
visits. And it times the visit counting itself in-process (per request).

Results: one JSON line per measurement on stdout and in bench/results/portal-<date>.jsonl;
docs/benchmarks/portal.md is written from them by hand (figures, goals, conditions).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BROWSER_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
# The browsers each guest page is driven with (`--suite pages`): NukeViet serves its mobile
# theme to the Android one, its desktop theme to the other; phongtrao one responsive page.
USER_AGENTS = {"desktop": DESKTOP_UA, "mobile": BROWSER_UA}
PAGE_CONCURRENCY = (1, 16, 64)
# (worker class, workers, threads) tried when --choose is given; the first is the default.
# granian's workers run the WSGI application in one blocking thread each here; gunicorn's
# "sync" and "gthread" workers for comparison.
SERVER_CONFIGS = [("granian", 2, 1), ("granian", 3, 1), ("sync", 3, 1), ("gthread", 2, 4)]


# --------------------------------------------------------------------------------------------
# The load generator


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            if name.lower() == "set-cookie":
                cookies.append(value.strip().split(";", 1)[0])
            headers[name.lower()] = value.strip()
    headers["set-cookie"] = "; ".join(cookies)
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    return status, headers, body


def _request(host: str, port: int, path: str, cookie: str, user_agent: str = BROWSER_UA) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"User-Agent: {user_agent}",
        "Accept: text/html",
        "Accept-Language: vi-VN,vi",
        "Accept-Encoding: identity",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _client(
    host: str,
    port: int,
    message: bytes,
    tally: Tally,
    deadline: float | None,
    budget: list[int] | None,
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while True:
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if budget is not None:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            assert reader is not None
            writer.write(message)
            status, headers, _ = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status != 200:
            tally.errors += 1
        if headers.get("connection", "").lower() == "close":
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _load(
    host: str,
    port: int,
    path: str,
    cookie: str,
    concurrency: int,
    seconds: float | None = None,
    requests: int | None = None,
    user_agent: str = BROWSER_UA,
) -> tuple[Tally, float]:
    tally = Tally()
    message = _request(host, port, path, cookie, user_agent)
    deadline = time.perf_counter() + seconds if seconds is not None else None
    budget = [requests] if requests is not None else None
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, message, tally, deadline, budget) for _ in range(concurrency))
    )
    return tally, time.perf_counter() - started


async def _first_cookies(host: str, port: int, path: str) -> str:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(_request(host, port, path, ""))
    status, headers, _ = await _read_response(reader)
    writer.close()
    assert status == 200, status
    return headers["set-cookie"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    done = len(tally.latencies)
    return {
        "requests": done,
        "seconds": round(elapsed, 2),
        "rps": round(done / elapsed, 1),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
        "max_ms": round(max(tally.latencies, default=0) * 1000, 1),
        "errors": tally.errors,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        # How busy the shared machine was (1-minute load average, 2 cores).
        "load1": round(os.getloadavg()[0], 1),
    }


# --------------------------------------------------------------------------------------------
# wrk (Debian's package), the driver NukeViet was measured with; the load generator above
# stays for warming up and for the exactness check, which needs an exact number of requests.

_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    number = re.fullmatch(r"([0-9.]+)([a-z]+)", text)
    assert number is not None, text
    return float(number[1]) * _WRK_UNITS[number[2]]


def wrk_load(
    port: int,
    path: str,
    cookie: str,
    concurrency: int,
    seconds: float,
    user_agent: str = BROWSER_UA,
) -> dict[str, Any]:
    """`wrk -t2 -c<concurrency> -d<seconds>s --latency` against a page, summarised as
    `summary` does for the Python load generator."""
    threads = min(2, concurrency)
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency"]
    command += ["-H", f"User-Agent: {user_agent}", "-H", "Accept-Language: vi-VN,vi"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = re.search(r"(\d+) requests in ([0-9.]+)(\w+),", output)
    assert done is not None, output
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", output)
    assert latency is not None, output
    quantiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    sockets = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    elapsed = _wrk_ms(done[2] + done[3]) / 1000
    return {
        "driver": "wrk -t2",
        "requests": int(done[1]),
        "seconds": round(elapsed, 2),
        "rps": round(int(done[1]) / elapsed, 1),
        "p50_ms": round(_wrk_ms(quantiles["50"]), 1),
        "p99_ms": round(_wrk_ms(quantiles["99"]), 1),
        "max_ms": round(_wrk_ms(latency[3]), 1),
        "errors": (int(non_2xx[1]) if non_2xx else 0)
        + (sum(int(n) for n in sockets.groups()) if sockets else 0),
        "load1": round(os.getloadavg()[0], 1),
    }


def measure(
    port: int,
    path: str,
    cookie: str,
    concurrency: int,
    seconds: float,
    user_agent: str = BROWSER_UA,
) -> dict[str, Any]:
    """One load measurement: wrk when installed (`make bench` installs it), else the
    Python load generator."""
    if shutil.which("wrk"):
        return wrk_load(port, path, cookie, concurrency, seconds, user_agent)
    tally, elapsed = asyncio.run(
        _load("127.0.0.1", port, path, cookie, concurrency, seconds, user_agent=user_agent)
    )
    return {"driver": "python asyncio", **summary(tally, elapsed)}


# --------------------------------------------------------------------------------------------
# The server


def uncounted_app() -> Any:
    """The project's WSGI application without the visit-counting middleware (a factory for
    the server): the baseline that shows what counting costs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("VisitCountingMiddleware")
    ]
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """The project's WSGI application with DEBUG off, as production would serve it: granian
    (Rust HTTP server) or gunicorn (worker class "sync" or "gthread")."""

    def __init__(
        self, worker_class: str, workers: int, threads: int, counting: bool = True
    ) -> None:
        self.port = _free_port()
        app = "config.wsgi:application" if counting else "bench.portal:uncounted_app"
        if worker_class == "granian":
            self.label = f"granian --workers {workers} --blocking-threads {threads}"
            command = [
                *(str(Path(PYTHON).parent / "granian"), "--interface", "wsgi"),
                *("--host", "127.0.0.1", "--port", str(self.port)),
                *("--workers", str(workers), "--blocking-threads", str(threads)),
                *("--backlog", "1024", "--log-level", "warning"),
                *(["--factory"] if not counting else []),
                app,
            ]
        else:
            self.label = f"gunicorn {worker_class} -w {workers}" + (
                f" --threads {threads}" if worker_class == "gthread" else ""
            )
            command = [
                *(PYTHON, "-m", "gunicorn", app if counting else f"{app}()"),
                *("--chdir", str(ROOT), "--bind", f"127.0.0.1:{self.port}"),
                *("--worker-class", worker_class, "--workers", str(workers)),
                *("--threads", str(threads), "--backlog", "1024", "--keep-alive", "5"),
                *("--log-level", "warning"),
            ]
        env = dict(os.environ, DEBUG="0", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="ERROR")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def wait_ready(self, path: str) -> None:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        # Every worker loads its code and its connections before the clock starts.
        asyncio.run(_load("127.0.0.1", self.port, path, "", 8, requests=64))

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --------------------------------------------------------------------------------------------
# Inside one database (DATABASE_URL set by the outer run)


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _prepare(skip_load: bool) -> str:
    """Migrate, load the demo; the seed article's path."""
    from django.core.management import call_command

    if not skip_load:
        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
    from phongtrao.portal.models import ArticlePage

    article = ArticlePage.objects.live().order_by("published_at").first()
    assert article is not None, "load_demo made no article"
    seed = ArticlePage.objects.live().filter(slug__contains="bang-khen").first() or article
    return str(seed.url)


def _counters(path: str) -> tuple[int, int]:
    """(the article's views, all visits): read straight from the database."""
    from django.db import connection
    from django.db.models import Sum

    from phongtrao.portal.models import ArticlePage, ArticleStats
    from phongtrao.portal.traffic.models import DailyVisits

    slug = path.rstrip("/").rsplit("/", 1)[-1]
    article = ArticlePage.objects.get(slug=slug)
    stats = ArticleStats.objects.filter(article_id=article.pk).first()
    visits = DailyVisits.objects.aggregate(n=Sum("visits"))["n"] or 0
    connection.close()
    return (stats.views if stats else 0), visits


def _counting_cost(repeat: int) -> dict[str, float]:
    """Microseconds the visit counting adds to one request, in-process, on this database."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.test import RequestFactory

    from phongtrao.portal.traffic.middleware import VISITOR_COOKIE, visit_count

    factory = RequestFactory()

    def one(cookie: str | None) -> HttpResponse:
        request = factory.get("/tin-tuc/", HTTP_USER_AGENT=BROWSER_UA)
        request.user = AnonymousUser()
        if cookie:
            request.COOKIES[VISITOR_COOKIE] = cookie
        response = HttpResponse("<p>x</p>")
        visit_count(request, response)
        return response

    out: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    cookie = ""
    for _ in range(repeat):
        cookie = one(None).cookies[VISITOR_COOKIE].value
    out["new_browser_us"] = round((time.perf_counter() - started) / repeat * 1e6, 1)
    out["new_browser_cpu_us"] = round((time.process_time() - cpu) / repeat * 1e6, 1)
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeat):
        one(cookie)
    out["returning_browser_us"] = round((time.perf_counter() - started) / repeat * 1e6, 1)
    out["returning_browser_cpu_us"] = round((time.process_time() - cpu) / repeat * 1e6, 1)
    return out


def _page_cpu(path: str, repeat: int) -> dict[str, float]:
    """CPU milliseconds of one article request in-process (Django's test client, no HTTP
    server): what bounds requests per second on 2 cores, whatever the server."""
    from django.test import Client

    client = Client(HTTP_USER_AGENT=BROWSER_UA, HTTP_HOST="127.0.0.1")
    out: dict[str, float] = {}
    for label, keep in (("new_browser_cpu_ms", False), ("returning_browser_cpu_ms", True)):
        client.get(path)
        cpu = time.process_time()
        for _ in range(repeat):
            if not keep:
                client.cookies.clear()
            assert client.get(path).status_code == 200
        out[label] = round((time.process_time() - cpu) / repeat * 1000, 2)
    return out


def _guest_pages(article_path: str) -> dict[str, str]:
    """Each page a guest reads, by name, with its path in the demo; the article first."""
    from urllib.parse import quote

    from phongtrao.portal.models import ArticlePage

    article = ArticlePage.objects.get(slug=article_path.rstrip("/").rsplit("/", 1)[-1])
    category = article.get_parent()
    tag = article.tags.first()
    return {
        "article": article_path,
        "home": "/",
        "category": str(category.url),
        "tag": f"/tim-kiem/?q={quote(tag.name if tag else 'thi đua')}",
        "search": f"/tim-kiem/?q={quote('phụ nữ khởi nghiệp')}",
        "rss": "/rss/",
        "sitemap": "/sitemap.xml",
        "print": f"/bai-viet/{article.pk}/in/",
    }


async def _probe(port: int, path: str) -> tuple[int, str]:
    """The status and the guests' cache state (X-Portal-Cache) of a second request."""
    state = (0, "")
    for _ in range(2):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_request("127.0.0.1", port, path, "", DESKTOP_UA))
        status, headers, _ = await _read_response(reader)
        writer.close()
        state = (status, headers.get("x-portal-cache", "none"))
    return state


def exactness(server: Server, path: str, requests: int) -> dict[str, Any]:
    """`requests` requests of as many cookie-less browsers at concurrency 16: the views and
    visits they added, read once the servers' batches are written. A batch is written by the
    first request a worker finishes once it is due (COUNTS_FLUSH_SECONDS): uncounted requests
    (the sitemap, not HTML) are sent until every worker has written its last counts."""
    # Counts the workers still hold from the turns before (a worker writes them with its next
    # request once due) are written first, so that they are not taken for this check's.
    for _ in range(2):
        time.sleep(0.3)
        asyncio.run(_load("127.0.0.1", server.port, "/sitemap.xml", "", 16, requests=64))
    views_before, visits_before = _counters(path)
    tally, elapsed = asyncio.run(_load("127.0.0.1", server.port, path, "", 16, requests=requests))
    done = time.perf_counter()
    views_after, visits_after = _counters(path)
    while time.perf_counter() - done < 10 and (
        views_after - views_before < requests or visits_after - visits_before < requests
    ):
        time.sleep(0.3)
        asyncio.run(_load("127.0.0.1", server.port, "/sitemap.xml", "", 16, requests=64))
        views_after, visits_after = _counters(path)
    return {
        "kind": "exactness",
        "server": server.label,
        "concurrency": 16,
        "requests_sent": requests,
        "views_added": views_after - views_before,
        "visits_added": visits_after - visits_before,
        "written_after_s": round(time.perf_counter() - done, 2),
        **summary(tally, elapsed),
    }


def pages_suite(args: argparse.Namespace, path: str, config: tuple[str, int, int]) -> None:
    """Every guest page with a desktop and a mobile browser at each concurrency, without
    cookies (each request a new browser, as NukeViet was measured); per browser and
    concurrency the pages run in turn, the article first, so that each page's rate can be
    read against the article's of the same turn."""
    from django.db import connection

    pages = _guest_pages(path)
    connection.close()
    server = Server(*config)
    try:
        server.wait_ready(path)
        for name, page in pages.items():
            status, state = asyncio.run(_probe(server.port, page))
            _emit(
                {"kind": "page_probe", "page": name, "path": page, "status": status, "cache": state}
            )
        for agent, user_agent in USER_AGENTS.items():
            for concurrency in args.page_concurrency:
                for name, page in pages.items():
                    _emit(
                        {
                            "kind": "page_load",
                            "server": server.label,
                            "page": name,
                            "agent": agent,
                            "concurrency": concurrency,
                            **measure(
                                server.port, page, "", concurrency, args.page_seconds, user_agent
                            ),
                        }
                    )
        if "article" not in args.suite.split(","):  # else the article suite checked it
            _emit(exactness(server, path, args.exact))
    finally:
        server.stop()


def _emit(record: dict[str, Any]) -> None:
    from django.db import connection

    print(json.dumps({"database": connection.vendor, **record}), flush=True)


def inner(args: argparse.Namespace) -> None:
    _django()
    from django.db import connection

    database = connection.vendor
    started = time.perf_counter()
    path = _prepare(args.skip_load)
    prepare_s = round(time.perf_counter() - started, 1)
    connection.close()

    def emit(record: dict[str, Any]) -> None:
        print(json.dumps({"database": database, **record}), flush=True)

    emit({"kind": "setup", "article": path, "prepare_s": prepare_s})
    suites = args.suite.split(",")
    if "pages" in suites and "article" not in suites:
        config = SERVER_CONFIGS[0]
        if args.server:
            kind, workers, threads = args.server.split(",")
            config = (kind, int(workers), int(threads))
        pages_suite(args, path, config)
        return

    configs = SERVER_CONFIGS if args.choose else [SERVER_CONFIGS[0]]
    if args.server:
        kind, workers, threads = args.server.split(",")
        configs = [(kind, int(workers), int(threads))]
    if len(configs) > 1:
        best: tuple[float, tuple[str, int, int]] | None = None
        for config in configs:
            server = Server(*config)
            try:
                server.wait_ready(path)
                result = measure(server.port, path, "", 64, args.choose_seconds)
            finally:
                server.stop()
            emit({"kind": "choose", "server": server.label, "concurrency": 64, **result})
            if best is None or result["rps"] > best[0]:
                best = (result["rps"], config)
        assert best is not None
        configs = [best[1]]

    server = Server(*configs[0])
    try:
        server.wait_ready(path)
        for cookies in (False, True):
            for concurrency in (16, 64):
                cookie = (
                    asyncio.run(_first_cookies("127.0.0.1", server.port, path)) if cookies else ""
                )
                emit(
                    {
                        "kind": "load",
                        "server": server.label,
                        "concurrency": concurrency,
                        "cookies": "one browser's" if cookie else "none",
                        **measure(server.port, path, cookie, concurrency, args.seconds),
                    }
                )
        emit(exactness(server, path, args.exact))
    finally:
        server.stop()
    # The same page without the visit counting (the article's own view counting stays on).
    server = Server(*configs[0], counting=False)
    try:
        server.wait_ready(path)
        for cookies in (False, True):
            cookie = asyncio.run(_first_cookies("127.0.0.1", server.port, path)) if cookies else ""
            emit(
                {
                    "kind": "load_without_visit_counting",
                    "server": server.label,
                    "concurrency": 64,
                    "cookies": "one browser's" if cookie else "none",
                    **measure(server.port, path, cookie, 64, args.seconds),
                }
            )
    finally:
        server.stop()
    emit({"kind": "counting_cost", "repeat": args.cost_repeat, **_counting_cost(args.cost_repeat)})
    emit({"kind": "page_cpu", "repeat": 200, **_page_cpu(path, 200)})
    if "pages" in suites:
        pages_suite(args, path, configs[0])


# --------------------------------------------------------------------------------------------
# The outer run: one fresh database per engine


def outer(args: argparse.Namespace) -> None:
    passed = [
        f"--seconds={args.seconds}",
        f"--exact={args.exact}",
        f"--cost-repeat={args.cost_repeat}",
        f"--choose-seconds={args.choose_seconds}",
        f"--suite={args.suite}",
        f"--page-seconds={args.page_seconds}",
        f"--page-concurrency={','.join(map(str, args.page_concurrency))}",
    ]
    if args.server:
        passed.append(f"--server={args.server}")
    out = args.out or ROOT / "bench" / "results" / f"portal-{time.strftime('%Y%m%d-%H%M')}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for index, database in enumerate(args.databases.split(",")):
        command = [PYTHON, str(Path(__file__).resolve()), "--inner", *passed]
        if args.choose and index == 0:
            command.append("--choose")
        env = dict(os.environ)
        with tempfile.TemporaryDirectory(prefix="phongtrao-portal-bench-") as tmp:
            if database == "sqlite":
                env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
            else:
                env.pop("DATABASE_URL", None)
                command = [PYTHON, str(ROOT / "scripts" / "with_postgres.py"), *command]
            result = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
            for line in result.stdout.splitlines():
                if line.startswith("{"):
                    print(line, flush=True)
                    lines.append(line)
            if result.returncode != 0:
                raise SystemExit(f"portal benchmark failed on {database}")
        if args.choose and index == 0 and "article" in args.suite.split(","):
            chosen = [json.loads(x) for x in lines if '"kind": "load"' in x][0]["server"]
            parts = chosen.split()
            threads = parts[parts.index("--threads") + 1] if "--threads" in parts else "1"
            passed.append(f"--server={parts[0]},{parts[2]},{threads}")
    note = {"kind": "conditions", "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M")}
    lines.append(json.dumps(note))
    out.write_text("\n".join(lines) + "\n")
    print(f"written to {out}", file=sys.stderr)


NOTES_MARK = "<!-- Analysis, written by hand; kept when the tables are rendered again. -->"
GOAL = (
    "Goal (issue 4): at least 500 requests/s at concurrency 64 with p99 under 100 ms, and no "
    "view lost; NukeViet 4.5 measured 141–173 requests/s at 64 (p99 440–520 ms) without "
    "cookies, 90–106 with one session cookie (p99 about 690 ms)."
)


def render(records: list[dict[str, Any]], notes: str) -> str:
    """docs/benchmarks/portal.md from the JSON lines of one run."""

    def rows(kind: str) -> list[dict[str, Any]]:
        return [r for r in records if r.get("kind") == kind]

    conditions = rows("conditions")[0] if rows("conditions") else {}
    out = [
        "# Portal: the article page under load (issue 4)",
        "",
        f"Run of `bench/portal.py --choose` on {conditions.get('when', '?')}, "
        f"{conditions.get('cpus', '?')} cores; the server, the database and the load driver "
        '(wrk, 2 threads, 15 s per row) share them, and the "load avg" column says how busy '
        "the machine was besides.",
        "",
        GOAL,
        "",
    ]
    for setup in rows("setup"):
        out.append(
            f"- {setup['database']}: article `{setup['article']}`, database built and "
            f"demo loaded in {setup['prepare_s']} s."
        )
    chosen = rows("choose")
    if chosen:
        out += [
            "",
            "Server configurations tried (concurrency 64, no cookies, SQLite):",
            "",
            "| server | req/s | p50 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in chosen:
            out.append(
                f"| {r['server']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} |"
            )
    out += [
        "",
        "| database | server | visit counting | cookies | concurrency | req/s | "
        "p50 ms | p99 ms | errors | load avg | goal (≥ 500 req/s, p99 < 100 ms at 64) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for kind, counting in (("load", "on"), ("load_without_visit_counting", "off")):
        for r in rows(kind):
            goal = "—"
            if r["concurrency"] == 64:
                ok = r["rps"] >= 500 and r["p99_ms"] < 100 and r["errors"] == 0
                goal = "reached" if ok else "NOT reached"
            out.append(
                f"| {r['database']} | {r['server']} | {counting} | {r['cookies']} | "
                f"{r['concurrency']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | "
                f"{r['errors']} | {r.get('load1', '?')} | {goal} |"
            )
    out += [
        "",
        "Exactness: requests from distinct cookie-less browsers at concurrency 16.",
        "",
        "| database | requests | views added | visits added | errors | exact |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows("exactness"):
        exact = r["views_added"] == r["visits_added"] == r["requests_sent"] and not r["errors"]
        out.append(
            f"| {r['database']} | {r['requests_sent']} | {r['views_added']} | "
            f"{r['visits_added']} | {r['errors']} | {'yes' if exact else 'NO'} |"
        )
    out += [
        "",
        "Measured in-process: the visit counting's work for one request (wall and CPU), and "
        "the whole article request's CPU (Django's test client, no HTTP server):",
        "",
        "| database | counting, new browser µs (CPU) | counting, returning browser µs (CPU) | "
        "article request CPU ms, new browser | returning browser |",
        "|---|---:|---:|---:|---:|",
    ]
    page = {r["database"]: r for r in rows("page_cpu")}
    for r in rows("counting_cost"):
        cpu = page.get(r["database"], {})
        out.append(
            f"| {r['database']} | {r['new_browser_us']} ({r.get('new_browser_cpu_us', '?')}) | "
            f"{r['returning_browser_us']} ({r.get('returning_browser_cpu_us', '?')}) | "
            f"{cpu.get('new_browser_cpu_ms', '?')} | {cpu.get('returning_browser_cpu_ms', '?')} |"
        )
    out += render_pages(rows("page_probe"), rows("page_load"))
    return "\n".join(out) + "\n\n" + notes.strip() + "\n"


PAGE_GOAL = (
    "Goal (issue 21): every guest page at least 0.8× the article page's requests/s in the "
    "same turn, p99 under 100 ms at concurrency 64."
)


def render_pages(probes: list[dict[str, Any]], loads: list[dict[str, Any]]) -> list[str]:
    """The guest pages' tables: each page's rate as a ratio to the article's of the same
    database, browser and concurrency."""
    if not loads:
        return []
    out = [
        "",
        "## Every guest page, desktop and mobile browsers",
        "",
        PAGE_GOAL,
        "",
        "| database | page | path | status | guests' cache on a second request |",
        "|---|---|---|---:|---|",
    ]
    for r in probes:
        out.append(
            f"| {r['database']} | {r['page']} | `{r['path']}` | {r['status']} | {r['cache']} |"
        )
    out += [
        "",
        "| database | browser | concurrency | page | req/s | × article | p50 ms | p99 ms | "
        "errors | load avg | goal |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    article = {
        (r["database"], r["agent"], r["concurrency"]): r["rps"]
        for r in loads
        if r["page"] == "article"
    }
    for r in loads:
        base = article.get((r["database"], r["agent"], r["concurrency"]))
        ratio = r["rps"] / base if base else float("nan")
        ok = ratio >= 0.8 and not r["errors"]
        if r["concurrency"] == 64:
            ok = ok and r["p99_ms"] < 100
        out.append(
            f"| {r['database']} | {r['agent']} | {r['concurrency']} | {r['page']} | "
            f"{r['rps']} | {ratio:.2f} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
            f"{r.get('load1', '?')} | {'reached' if ok else 'NOT reached'} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--exact", type=int, default=1000, help="requests of the exactness check")
    parser.add_argument("--cost-repeat", type=int, default=2000)
    parser.add_argument("--choose", action="store_true", help="try the server configurations")
    parser.add_argument("--choose-seconds", type=float, default=6)
    parser.add_argument("--server", help="worker class,workers,threads (e.g. gthread,2,8)")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--suite",
        default="article,pages",
        help="article (the article page's rows, exactness, costs), pages (every guest page "
        "with a desktop and a mobile browser), or both",
    )
    parser.add_argument("--page-seconds", type=float, default=10, help="per page measurement")
    parser.add_argument(
        "--page-concurrency",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(PAGE_CONCURRENCY),
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-load", action="store_true", help="reuse DATABASE_URL's data")
    parser.add_argument(
        "--render", type=Path, help="rewrite docs/benchmarks/portal.md's tables from a run"
    )
    args = parser.parse_args()
    if args.render:
        records = [json.loads(x) for x in args.render.read_text().splitlines() if x.strip()]
        doc = ROOT / "docs" / "benchmarks" / "portal.md"
        # The analysis written by hand below the mark survives a new rendering.
        parts = doc.read_text().split(NOTES_MARK, 1) if doc.exists() else []
        notes = parts[1] if len(parts) == 2 else ""
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(render(records, NOTES_MARK + "\n" + notes.strip()))
    elif args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
