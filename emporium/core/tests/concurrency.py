"""Race helpers for the PostgreSQL concurrency tests: jobs released at the same instant."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, connections

from emporium.core.tests.private_postgres import wait_for

# For a test module (``pytestmark = needs_postgresql``): SQLite serialises every writer on one
# database lock, so a race there shows nothing.
needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks only race on PostgreSQL; set DATABASE_URL=postgres://... to run",
)


def all_at_once(
    jobs: list[Callable[[], str]], *, refused: Callable[[Exception], str | None] = lambda error: None
) -> Counter[str]:
    """Run each job in a thread of its own (so a database connection of its own), all released
    together by a barrier, and count their outcomes: what a job returns; ``refused(error)``
    for an error the test expects (a refusal), when it gives text; otherwise
    "error: <type>: <message>" (a deadlock, say), for the test's asserts to report."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(job: Callable[[], str]) -> None:
        try:
            barrier.wait()
            outcome = job()
        except Exception as error:
            outcome = refused(error) or f"error: {type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def session_pid() -> int:
    """The PostgreSQL backend of this thread's database connection (opened if need be)."""
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def wait_until_blocked_or_done(thread: threading.Thread, *, pid: int, seconds: float = 30) -> bool:
    """Wait until the session ``pid`` (``thread``'s) waits on a lock another session holds, or
    ``thread`` ends without ever having to: which of the two happened, not a guessed pause.

    For a test that holds a lock and must know the other side met it before letting go (so a
    blocked thread cannot end meanwhile). Asked from this thread's own connection
    (``pg_blocking_pids`` reads the lock table, taking no lock itself), inside its transaction
    if it is in one."""

    def is_blocked() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [pid])
            return bool(cursor.fetchone()[0])

    wait_for(
        lambda: not thread.is_alive() or is_blocked(),
        seconds=seconds,
        what=f"session {pid} to wait on a lock or end",
    )
    return thread.is_alive()
