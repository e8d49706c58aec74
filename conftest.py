"""Shared pytest fixtures: the people and units most tests need.

The national units (`admin_units`) are loaded once per run and shared by the tests that ask
for them, which run one after the other (see `pytest_collection_modifyitems`); they are rolled
back after the last of them, so the tests after it see what they saw before. The Bình Phước
demo (`binh_phuoc_demo`) is loaded once on top of them, in a savepoint, for the tests that ask
for it, which run after those of the units alone; the rest of `manage.py load_demo`
(`full_demo`) once on top of that, for the last of them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection, connections

BROWSER = "browser_page"
ADMIN_UNITS = "admin_units"
DEMO = "binh_phuoc_demo"
FULL_DEMO = "full_demo"
PORTAL = "portal_site"
TREE = "small_tree"
ENGINE_INDEPENDENT = "engine_independent"
SHARED_DATA = "shared_data"
TRANSACTIONAL = "transactional"
BROWSER_MARK = "browser"


def one_request_at_a_time(server_class: type[ThreadedWSGIServer]) -> type[ThreadedWSGIServer]:
    """The live server's class, serving one request at a time when it shares the test's
    in-memory SQLite connection: that one connection cannot hold two requests' transactions
    (a browser's concurrent request would end the other's atomic block). Each request still
    has a thread of its own, so a kept-alive connection blocks nobody."""

    class OneRequestAtATime(server_class):  # type: ignore[valid-type, misc]
        def set_app(self, application: Any) -> None:
            if not self.connections_override:
                super().set_app(application)
                return
            lock = threading.Lock()

            def serial(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
                with lock:
                    return application(environ, start_response)

            super().set_app(serial)

    return OneRequestAtATime


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings
    from django.test.testcases import LiveServerThread
    from hypothesis import settings as hypothesis_settings

    from phongtrao.jobs.routers import PROGRESS
    from phongtrao.tests import rollback

    # Serialized rollback (transactional tests) by SQL copies instead of Django's JSON.
    rollback.install()
    # On SQLite `progress` is a database of its own that holds the jobs app's table alone
    # (phongtrao/jobs/routers.py): its test copy is made from the models rather than by
    # running every app's migrations a second time, which cost as much as the main one's.
    progress = connections[PROGRESS]
    if progress.vendor == "sqlite":
        progress.settings_dict["TEST"]["MIGRATE"] = False
    server = one_request_at_a_time(LiveServerThread.server_class)  # type: ignore[attr-defined]
    LiveServerThread.server_class = server  # type: ignore[attr-defined]

    # A real hash costs ~0.4 s per user on this machine; tests check who may do what, not
    # PBKDF2. Production keeps Django's default hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # `make test` runs every property on both databases (HYPOTHESIS_PROFILE=ci): a smaller
    # draw there, and no deadline on a shared machine; Hypothesis' defaults otherwise.
    hypothesis_settings.register_profile("ci", max_examples=30, deadline=None)
    hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _fixtures(item: pytest.Item | None) -> set[str]:
    return set(getattr(item, "fixturenames", ()))


def _django_order(item: pytest.Item) -> int:
    """pytest-django's order: database tests in a transaction, then transactional ones (they
    empty the tables), then the rest."""
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    ) or bool({"transactional_db", "live_server"} & _fixtures(item))
    if transactional:
        return 2
    return 0 if marker or "db" in _fixtures(item) else 3


def _run_order(item: pytest.Item) -> tuple[int, bool, bool, bool, bool, bool]:
    """The tests of the shared units and demos right after the other database tests (before
    anything empties the tables): the units alone, then the Bình Phước demo, then the full
    demo, each one block; the browser's last in their group. The tests on the portal's
    shared pages (`portal_site`) one block at the end of the other database tests; those on
    the shared `small_tree` one block at the end of those without the portal and one at the
    end of those with it."""
    order = _django_order(item)
    fixtures = _fixtures(item)
    if ADMIN_UNITS in fixtures:
        if order == 2:
            raise pytest.UsageError(
                f"{item.nodeid}: the shared units and demo can't serve a transactional test"
            )
        order = 1
    portal = order == 0 and PORTAL in fixtures
    tree = order == 0 and TREE in fixtures
    return order, portal, tree, DEMO in fixtures, FULL_DEMO in fixtures, BROWSER in fixtures


def pytest_itemcollected(item: pytest.Item) -> None:
    """Tests that never open a database are marked `engine_independent`: `make test` runs them
    once, in the SQLite run (`-m "not engine_independent"` in the PostgreSQL ones). A test that
    depends on the engine in another way (a subprocess, the settings) says `both_engines`.
    Tests on the shared units and demos are marked `shared_data`, transactional ones
    `transactional`: `make test` gives them a PostgreSQL run of their own, beside the one of
    the tests that each run in a transaction on their own data. Tests driving Chromium are
    marked `browser`: what they test is the pages' behaviour in a browser, the same on either
    engine, and `make test` runs them once, in PostgreSQL's run (the views under them run on
    both engines in the other tests)."""
    order = _run_order(item)[0]
    if BROWSER in _fixtures(item):
        item.add_marker(BROWSER_MARK)
    if order == 3 and not item.get_closest_marker("both_engines"):
        item.add_marker(ENGINE_INDEPENDENT)
    elif order == 1:
        item.add_marker(SHARED_DATA)
    elif order == 2:
        item.add_marker(TRANSACTIONAL)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_run_order)
    if connection.vendor == "postgresql":
        skip = pytest.mark.skip(reason="runs on SQLite only")
        needed = "sqlite_only"
    else:
        skip = pytest.mark.skip(reason="needs PostgreSQL: run under scripts/with_postgres.py")
        needed = "postgres"
    for item in items:
        if needed in item.keywords:
            item.add_marker(skip)


class Shared:
    """Things opened by the first test that needs them and closed after the last of the run
    of tests that do (tests are ordered so that each run is one block)."""

    def __init__(self) -> None:
        self.open: dict[str, tuple[ExitStack, Any]] = {}
        self.running: pytest.Item | None = None  # the test being set up

    def get(self, name: str, start: Callable[[ExitStack], Any]) -> Any:
        if name not in self.open:
            stack = ExitStack()
            try:
                value = start(stack)
            except BaseException:
                stack.close()
                raise
            self.open[name] = (stack, value)
        return self.open[name][1]

    def close_unneeded(self, nextitem: pytest.Item | None) -> None:
        # The last opened first: a later one may stand on an earlier one (a savepoint). Each
        # is a transaction, which a test that commits can't run in.
        commits = nextitem is not None and _django_order(nextitem) == 2
        for name in reversed(list(self.open)):
            if commits or name not in _fixtures(nextitem) or (name == TREE and not _tree(nextitem)):
                stack, _ = self.open.pop(name)
                stack.close()


SHARED = Shared()


def constraints_checked_once() -> None:
    """The foreign keys of what a shared layer just wrote, checked now, once: on PostgreSQL
    they are deferred to the end of the transaction, and Django's teardown of every test on
    top (`SET CONSTRAINTS ALL IMMEDIATE` in a savepoint it then rolls back) would check all
    of them again, about 4 s per test over the full demo."""
    if connection.vendor == "postgresql":
        connection.check_constraints()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    SHARED.running = item


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # After pytest's own teardown, so that a module's savepoint on top of the demo is gone.
    try:
        return (yield)
    finally:
        SHARED.close_unneeded(nextitem)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """pytest-django's hook before it creates the test databases: `make test` gives each run
    a template already migrated (phongtrao/tests/databases.py)."""
    from django.conf import settings

    from phongtrao.tests.databases import test_databases_from_template

    test_databases_from_template(settings.DATABASES)


@pytest.fixture(scope="session")
def admin_units(django_db_setup: None, django_db_blocker: Any) -> str:
    """The national units, `manage.py load_admin_units` run on the empty test database (as
    `make demo` does first), once per run in a transaction rolled back after the last test
    that uses them (the demos' included). Returns what the command printed. Each test runs
    in a savepoint inside it; a module may add its own savepoint on top."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    def start(stack: ExitStack) -> str:
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        stack.callback(transaction.set_rollback, True)
        out = StringIO()
        call_command("load_admin_units", stdout=out)
        constraints_checked_once()
        return out.getvalue()

    return cast(str, SHARED.get(ADMIN_UNITS, start))


@pytest.fixture(scope="session")
def binh_phuoc_demo(admin_units: str, django_db_blocker: Any) -> Any:
    """The Bình Phước demo on the shared units, as `make demo` loads it, once per run in a
    savepoint rolled back after the last test that uses it."""
    from django.db import transaction

    from phongtrao.demo.binh_phuoc import demo_binh_phuoc_load

    def start(stack: ExitStack) -> Any:
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(transaction.atomic())
        stack.callback(transaction.set_rollback, True)
        loaded = demo_binh_phuoc_load()
        constraints_checked_once()
        return loaded

    return SHARED.get(DEMO, start)


@pytest.fixture(scope="session")
def portal_site(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, int] | None:
    """The portal's small site (phongtrao/portal/tests/site.py), built once per run for the
    tests that run in a transaction, in a transaction rolled back after the last of them (they
    run one after the other); the pages' keys by name. None when the first test to ask commits
    (it can't run in a transaction: it builds its own, as do the others that commit)."""
    from django.db import transaction
    from django.test import override_settings

    from phongtrao.portal.tests.site import portal_build

    if SHARED.running is not None and _django_order(SHARED.running) == 2:
        return None

    def start(stack: ExitStack) -> dict[str, int]:
        stack.enter_context(django_db_blocker.unblock())
        media = tmp_path_factory.mktemp("portal-media")
        stack.enter_context(override_settings(MEDIA_ROOT=media))
        stack.enter_context(transaction.atomic())
        stack.callback(transaction.set_rollback, True)
        pages = portal_build()
        constraints_checked_once()
        return {name: page.pk for name, page in pages.items()}

    return cast(dict[str, int], SHARED.get(PORTAL, start))


@dataclass(frozen=True)
class FullDemo:
    """What each step of `full_demo` returned."""

    registry: Any
    emulation: Any
    users: list[tuple[str, str, str]]
    workflow: Any
    articles: list[str]
    links: int


@pytest.fixture(scope="session")
def full_demo(
    binh_phuoc_demo: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> FullDemo:
    """The rest of `manage.py load_demo`, in the command's order, on top of `binh_phuoc_demo`
    (the command's first two steps): the member registry, emulation 2023, the administrator
    and the officers, the reports in flight, the portal and its links. Once per run, in a
    savepoint of the shared demo's transaction, rolled back after the last test that uses it
    (they run after the other demo tests); the portal's files go to a temporary MEDIA_ROOT."""
    from django.db import transaction
    from django.test import override_settings

    from phongtrao.demo.registry import demo_registry_load
    from phongtrao.demo.services import demo_admin_ensure, demo_users_ensure
    from phongtrao.demo.workflow import demo_workflow_load
    from phongtrao.emulation.demo import emulation_demo_load
    from phongtrao.portal.demo import portal_demo_load
    from phongtrao.portal.traffic.demo import traffic_demo_load

    def start(stack: ExitStack) -> FullDemo:
        stack.enter_context(django_db_blocker.unblock())
        media = tmp_path_factory.mktemp("demo-media")
        stack.enter_context(override_settings(MEDIA_ROOT=media))
        stack.enter_context(transaction.atomic())
        stack.callback(transaction.set_rollback, True)
        registry = demo_registry_load()
        emulation = emulation_demo_load()
        demo_admin_ensure()
        users = demo_users_ensure()
        workflow = demo_workflow_load()
        articles = portal_demo_load()
        links = traffic_demo_load()
        constraints_checked_once()
        return FullDemo(registry, emulation, users, workflow, articles, links)

    return cast(FullDemo, SHARED.get(FULL_DEMO, start))


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Every test starts with an empty cache: the database is rolled back between tests,
    so a copy (a cached dashboard) made by another test must not be served."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def portal_state_checked_on_every_request(settings: object) -> None:
    """Tests see a published page change at once; production trusts what it read of the
    page tree for PORTAL_STATE_SECONDS (1 s) to save two queries per portal page."""
    settings.PORTAL_STATE_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def views_and_visits_written_in_the_request(settings: Any) -> None:
    """A request's view and visit are in the database when it returns; production writes
    them in batches (phongtrao/portal/tests/test_batched_counts.py). Named to come after
    `empty_cache` (pytest orders a conftest's autouse fixtures by name): the settings it
    changes are put back before `empty_cache` empties the cache they name."""
    settings.COUNTS_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def replica_reads_off(settings: Any) -> None:
    """Reads stay on the primary (a test's writes are in its transaction, which no replica
    sees); phongtrao/tests/test_replica.py turns them on against a real replica."""
    settings.REPLICA_READS = False


@pytest.fixture(autouse=True)
def private_files_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Private files (emulation evidence) written by a test go to a temporary directory."""
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path_factory.mktemp("private"), "base_url": None},
    }
    settings.STORAGES = {**settings.STORAGES, "private": private}


@pytest.fixture
def indicators(db: None) -> dict[str, object]:
    """The default catalog, by code (loaded by the catalog's data migration)."""
    from phongtrao.catalog.models import Indicator

    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def small_tree(db: None) -> dict[str, Any]:
    """A province with two districts and three communes, in the pre-2025 edition.

    Built once for a block of tests that each run in a transaction (the `small_tree` layer,
    opened before their transaction by `pytest_fixture_setup` below, rolled back after the
    last of the block) and read afresh for each; a test that commits, or one on the shared
    units, builds its own."""
    layer = SHARED.open.get(TREE)
    return _small_tree_read(layer[1]) if layer is not None else _small_tree_build()


def _small_tree_build() -> dict[str, Any]:
    from phongtrao.orgs.models import Level
    from phongtrao.orgs.services import editions_ensure, unit_create

    old, _ = editions_ensure()
    vn = unit_create(edition=old, code="T-VN", name="Việt Nam", level=Level.CENTRAL)
    province = unit_create(
        edition=old, code="T-70", name="Tỉnh Thử", level=Level.PROVINCE, parent=vn
    )
    d1 = unit_create(
        edition=old, code="T-701", name="Huyện Một", level=Level.DISTRICT, parent=province
    )
    d2 = unit_create(
        edition=old, code="T-702", name="Huyện Hai", level=Level.DISTRICT, parent=province
    )
    c1 = unit_create(edition=old, code="T-70101", name="Xã A", level=Level.COMMUNE, parent=d1)
    c2 = unit_create(edition=old, code="T-70102", name="Xã B", level=Level.COMMUNE, parent=d1)
    c3 = unit_create(edition=old, code="T-70201", name="Xã C", level=Level.COMMUNE, parent=d2)
    return {"vn": vn, "province": province, "d1": d1, "d2": d2, "c1": c1, "c2": c2, "c3": c3}


def _small_tree_read(pks: dict[str, int]) -> dict[str, Any]:
    """The units of `_small_tree_build` read afresh, as it returned them: each holding its
    parent of the tree and one edition (no query to reach them)."""
    from phongtrao.orgs.models import Unit

    units = Unit.objects.select_related("edition").in_bulk(pks.values())
    edition = units[pks["vn"]].edition
    for unit in units.values():
        unit.edition = edition
        if unit.parent_id is not None:
            unit.parent = units[unit.parent_id]
    return {name: units[pk] for name, pk in pks.items()}


def _tree(item: pytest.Item | None) -> bool:
    """Whether the test reads the shared `small_tree` (one in a transaction, not on the
    shared units)."""
    return item is not None and _run_order(item)[2]


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared `small_tree` opened, if the test reads it, before pytest-django's helper
    puts the test in a transaction (its own fixtures are set up then, inside it): a layer
    opened by a session fixture could not open again for a later block."""
    if fixturedef.argname == "_django_db_helper" and _tree(request.node):
        blocker = request.getfixturevalue("django_db_blocker")

        def start(stack: ExitStack) -> dict[str, int]:
            from django.db import transaction

            stack.enter_context(blocker.unblock())
            stack.enter_context(transaction.atomic())
            stack.callback(transaction.set_rollback, True)
            tree = _small_tree_build()
            constraints_checked_once()
            return {name: unit.pk for name, unit in tree.items()}

        SHARED.get(TREE, start)
    return (yield)


@pytest.fixture
def small_tree_2025(small_tree: dict[str, Any]) -> dict[str, Any]:
    """`small_tree` (2008) and its 2025 successor, with the mapping between them: Tỉnh Thử
    whole; Xã A, Xã B and 70% of Xã C into Xã Bắc, 30% of Xã C into Xã Nam. Adds `new_vn`,
    `new_province`, `north`, `south`; no values."""
    from decimal import Decimal

    from phongtrao.orgs.mapping import mapping_rebuild
    from phongtrao.orgs.models import Level, Succession, SuccessionKind
    from phongtrao.orgs.services import editions_ensure, unit_create

    _, new = editions_ensure()
    vn = unit_create(edition=new, code="T-VN", name="Việt Nam", level=Level.CENTRAL)
    province = unit_create(
        edition=new, code="T-70", name="Tỉnh Thử", level=Level.PROVINCE, parent=vn
    )
    north = unit_create(
        edition=new, code="T-N", name="Xã Bắc", level=Level.COMMUNE, parent=province
    )
    south = unit_create(
        edition=new, code="T-S", name="Xã Nam", level=Level.COMMUNE, parent=province
    )
    for old, successor, weight in (
        ("vn", vn, "1"),
        ("province", province, "1"),
        ("c1", north, "1"),
        ("c2", north, "1"),
        ("c3", north, "0.7"),
        ("c3", south, "0.3"),
    ):
        Succession.objects.create(
            predecessor=small_tree[old],
            successor=successor,
            kind=SuccessionKind.SPLIT if weight != "1" else SuccessionKind.MERGE,
            weight=Decimal(weight),
            effective=new.valid_from,
        )
    mapping_rebuild()
    return {**small_tree, "new_vn": vn, "new_province": province, "north": north, "south": south}


@pytest.fixture
def province_officer(db: None) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("canbo_tinh_test", password="x")


@pytest.fixture
def commune_officer(db: None) -> object:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("canbo_xa_test", password="x")


@pytest.fixture
def no_deadlines(db: None) -> None:
    """Forms without deadlines, for tests that write 2023 figures as officers: the catalog's
    forms close 15 days after the period, so 2023 is long locked for them."""
    from phongtrao.catalog.models import Form

    Form.objects.update(deadline_days=0)


@pytest.fixture
def browser_page(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A page of Debian's Chromium, headless, Vietnamese; a phone's screen unless the test
    module sets BROWSER_VIEWPORT."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("needs Debian's chromium: make system-packages")
    from playwright.sync_api import expect, sync_playwright

    # What a test expects of a page may take a while under the suite's four runs on two cores.
    expect.set_options(timeout=20_000)
    # Playwright runs an event loop in this thread; the fixtures' ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    viewport = getattr(request.module, "BROWSER_VIEWPORT", {"width": 390, "height": 844})
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        yield context.new_page()
        browser.close()


@pytest.fixture
def smtp_server(settings: Any) -> object:
    """A real SMTP server (aiosmtpd) on a free local port for the test, with Django's SMTP
    backend pointed at it; `.messages` holds what arrived (email.message.Message);
    `.stop()` and `.start()` take it down and bring it back on the same port."""
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            self.messages.append(message_from_bytes(envelope.original_content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    running: list[Any] = []

    def start() -> None:
        # A stopped controller's loop is closed: a new one serves the same port.
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)

    def stop() -> None:
        running.pop().stop()

    inbox.start, inbox.stop = start, stop  # type: ignore[attr-defined]
    start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    yield inbox
    while running:
        stop()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's server mode) for the whole run."""
    from phongtrao.tests.servers import s3_server

    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def shared_storages(s3_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The project's files on the S3 server, as a cluster configures them (fresh buckets)."""
    import uuid

    from config.settings import s3_storages
    from phongtrao.tests.servers import s3_client

    for name, value in {
        "AWS_ACCESS_KEY_ID": "phongtrao",
        "AWS_SECRET_ACCESS_KEY": "bi-mat",
    }.items():
        monkeypatch.setenv(name, value)
    bucket = f"phongtrao-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_endpoint)
    for name in (bucket, f"{bucket}-private"):
        client.create_bucket(Bucket=name)
    found = s3_storages({"PHONGTRAO_S3_BUCKET": bucket, "PHONGTRAO_S3_ENDPOINT_URL": s3_endpoint})
    settings.STORAGES = {**settings.STORAGES, **found}
    return client


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis server of its own (Debian's redis-server, on a Unix socket)."""
    from phongtrao.tests.servers import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def real_replica(settings: Any) -> Iterator[None]:
    """The `replica` alias pointed at the real replica (tests mirror it to the primary); for
    tests marked `phongtrao.tests.replica.needs_replica`."""
    from django.db import connections

    from config.replica import REPLICA, health
    from phongtrao.tests.replica import replica_settings

    settings.REPLICA_READS = True
    replica, primary = connections[REPLICA], connections["default"]
    mirrored = replica.settings_dict
    replica.close()
    replica.settings_dict = replica_settings(primary.settings_dict)
    health.mark_down()
    health.checked_at = -1e9
    try:
        yield
    finally:
        replica.close()
        replica.settings_dict = mirrored
        health.checked_at = -1e9
