"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

No browser is downloaded: the fixture launches the system Chromium (``CHROMIUM_PATH``, by
default ``/usr/bin/chromium``). Where it is missing the browser tests skip with the reason,
except under CI (``CI`` set), where a skipped browser test would hide a broken set-up, so
they fail instead. A failing test (or a fixture driving its page) leaves a full-page screenshot in ``test-results/``.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Playwright's sync API runs an event loop in the test thread; the ORM calls a test makes
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Assertions wait as long as actions do: two test processes, a live server and PostgreSQL share
# two cores, and a search-as-you-type answer can take longer than Playwright's 5 s default.
expect.set_options(timeout=10_000)

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"
# How long a test's page may take to finish the requests it still has open when the test ends.
IN_FLIGHT_GRACE_SECONDS = 10
# Without these, Chromium reaches out to Google at start-up; this machine has no internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
phase_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@dataclass
class _Borrowed:
    """What a request thread of the live server borrows for its life: database connections
    (one per alias; none where the test's own are shared) and cache clients."""

    databases: dict[str, BaseDatabaseWrapper]
    caches: dict[str, BaseCache]
    cache_settings: dict[str, Any]  # a test that overrides CACHES gets new clients

    @classmethod
    def cache_clients(cls) -> tuple[dict[str, BaseCache], dict[str, Any]]:
        return {alias: caches.create_connection(alias) for alias in caches}, caches.settings


class _TakingTurnsServer(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share a connection,
    and reusing database connections and cache clients when they do not.

    On SQLite the test database lives in memory, and Django hands every request thread the
    test's one connection. Two requests at once (the dashboard fires its API calls together)
    then use one connection from two threads, which hung a SQLite run in two queries that never
    returned. Here each request takes the turn for its whole life, body included; connections
    stay threaded, so a browser's idle keep-alive connection holds nothing.

    On PostgreSQL each HTTP connection gets a thread of its own, and Django opened a database
    connection in every one and closed it at the end: a new PostgreSQL backend for each request
    the schema fuzz sends, a fifth of the server's time. Here a thread borrows an idle
    connection (one per database alias) for its life and gives it back, as a production worker
    keeps its connection (``CONN_MAX_AGE``) from one request to the next; Django still closes
    one that is broken or left mid-transaction at the end of its request. Caches are per thread
    in Django too, and a Redis cache's client opens its own connection pool: a new Redis
    connection for each request, so threads borrow those as well.
    """

    _turn = threading.Lock()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[_Borrowed] = []
        self._idle_lock = threading.Lock()
        self._made: list[BaseDatabaseWrapper] = []

    def _borrow(self) -> _Borrowed:
        with self._idle_lock:
            idle = self._idle.pop() if self._idle else None
        if idle is not None:
            if idle.cache_settings is not caches.settings:
                idle.caches, idle.cache_settings = _Borrowed.cache_clients()
            return idle
        databases = {}
        if not self.connections_override:
            for alias in connections:
                databases[alias] = connections.create_connection(alias)
                # used by one request thread at a time, closed by this one
                databases[alias].inc_thread_sharing()
        borrowed = _Borrowed(databases, *_Borrowed.cache_clients())
        with self._idle_lock:
            self._made.extend(databases.values())
        return borrowed

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        borrowed = self._borrow()
        for alias, connection in borrowed.databases.items():
            connections[alias] = connection
        for alias, cache in borrowed.caches.items():
            caches[alias] = cache
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._idle_lock:
                self._idle.append(borrowed)

    def _close_connections(self) -> None:
        if self.connections_override:
            connections.close_all()  # Django's own
            return
        for connection in connections.all(initialized_only=True):
            try:
                connection.close_if_unusable_or_obsolete()
            except RuntimeError as blocked:
                # A browser's keep-alive connection can end after its test did, when pytest-django
                # blocks the database again and refuses even this check. The connection goes back
                # to the idle ones; Django checks it again when the next request starts.
                if not str(blocked).startswith("Database access not allowed"):
                    raise

    def server_close(self) -> None:
        super().server_close()
        with self._idle_lock:
            made, self._made, self._idle = self._made, [], []
        for connection in made:  # before the test database is dropped, which they would block
            connection.close()

    def set_app(self, application: WSGIApplication | None) -> None:
        if application is None or not self.connections_override:
            super().set_app(application)
            return

        def taking_turns(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            with self._turn:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()

        super().set_app(taking_turns)


LiveServerThread.server_class = _TakingTurnsServer


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: Any) -> Any:
    """pytest-django's live server, started once the test database exists so that it stops
    before the database is dropped. Its own does not ask for the database: when a run's first
    test asked for the server before the database (a browser test run on its own), the
    database went first at the end, and PostgreSQL refused to drop it while the server's
    connections were open ("being accessed by other users"), leaving it behind."""
    return live_server


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(phase_reports, {})[report.when] = report
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread
    while the browser is open; closing it with the module lets the tests that pytest-xdist
    runs next in this process call Django's async-to-sync code (the health checks do)."""
    if not (shutil.which(CHROMIUM_PATH) or os.path.exists(CHROMIUM_PATH)):
        reason = f"no Chromium at {CHROMIUM_PATH}: install Debian's package (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Desktop by default; parametrize a test with a 375-pixel viewport to check phones."""
    return {"width": 1280, "height": 900}


@pytest.fixture
def page(browser: Browser, viewport: dict[str, int], request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    in_flight: set[Request] = set()

    def started(started_request: Request) -> None:
        in_flight.add(started_request)

    def ended(ended_request: Request) -> None:
        in_flight.discard(ended_request)

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    yield page
    # The test failed, or a fixture that uses the page did (the shopper's steps before the test).
    if any(report.failed for report in request.node.stash.get(phase_reports, {}).values()):
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
    # Let requests the page still has open (the dashboard fires several at once) finish first:
    # closing the browser does not stop the server's thread, whose queries would then race the
    # database flush that follows a live-server test (a deadlock on PostgreSQL, seen in a run).
    settle_by = time.monotonic() + IN_FLIGHT_GRACE_SECONDS
    while in_flight and not page.is_closed() and time.monotonic() < settle_by:
        page.wait_for_timeout(50)
    context.close()
