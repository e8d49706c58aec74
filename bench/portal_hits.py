"""CPU per guest cache hit, in-process, through the project's WSGI application.

Each guest page of `bench/portal.py` is asked `--repeat` times by the WSGI application
(`config.wsgi.application`: Django's handler, its signals, every middleware), with no cookie
(each request a new browser: a view and a visit counted, the CSRF cookie made), as wrk asks
them; the body is read and closed as a server does. Printed per page: CPU milliseconds per
request (`time.process_time`), the share answered as hits (X-Portal-Cache), and the queries
run over all of them (the batches' writes included). No server, no network: what bounds
requests per second on the machine's cores, whatever the server.

Run from the root of the tree to measure (its `config` and `phongtrao` are imported), on a
database made by `bench/portal.py` (migrated, `load_demo`), e.g. an A/B of two trees at the
same moment:

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/portal_hits.py --prepare
    cd /tmp/old && DATABASE_URL=... python /path/to/bench/portal_hits.py --repeat 400

Figures measured beside other work are ratios, not speeds: compare trees in alternation.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)


def _environ(path: str, user_agent: str) -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    from urllib.parse import unquote_to_bytes

    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": unquote_to_bytes(path_info).decode("latin-1"),
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": user_agent,
        "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def ask(app: Any, path: str, user_agent: str = DESKTOP_UA) -> tuple[str, dict[str, str], bytes]:
    """One request as a WSGI server makes it: the status, the headers, the body."""
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        got["status"], got["headers"] = status, dict(headers)

    result = app(_environ(path, user_agent), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return got["status"], got["headers"], body


def _server_cpu() -> float:
    """CPU seconds of this process's PostgreSQL backend so far (-1 on SQLite or when the
    server runs where /proc does not show it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return -1.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1, help="each page this many times")
    parser.add_argument("--pages", default="", help="comma-separated names (default: all)")
    parser.add_argument("--prepare", action="store_true", help="migrate and load the demo")
    parser.add_argument(
        "--handler",
        choices=("project", "django"),
        default="project",
        help="config.wsgi's application, or Django's own WSGIHandler",
    )
    args = parser.parse_args()
    root = Path.cwd()
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    bench_dir = Path(__file__).resolve().parent
    sys.path.insert(1, str(bench_dir))
    import django

    django.setup()
    from portal import _guest_pages, _prepare

    article_path = _prepare(skip_load=not args.prepare)
    if args.prepare:
        return
    pages = _guest_pages(article_path)
    if args.pages:
        pages = {name: pages[name] for name in args.pages.split(",")}
    from django.db import connections

    if args.handler == "django":
        from django.core.handlers.wsgi import WSGIHandler

        application: Any = WSGIHandler()
    else:
        from config.wsgi import application

    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    for _ in range(args.rounds):
        for name, path in pages.items():
            for _ in range(20):  # warm: rendered, kept, memos read
                status, headers, _ = ask(application, path)
                assert status.startswith("200"), (name, status)
            hits = 0
            queries[0] = 0
            server = _server_cpu()
            with connections["default"].execute_wrapper(count):
                cpu = time.process_time()
                for _ in range(args.repeat):
                    _, headers, _ = ask(application, path)
                    hits += headers.get("X-Portal-Cache") == "hit"
                spent = time.process_time() - cpu
            server = _server_cpu() - server
            record = {
                "page": name,
                "cpu_ms": round(spent / args.repeat * 1000, 3),
                "hits": round(hits / args.repeat, 3),
                "queries": queries[0],
                "db_cpu_ms": round(server / args.repeat * 1000, 3) if server >= 0 else None,
                "tree": str(root),
                "handler": args.handler,
                "load": os.getloadavg()[0],
            }
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
