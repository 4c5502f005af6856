"""A Celery worker process killed mid-task: the task runs again and acts once.

A real worker (prefork, one child) on a Redis of the test's own (never the shared one) runs
the order-confirmation task. The test holds the order's row lock, so the task waits inside
its transaction, kills the child with SIGKILL (as the kernel's out-of-memory killer would),
then lets go. With acks late and ``task_reject_on_worker_lost`` the message goes back to the
queue, a new child runs the task, and the customer gets one e-mail, recorded once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from emporium.core.tests.private_postgres import wait_for
from emporium.core.tests.private_redis import PrivateRedis
from emporium.orders.models import OrderEvent, OrderEventType
from emporium.orders.tests.factories import OrderFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

TASK = "emporium.checkout.tasks.send_order_confirmation_task"


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _waiting_on_the_order(watcher: psycopg.Connection, holder: psycopg.Connection) -> set[int]:
    """Backends of other sessions waiting, directly or in the queue behind another waiter, for
    the lock ``holder`` holds: the order's row, the only lock this test holds. (Asked of
    PostgreSQL's lock graph, not read from the waiting query's text, which pg_stat_activity cuts
    at 1 kB: the order's SELECT ... FOR UPDATE is longer.)"""
    rows = watcher.execute(
        """WITH RECURSIVE waiting(pid) AS (
               SELECT pid FROM pg_stat_activity WHERE %(holder)s = ANY(pg_blocking_pids(pid))
               UNION
               SELECT a.pid FROM pg_stat_activity a JOIN waiting w ON w.pid = ANY(pg_blocking_pids(a.pid))
           )
           SELECT pid FROM waiting""",
        {"holder": holder.info.backend_pid},
    ).fetchall()
    return {row[0] for row in rows}


def _holds_no_message(broker: redis.Redis) -> bool:
    """Kombu's Redis transport keeps each queue as a list and what workers took but have not
    acknowledged in the ``unacked`` hash."""
    if broker.hlen("unacked"):
        return False
    return not any(broker.type(key) == b"list" and broker.llen(key) for key in broker.scan_iter())


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(line) for line in out.split()}


def test_a_task_whose_worker_is_killed_runs_again_and_sends_one_email(
    transactional_db: None, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker must share the test's database, and row locks must be real")
    order = OrderFactory.create(idempotency_key=uuid.uuid4(), email="ann@example.com")
    outbox = tmp_path / "mail"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": private_redis.url,
        "CELERY_BROKER_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"filemail:///{outbox}",  # django-environ drops one leading slash
        "LOG_LEVEL": "INFO",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "worker.log").open("w"),
    )  # fmt: skip
    log = tmp_path / "worker.log"
    try:
        with (
            psycopg.connect(_database_url()) as holder,
            psycopg.connect(_database_url(), autocommit=True) as watcher,
        ):
            holder.execute(
                "SELECT id FROM orders_order WHERE id = %s FOR UPDATE", [order.pk]
            )  # held until rollback
            Celery(broker=private_redis.url, set_as_current=False).send_task(
                TASK, kwargs={"order_id": order.pk}
            )

            wait_for(lambda: _waiting_on_the_order(watcher, holder), seconds=90, what="the task to start")
            first = _waiting_on_the_order(watcher, holder)
            (child,) = _children(worker.pid)
            os.kill(child, signal.SIGKILL)
            wait_for(
                lambda: _waiting_on_the_order(watcher, holder) - first,
                seconds=60,
                what="the task to run again in a new child",
            )
            holder.rollback()  # let go: the new child sends, the dead child's session has nobody to answer

        wait_for(lambda: any(outbox.iterdir()), seconds=60, what="the e-mail")
        wait_for(
            lambda: OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT).exists(),
            seconds=30,
            what="the e-mail to be recorded",
        )
        # Nothing left that could send it again: no message waits in a queue, none is held
        # unacknowledged (acks late: the task's message is acknowledged only once it returned).
        broker = redis.Redis.from_url(private_redis.url)
        wait_for(lambda: _holds_no_message(broker), seconds=30, what="the broker to hold no message")
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- worker log ---\n{log.read_text()[-4000:]}") from None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    errors = log.read_text()

    assert len(list(outbox.iterdir())) == 1, errors[-3000:]
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT).count() == 1
    assert "WorkerLostError" in errors  # the kill happened mid-task, as the worker saw it
