"""Embedded mode runs its periodic jobs too: `make run` starts Celery beat beside the web server.

With no broker, tasks run inline (CELERY_TASK_ALWAYS_EAGER), so beat itself runs each job when
it falls due. This starts that scheduler as `make run` does, against a SQLite file of its own,
and waits for an unpaid order past its reservation to give its stock back.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
SET_UP_AN_EXPIRED_ORDER = """
from datetime import timedelta
from django.utils import timezone
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
variant = VariantFactory.create(sku="HELD-1", stock_on_hand=5, stock_allocated=2)
order = OrderFactory.create(
    number="EM-EXPIRED", status=OrderStatus.UNPAID, stock_state=StockState.RESERVED,
    reserved_until=timezone.now() - timedelta(minutes=1),
)
OrderLineFactory.create(order=order, variant=variant, quantity=2)
"""

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")),
    reason="the embedded mode's scheduler: runs in the SQLite pass (no DATABASE_URL or REDIS_URL)",
)


def _embedded_env(database: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMPORIUM_ENV"))
    }
    return {**env, "SQLITE_PATH": str(database), "ORDER_RELEASE_INTERVAL_SECONDS": "1"}


def _order_and_stock(database: Path) -> tuple[str, str, int]:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT o.status, o.stock_state, v.stock_allocated FROM orders_order o"
            " JOIN orders_orderline l ON l.order_id = o.id JOIN catalog_variant v ON v.id = l.variant_id"
            " WHERE o.number = 'EM-EXPIRED'"
        ).fetchone()
    return row


def _copy_of_the_migrated_test_database(database: Path) -> None:
    """The shop's file: a copy of this run's test database, which the migrations built.

    The same tables and rows as `make run`'s `migrate` writes into an empty file, without
    spending ten seconds of a test process running every migration again. The test is
    transactional, so no open transaction of its own holds the copy up; other tests' rows were
    rolled back or flushed.
    """
    connection.ensure_connection()
    with sqlite3.connect(database) as target:
        connection.connection.backup(target)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_scheduler_releases_an_expired_orders_stock(tmp_path):
    database = tmp_path / "shop.sqlite3"
    env = _embedded_env(database)
    manage = [sys.executable, "manage.py"]
    _copy_of_the_migrated_test_database(database)
    subprocess.run(
        [*manage, "shell", "-c", SET_UP_AN_EXPIRED_ORDER], cwd=ROOT, env=env, check=True, timeout=60
    )
    assert _order_and_stock(database) == ("unpaid", "reserved", 2)

    celery = Path(sys.executable).with_name("celery")
    beat = subprocess.Popen(
        [str(celery), "-A", "config", "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "schedule")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30  # the job runs every second here; once a minute by default
        while time.monotonic() < deadline and _order_and_stock(database)[0] == "unpaid":
            assert beat.poll() is None, "the scheduler stopped"
            time.sleep(0.5)
    finally:
        beat.terminate()
        output, _ = beat.communicate(timeout=30)

    assert _order_and_stock(database) == ("cancelled", "released", 0), output
    assert "release_expired_orders_task" in output
