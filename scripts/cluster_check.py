#!/usr/bin/env python3
"""`make cluster-check`: phongtrao on several "machines" (network namespaces), under load.

Hosts are Linux network namespaces joined by veth pairs to a bridge that lives in a namespace
of its own, on the private subnet 10.77.0.0/24; nothing is added to the machine's own network
(the root namespace) and no traffic leaves the namespaces. Every host shares this machine's
files, so each app server and worker is given folders of its own for local files (MEDIA_ROOT
is not used: public and private files go to the S3 server); what one server must see from
another goes through PostgreSQL, Redis or S3, as in a real cluster.

    pt-db1    10.77.0.11  PostgreSQL 15 primary
    pt-db2    10.77.0.12  PostgreSQL 15 streaming replica (pg_basebackup -R)
    pt-cache  10.77.0.13  Redis (Debian's redis-server) :6379, S3 (moto's server mode) :5000
    pt-lb     10.77.0.10  HAProxy (Debian) :80 in front of the app servers
    pt-app1-3 10.77.0.21-23  granian (WSGI, 2 workers each) :8000
    pt-work1-2 10.77.0.31-32 `manage.py db_worker`
    pt-client 10.77.0.40  this script's load driver and checks

The run: the demo is loaded into the primary (images into the S3 bucket); officers log in and
enter figures, province officers read their entry page and /api/analytics, guests read the
portal; an article is unpublished and published again, and every app server's guest cache is
checked to follow; a 200,000-value file is imported through the upload page; mid-way its
worker is killed (SIGKILL) and so is an app server. Then: every acknowledged save is in the
database, the killed worker's job failed with nothing written, ran again on the other worker
and imported every value once, a session made on the killed server still works on another,
reads reached the replica, and once the replica is stopped reads fall back to the primary
with no error. Prints one JSON line last; exit status 1 if a check failed.

The outer process (root) builds and removes the namespaces; the work is done by the same
script run inside pt-client (`--inside WORKDIR`), from where every host is reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from with_postgres import pg_tool  # noqa: E402

PREFIX = "pt-"
SUBNET = "10.77.0"
HOSTS = {
    "lb": 10,
    "db1": 11,
    "db2": 12,
    "cache": 13,
    "app1": 21,
    "app2": 22,
    "app3": 23,
    "work1": 31,
    "work2": 32,
    "client": 40,
}
APPS = ["app1", "app2", "app3"]
WORKERS = ["work1", "work2"]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GRANIAN = str(ROOT / ".venv" / "bin" / "granian")
MOTO = str(ROOT / ".venv" / "bin" / "moto_server")
PASSWORD = "phongtrao-demo"  # noqa: S105 - the demo's published password (load_demo)
IMPORT_VALUES = int(os.environ.get("CLUSTER_IMPORT_VALUES", "200000"))
REQUESTS = int(os.environ.get("CLUSTER_REQUESTS", "10000"))
STALE_SECONDS = 15
REPLICA_MAX_LAG_SECONDS = 1  # the app servers' setting (the default)


def ip(host: str) -> str:
    return f"{SUBNET}.{HOSTS[host]}"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=check, capture_output=True, text=True)


# --- outside: the namespaces ----------------------------------------------------------------


def network_build() -> None:
    """A bridge in pt-sw; each host a namespace with eth0 on the bridge (veth made in pt-sw)."""
    sw = f"{PREFIX}sw"
    sh("ip", "netns", "add", sw)
    sh("ip", "netns", "exec", sw, "ip", "link", "add", "br0", "type", "bridge")
    sh("ip", "netns", "exec", sw, "ip", "link", "set", "br0", "up")
    for host, number in HOSTS.items():
        ns = PREFIX + host
        sh("ip", "netns", "add", ns)
        port = f"p-{host}"
        # The peer is made inside the host directly: the root namespace never sees it.
        sh(
            "ip", "netns", "exec", sw, "ip", "link", "add", port, "type", "veth",
            "peer", "name", "eth0", "netns", ns,
        )  # fmt: skip
        sh("ip", "netns", "exec", sw, "ip", "link", "set", port, "master", "br0", "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{SUBNET}.{number}/24", "dev", "eth0")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")


def network_remove() -> None:
    """Stop whatever still runs in our namespaces (only processes this run started there),
    then remove them; the veths and the bridge go with them."""
    for host in [*HOSTS, "sw"]:
        ns = PREFIX + host
        pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        sh("ip", "netns", "del", ns, check=False)


def stop_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so that the namespaces are removed


def outside(keep: bool) -> int:
    signal.signal(signal.SIGTERM, stop_on_signal)
    if os.geteuid() != 0:
        sys.exit("cluster-check needs root (ip netns)")
    for tool in ("haproxy", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: `make cluster-packages` installs it")
    network_remove()  # a run stopped half-way leaves them behind
    work = Path(tempfile.mkdtemp(prefix="phongtrao-cluster-"))
    work.chmod(0o755)  # the postgres user goes through it
    started = time.monotonic()
    try:
        network_build()
        inner = subprocess.run(
            ["ip", "netns", "exec", f"{PREFIX}client", PYTHON, __file__, "--inside", str(work)],
            cwd=ROOT,
        )
        return inner.returncode
    finally:
        network_remove()
        if keep:
            print(f"logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(f"cluster-check: {time.monotonic() - started:.0f} s in all", file=sys.stderr)


# --- inside pt-client: the services ---------------------------------------------------------


class Services:
    """The processes of the cluster, each in its host's namespace and process group."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir()
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.postgres = pwd.getpwnam("postgres")

    def start(
        self, name: str, host: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            ["ip", "netns", "exec", PREFIX + host, *command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.running[name]
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.running)[::-1]:
            if self.running[name].poll() is None:
                self.kill(name, signal.SIGTERM)

    def as_postgres(self, *args: str) -> list[str]:
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *args]

    def postgres_start(self, name: str, data: Path) -> None:
        options = [
            f"listen_addresses={ip(name)}",
            "port=5432",
            f"unix_socket_directories={data.parent / (name + '-sock')}",
            "max_connections=200",
            "shared_buffers=256MB",
            "work_mem=16MB",
            "maintenance_work_mem=256MB",
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            "wal_level=replica",
            "max_wal_senders=5",
            "hot_standby=on",
            "hot_standby_feedback=on",
            "max_standby_streaming_delay=5s",
        ]
        (data.parent / (name + "-sock")).mkdir(exist_ok=True)
        os.chown(data.parent / (name + "-sock"), self.postgres.pw_uid, self.postgres.pw_gid)
        command = [pg_tool("postgres"), "-D", str(data)]
        for option in options:
            command += ["-c", option]
        self.start(name, name, self.as_postgres(*command))

    def primary(self) -> None:
        data = self.work / "db1" / "data"
        data.parent.mkdir()
        os.chown(data.parent, self.postgres.pw_uid, self.postgres.pw_gid)
        initdb = [pg_tool("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            self.as_postgres(*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"),
            check=True,
            capture_output=True,
        )
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {SUBNET}.0/24 trust\n")
            hba.write(f"host replication all {SUBNET}.0/24 trust\n")
        self.postgres_start("db1", data)
        wait_for_port(ip("db1"), 5432, "PostgreSQL primary")
        psql("db1", "CREATE DATABASE phongtrao")

    def replica(self) -> None:
        data = self.work / "db2" / "data"
        data.parent.mkdir()
        os.chown(data.parent, self.postgres.pw_uid, self.postgres.pw_gid)
        backup = [pg_tool("pg_basebackup"), "-h", ip("db1"), "-U", "postgres", "-D", str(data)]
        subprocess.run(
            ["ip", "netns", "exec", f"{PREFIX}db2", *self.as_postgres(*backup, "-R", "-X")]
            + ["stream", "--no-sync", "-c", "fast"],
            check=True,
            capture_output=True,
        )
        self.postgres_start("db2", data)
        wait_for_port(ip("db2"), 5432, "PostgreSQL replica")


def wait_for_port(host: str, port: int, what: str, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer on {host}:{port} within {seconds} s")


def psql(host: str, query: str, database: str = "postgres") -> str:
    done = subprocess.run(
        [pg_tool("psql"), "-h", ip(host), "-U", "postgres", "-d", database, "-AtqX", "-c", query],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def app_env(work: Path, host: str) -> dict[str, str]:
    """The environment every app server and worker shares (as /etc/phongtrao/env would)."""
    env = {k: v for k, v in os.environ.items() if k not in {"PHONGTRAO_DEV", "DATABASE_URL"}}
    own = work / host
    own.mkdir(exist_ok=True)
    env.update(
        {
            "DATABASE_URL": f"postgres://postgres@{ip('db1')}:5432/phongtrao",
            "DATABASE_REPLICA_URL": f"postgres://postgres@{ip('db2')}:5432/phongtrao",
            "PHONGTRAO_CACHE_URL": f"redis://{ip('cache')}:6379/0",
            "PHONGTRAO_S3_BUCKET": "phongtrao",
            "PHONGTRAO_S3_ENDPOINT_URL": f"http://{ip('cache')}:5000",
            "AWS_ACCESS_KEY_ID": "phongtrao",
            "AWS_SECRET_ACCESS_KEY": "cluster-check",
            "AWS_DEFAULT_REGION": "us-east-1",
            # Local folders of this host only: nothing another host needs may be there.
            "PRIVATE_MEDIA_ROOT": str(own / "private"),
            "TMPDIR": str(own),
            "SECRET_KEY": "cluster-check-secret-key-not-for-production-0123456789",
            "ALLOWED_HOSTS": "*",
            "DEBUG": "0",
            "REPLICA_CHECK_SECONDS": "1",
            "JOBS_STALE_AFTER": str(STALE_SECONDS),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    return env


HAPROXY = """\
global
    maxconn 4000
    stats socket {work}/haproxy.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 10s
    # A busy server answers its check late, not never: only a silent one is left out.
    timeout check 3s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
    option forwardfor
frontend web
    bind {lb}:80
    default_backend apps
backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /dang-nhap/ ver HTTP/1.1 hdr Host phongtrao
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""


def servers_up(work: Path) -> list[str]:
    """The app servers HAProxy marks UP (its stats socket's CSV)."""
    import socket

    with socket.socket(socket.AF_UNIX) as stats:
        stats.connect(str(work / "haproxy.sock"))
        stats.sendall(b"show stat\n")
        data = b""
        while chunk := stats.recv(65536):
            data += chunk
    rows = [line.split(",") for line in data.decode().splitlines() if line.startswith("apps,")]
    return [row[1] for row in rows if row[1] in APPS and row[17] == "UP"]


def haproxy_config(work: Path) -> Path:
    servers = "\n".join(f"    server {a} {ip(a)}:8000 check" for a in APPS)
    path = work / "haproxy.cfg"
    path.write_text(HAPROXY.format(work=work, lb=ip("lb"), servers=servers))
    return path


# --- inside: the load ---------------------------------------------------------------------


class Tally:
    """Requests, errors and where reads were served, over all the load's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.replica_stopped_at: float | None = None

    def record(self, kind: str, ok: bool, replica: bool, detail: str = "") -> None:
        with self.lock:
            self.counts["requests"] += 1
            self.counts[kind] += 1
            if replica:
                self.counts["reads_on_replica"] += 1
                if self.replica_stopped_at and time.monotonic() > self.replica_stopped_at + 3:
                    self.counts["replica_reads_after_stop"] += 1
            if self.replica_stopped_at:
                self.counts["requests_after_replica_stop"] += 1
            if not ok:
                self.counts["errors"] += 1
                if len(self.errors) < 30:
                    self.errors.append(f"{kind}: {detail}"[:300])


def base_url(host: str = "lb") -> str:
    return f"http://{ip(host)}" + ("" if host == "lb" else ":8000")


def login(session: Any, username: str, host: str = "lb") -> None:
    url = base_url(host) + "/dang-nhap/"
    page = session.get(url, timeout=30)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if found is None:
        raise RuntimeError(f"no login form at {host}: {page.status_code}")
    token = found.group(1)
    answer = session.post(
        url,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {username} at {host} answered {answer.status_code}")


def signed_in(response: Any) -> bool:
    return response.status_code == 200 and "/dang-nhap/" not in response.url


def call(tally: Tally, kind: str, send: Callable[[], Any], ok: Callable[[Any], bool]) -> Any:
    try:
        response = send()
    except Exception as error:  # noqa: BLE001 - a refused or cut connection is an error
        tally.record(kind, False, False, repr(error))
        return None
    good = ok(response)
    replica = response.headers.get("X-Phongtrao-Db") == "replica"
    tally.record(kind, good, replica, f"{response.status_code} {response.url}")
    return response


def guest_loop(tally: Tally, pages: list[str]) -> None:
    import requests

    session = requests.Session()
    n = 0
    while not tally.stop.is_set():
        session.cookies.clear()  # a guest: no session, served from the guests' page cache
        url = base_url() + pages[n % len(pages)]
        call(tally, "portal", partial(session.get, url, timeout=60), lambda r: r.ok)
        n += 1


def reader_loop(tally: Tally, entry: str, analytics: str) -> None:
    import requests

    session = requests.Session()
    login(session, "canbo_tinh")
    tally.record("login", True, False)
    n = 0
    while not tally.stop.is_set():
        if n % 3 == 0:
            call(tally, "entry", lambda: session.get(base_url() + entry, timeout=60), signed_in)
        else:
            call(
                tally,
                "analytics",
                lambda: session.get(base_url() + analytics, timeout=60),
                lambda r: r.status_code == 200 and "json" in r.headers.get("Content-Type", ""),
            )
        n += 1


def saver_loop(tally: Tally, page: str, key: str, acked: list[int], start: int) -> None:
    """An officer enters one figure again and again on one commune's page; each save
    acknowledged (a redirect back) is remembered, to be found in the database at the end."""
    import requests

    session = requests.Session()
    login(session, "admin")
    tally.record("login", True, False)
    value = start
    field = re.compile(
        rf'name="o_{key}" value="([^"]*)">\s*<input type="hidden" name="ver_{key}" value="(\d+)"'
    )
    while not tally.stop.is_set():
        shown = call(tally, "entry", lambda: session.get(base_url() + page, timeout=60), signed_in)
        if shown is None or not signed_in(shown):
            time.sleep(0.2)
            continue
        found = field.search(shown.text)
        if not found:
            tally.record("save", False, False, "no version field on the entry page")
            continue
        value += 1
        form = {
            f"v_{key}": str(value),
            f"o_{key}": found.group(1),
            f"ver_{key}": found.group(2),
            "action": "save",
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        }
        answer = call(
            tally,
            "save",
            partial(
                session.post,
                base_url() + page,
                data=form,
                headers={"Referer": base_url() + page},
                allow_redirects=False,
                timeout=60,
            ),
            lambda r: r.status_code == 302 and "dang-nhap" not in r.headers.get("Location", ""),
        )
        if answer is not None and answer.status_code == 302:
            acked.append(value)


def lag_sampler(tally: Tally, lags: list[float]) -> None:
    """The replica's replay lag as the primary sees it, twice a second."""
    query = "SELECT COALESCE(EXTRACT(EPOCH FROM replay_lag) * 1000, 0) FROM pg_stat_replication"
    while not tally.stop.is_set():
        try:
            out = psql("db1", query)
            lags.extend(float(x) for x in out.split())
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.5)


def inside(work: Path) -> int:
    import requests

    services = Services(work)
    report: dict[str, Any] = {}
    failures: list[str] = []
    try:
        return run(work, services, report, failures, requests)
    finally:
        services.stop_all()


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def run(
    work: Path, services: Services, report: dict[str, Any], failures: list[str], requests: Any
) -> int:  # noqa: C901, PLR0915, E501
    began = time.monotonic()
    step("PostgreSQL primary and replica, Redis, S3")
    services.primary()
    services.start(
        "redis",
        "cache",
        ["redis-server", "--bind", ip("cache"), "--port", "6379", "--protected-mode", "no"]
        + ["--save", "", "--appendonly", "no"],
    )
    services.start("s3", "cache", [MOTO, "-H", ip("cache"), "-p", "5000"])
    services.replica()
    wait_for_port(ip("cache"), 6379, "Redis")
    wait_for_port(ip("cache"), 5000, "S3 server")

    env = app_env(work, "client")
    os.environ.update(env)
    import boto3

    s3 = boto3.client("s3", endpoint_url=env["PHONGTRAO_S3_ENDPOINT_URL"])
    for bucket in ("phongtrao", "phongtrao-private"):
        s3.create_bucket(Bucket=bucket)

    step("migrations and the demo, into the primary (images to S3)")
    for command in (
        ["migrate", "--noinput"],
        ["migrate", "--noinput", "--database", "progress"],
        ["load_demo", "--verbosity", "0"],
    ):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from phongtrao.catalog.models import Indicator
    from phongtrao.data.models import DataValue
    from phongtrao.exchange.models import ImportJob
    from phongtrao.portal.models import ArticlePage

    sys.path.insert(0, str(ROOT / "bench"))
    from fileimport import json_write  # the bench's generator of a DHIS2 JSON file

    from phongtrao.accounts.models import Membership
    from phongtrao.orgs.models import Level, Unit

    province = Membership.objects.get(user__username="canbo_tinh").unit
    in_province = Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE)
    communes = list(in_province.order_by("path")[:3])
    hd = Indicator.objects.get(code="TH_HD")
    raw = Indicator.objects.filter(formula="").order_by("code")
    dx = ";".join(raw.values_list("uid", flat=True)[:5])
    analytics = f"/api/analytics?dimension=dx:{dx}&dimension=pe:2023&filter=ou:{province.uid}"
    entry_province = f"/nhap-lieu/BC_NAM_TINH/{province.uid}/2023/"
    articles = list(ArticlePage.objects.live().order_by("-first_published_at")[:5])
    # Guests read the home page and four articles; the fifth is the one the publish check
    # unpublishes, whose 404 meanwhile is the right answer, not an error.
    portal_pages = ["/", *[a.url for a in articles[:4]]]
    import_file = work / "client" / "so-lieu-2027.json"
    written = json_write(import_file, IMPORT_VALUES, 2027)
    step(f"import file of {written} values ({import_file.stat().st_size // 1024} KB)")

    step("3 app servers (granian), 2 workers, HAProxy")
    for app in APPS:
        services.start(
            app,
            app,
            [GRANIAN, "--interface", "wsgi", "--host", ip(app), "--port", "8000"]
            + ["--workers", "2", "--blocking-threads", "1", "--backpressure", "16"]
            + ["config.wsgi:application"],
            app_env(work, app),
        )
    for worker in WORKERS:
        services.start(
            worker,
            worker,
            [PYTHON, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"]
            + ["--worker-id", worker, "--interval", "0.5", "--no-startup-delay"],
            app_env(work, worker),
        )
    services.start("haproxy", "lb", ["haproxy", "-W", "-db", "-f", str(haproxy_config(work))])
    for app in APPS:
        wait_for_port(ip(app), 8000, app)
    wait_for_port(ip("lb"), 80, "HAProxy")
    deadline = time.monotonic() + 60
    while len(servers_up(work)) < len(APPS):
        if time.monotonic() > deadline:
            raise RuntimeError(f"HAProxy sees only {servers_up(work)} up")
        time.sleep(0.3)

    # A session made on app1 alone; app1 is killed later and the session used elsewhere.
    pinned = requests.Session()
    login(pinned, "canbo_tinh", host="app1")

    tally = Tally()
    lags: list[float] = []
    acked: dict[int, list[int]] = {c.pk: [] for c in communes}
    threads = [threading.Thread(target=lag_sampler, args=(tally, lags), daemon=True)]
    threads += [
        threading.Thread(target=guest_loop, args=(tally, portal_pages), daemon=True)
        for _ in range(3)
    ]
    threads += [
        threading.Thread(target=reader_loop, args=(tally, entry_province, analytics), daemon=True)
        for _ in range(3)
    ]
    threads += [
        threading.Thread(
            target=saver_loop,
            args=(
                tally,
                f"/nhap-lieu/BC_NAM_XA/{c.uid}/2023/",
                str(hd.pk),
                acked[c.pk],
                5000 + 1000 * i,
            ),
            daemon=True,
        )
        for i, c in enumerate(communes)
    ]
    step("load: guests, province officers, commune entry; then the publish check")
    load_began = time.monotonic()
    for thread in threads:
        thread.start()

    # Publishing: every server's guests' cache follows an unpublish and a publish.
    admin = requests.Session()
    login(admin, "admin")
    article = articles[4]
    guest = requests.Session()

    def seen_everywhere(status: int) -> bool:
        answers = []
        for app in APPS:
            guest.cookies.clear()
            answers.append(guest.get(base_url(app) + article.url, timeout=60).status_code)
        return all(a == status for a in answers)

    def bulk(action: str) -> None:
        url = f"{base_url()}/cms/bulk/wagtailcore/page/{action}/?id={article.pk}"
        admin.get(url, timeout=60)
        answer = admin.post(
            url,
            data={"csrfmiddlewaretoken": admin.cookies.get("csrftoken", "")},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302:  # Wagtail redirects once done; a 200 is its form again
            failures.append(f"{action} answered {answer.status_code}")

    def within_replica_lag(status: int) -> bool:
        # Guests' pages read the replica, which may be up to REPLICA_MAX_LAG_SECONDS behind
        # the editor's change; no server may keep showing the old page after that.
        deadline = time.monotonic() + REPLICA_MAX_LAG_SECONDS + 2
        while not seen_everywhere(status):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    cached_before = seen_everywhere(200) and seen_everywhere(200)  # the second from the cache
    bulk("unpublish")
    gone = within_replica_lag(404)
    bulk("publish")
    back = within_replica_lag(200)
    report["publish_invalidates_every_server"] = cached_before and gone and back
    step(f"publish seen by every server's guest cache: {cached_before=} {gone=} {back=}")
    if not report["publish_invalidates_every_server"]:
        failures.append(f"guest caches after publish: {cached_before=} {gone=} {back=}")

    step("the import: upload through the balancer, a worker runs it")
    upload_page = base_url() + "/api/nhap-tep/"
    admin.get(upload_page, timeout=60)
    with import_file.open("rb") as handle:
        answer = admin.post(
            upload_page,
            data={
                "format": "",
                "id_scheme": "UID",
                "strategy": "CREATE_AND_UPDATE",
                "csrfmiddlewaretoken": admin.cookies.get("csrftoken", ""),
            },
            files={"file": (import_file.name, handle, "application/json")},
            headers={"Referer": upload_page},
            allow_redirects=False,
            timeout=300,
        )
    job = ImportJob.objects.order_by("-pk").first()
    if answer.status_code != 302 or job is None:
        raise RuntimeError(f"the upload answered {answer.status_code}")
    progress_url = f"{base_url()}/api/nhap-tep/{job.pk}/tien-do/"

    def progress() -> dict[str, Any]:
        for _ in range(5):
            try:
                got = admin.get(progress_url, timeout=60)
                if got.status_code == 200:
                    return dict(got.json())
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("the progress page does not answer")

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        now = progress()
        if now["status"] == "running" and now["valuesRead"] >= IMPORT_VALUES // 4:
            break
        if now["finished"]:
            raise RuntimeError(f"the import ended before the kill: {now}")
        time.sleep(0.3)
    from django_tasks_db.models import DBTaskResult

    runner = DBTaskResult.objects.get(id=job.task_id).worker_ids[-1]
    victim = next(w for w in WORKERS if runner.startswith(w))
    step(f"kill: worker {victim} at {now['valuesRead']} values read, and app1")
    services.kill(victim)
    services.kill("app1")
    killed_at = time.monotonic()
    report["worker_killed"] = victim
    report["app_server_killed"] = "app1"
    report["values_read_when_killed"] = now["valuesRead"]

    # The session made on app1 works on the others.
    # A browser sends its cookie to the one address it signed in at; here each server has an
    # address of its own, so the session's cookie is handed to the others explicitly.
    session_cookie = {"sessionid": pinned.cookies.get("sessionid", "")}
    moved = [
        requests.get(base_url(app) + entry_province, cookies=session_cookie, timeout=60)
        for app in ("app2", "app3")
    ]
    report["session_survives"] = all(signed_in(r) for r in moved)

    deadline = time.monotonic() + STALE_SECONDS + 60
    while time.monotonic() < deadline:
        now = progress()
        if now["finished"]:
            break
        time.sleep(1)
    written_2027 = DataValue.objects.filter(period__code__startswith="2027").count()
    report["job_failed_after_kill"] = now["status"] == "failed"
    report["values_after_kill"] = written_2027
    step(f"job {now['status']} ({now['error'][:60]}); {written_2027} values of 2027 stored")
    retry_url = f"{base_url()}/api/nhap-tep/{job.pk}/nhap-lai/"
    admin.get(f"{base_url()}/api/nhap-tep/{job.pk}/", timeout=60)
    admin.post(
        retry_url,
        data={"csrfmiddlewaretoken": admin.cookies.get("csrftoken", "")},
        headers={"Referer": retry_url},
        timeout=60,
    )
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        now = progress()
        if now["finished"] and now["status"] != "queued":
            break
        time.sleep(1)
    job.refresh_from_db()
    imported = (job.summary or {}).get("importCount", {}).get("imported")
    stored = DataValue.objects.filter(period__code__startswith="2027").count()
    retried_on = DBTaskResult.objects.get(id=job.task_id).worker_ids
    report["job_imported_once"] = bool(
        now["status"] == "done" and imported == written and stored == written and written_2027 == 0
    )
    report["job_retried_on"] = retried_on
    step(f"retried on {retried_on}: {now['status']}, imported {imported}, stored {stored}")

    while tally.counts["requests"] < REQUESTS and time.monotonic() - load_began < 420:
        time.sleep(0.5)
    step("stop the replica under load")
    on_replica_before = tally.counts["reads_on_replica"]
    tally.replica_stopped_at = time.monotonic()
    services.kill("db2", signal.SIGINT)  # PostgreSQL's fast shutdown
    time.sleep(8)
    tally.stop.set()
    for thread in threads:
        thread.join(90)
    load_seconds = time.monotonic() - load_began
    counts = tally.counts
    report["replica_fallback_ok"] = (
        counts["requests_after_replica_stop"] > 0 and counts["replica_reads_after_stop"] == 0
    )

    # No lost writes: each commune's figure is the last save acknowledged.
    from phongtrao.data.services import period_get

    period = period_get("2023")
    lost = 0
    for commune in communes:
        stored_value = (
            DataValue.objects.filter(indicator=hd, unit=commune, period=period)
            .values_list("value", flat=True)
            .first()
        )
        last = acked[commune.pk][-1] if acked[commune.pk] else None
        if last is not None and (stored_value is None or int(stored_value) != last):
            lost += 1
    report["saves_acknowledged"] = sum(len(a) for a in acked.values())
    report["saves_lost"] = lost
    report["logins"] = counts["login"]
    errors = counts["errors"]
    final = {
        "app_servers": len(APPS),
        "workers": len(WORKERS),
        "requests": counts["requests"],
        "errors": errors,
        "rps": round(counts["requests"] / load_seconds, 1),
        "app_server_killed": report["app_server_killed"],
        "worker_killed": report["worker_killed"],
        "job_imported_once": report["job_imported_once"],
        "replica": "streaming",
        "reads_on_replica": counts["reads_on_replica"],
        "max_replica_lag_ms": round(max(lags, default=0.0), 1),
        # Beyond the keys:
        "error_rate": round(errors / max(1, counts["requests"]), 5),
        "mix": {k: counts[k] for k in ("portal", "entry", "analytics", "save", "login")},
        "saves_acknowledged": report["saves_acknowledged"],
        "saves_lost": lost,
        "session_survives": report["session_survives"],
        "publish_invalidates_every_server": report["publish_invalidates_every_server"],
        "job_failed_after_kill": report["job_failed_after_kill"],
        "values_after_kill": report["values_after_kill"],
        "import_values": written,
        "replica_reads_before_stop": on_replica_before,
        "replica_fallback_ok": report["replica_fallback_ok"],
        "seconds_after_kill": round(time.monotonic() - killed_at, 1),
        "load_seconds": round(load_seconds, 1),
        "seconds": round(time.monotonic() - began, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }
    checks = {
        "requests": counts["requests"] >= REQUESTS,
        "error rate at most 0.1%": errors <= counts["requests"] * 0.001,
        "job imported once": report["job_imported_once"],
        "job failed after the kill": report["job_failed_after_kill"],
        "no lost save": lost == 0 and report["saves_acknowledged"] > 0,
        "session survives": report["session_survives"],
        "publish seen by every server": report["publish_invalidates_every_server"],
        "reads on the replica": on_replica_before > 0,
        "replica fallback": report["replica_fallback_ok"],
    }
    failures += [name for name, good in checks.items() if not good]
    for line in tally.errors:
        print(f"error: {line}", file=sys.stderr)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    final["checks_passed"] = not failures
    print(json.dumps(final, ensure_ascii=False), flush=True)
    return 0 if not failures else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--keep-logs", action="store_true", help="keep the work folder's logs")
    args = parser.parse_args()
    if args.inside:
        return inside(args.inside)
    return outside(args.keep_logs)


if __name__ == "__main__":
    sys.exit(main())
