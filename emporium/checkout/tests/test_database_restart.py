"""PostgreSQL restarted mid-checkout: a retryable error, no half order, and the retry places it once.

The shop's data is copied into a PostgreSQL server of the test's own (never the shared one),
where a trigger holds the order's first line insert until the test has restarted the server.
A shopper's API client in its own process places the order, meets the restart inside the
checkout transaction, and retries with the same idempotency key, as the problem tells it to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory, make_address
from emporium.core.tests.private_postgres import (
    can_run_private_postgres,
    copy_database,
    private_postgres,
    wait_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not can_run_private_postgres(), reason="needs PostgreSQL's server tools"),
]

STALL_THE_FIRST_LINE = """
CREATE TABLE fault_stall (armed boolean NOT NULL);
INSERT INTO fault_stall VALUES (true);
CREATE FUNCTION fault_stall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT armed FROM fault_stall) THEN PERFORM pg_sleep(60); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fault_stall BEFORE INSERT ON orders_orderline FOR EACH ROW EXECUTE FUNCTION fault_stall();
"""


def _stalled(server) -> bool:
    with server.connect("shop") as watcher:
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = 'shop'"
        ).fetchone()
    return bool(row and row[0])


def test_a_restart_mid_checkout_leaves_no_half_order_and_the_retry_places_it_once(
    transactional_db: None, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the shop's data is copied with pg_dump")
    variant = VariantFactory.create(price_amount=Decimal("10.00"), stock_on_hand=5)
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=variant, quantity=2)
    method = ShippingMethodFactory.create(countries="GB")
    key = str(uuid.uuid4())
    body = {
        "email": "ann@example.com",
        "shipping_address": make_address(),
        "shipping_method_id": method.pk,
        "idempotency_key": key,
    }
    source = settings.DATABASES["default"]
    source_url = f"postgres://{source['USER']}@{source['HOST']}:{source['PORT']}/{source['NAME']}"

    with private_postgres() as server:
        shop_url = copy_database(source_url=source_url, server=server, name="shop")
        with server.connect("shop") as admin:
            admin.execute(STALL_THE_FIRST_LINE)
        go = tmp_path / "go"
        env = {**os.environ, "DATABASE_URL": shop_url, "ALLOWED_HOSTS": "testserver", "LOG_LEVEL": "CRITICAL"}
        env.pop("REDIS_URL", None)  # embedded cache, inline tasks: only the database is under test
        shopper = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emporium.checkout.tests.place_order_client",
                json.dumps(body),
                str(cart.token),
                str(go),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(
                lambda: shopper.poll() is not None or _stalled(server),
                seconds=60,
                what="the checkout to reach its first line",
            )
            assert shopper.poll() is None, shopper.communicate()
            server.restart()
            with server.connect("shop") as admin:
                admin.execute("UPDATE fault_stall SET armed = false")
            go.touch()
            out, err = shopper.communicate(timeout=120)
        finally:
            if shopper.poll() is None:
                shopper.kill()
        assert shopper.returncode == 0, err[-3000:]
        (failed, failed_body, retry_after), (placed, order, _), (replayed, again, _) = json.loads(
            out.strip().splitlines()[-1]
        )  # after any e-mail the console printed

        assert failed == 503, failed_body
        assert failed_body["code"] == "database_unavailable"
        assert retry_after
        assert (placed, replayed) == (201, 201)
        assert again["number"] == order["number"]
        with server.connect("shop") as check:
            orders = check.execute(
                "SELECT o.number, count(l.id), sum(l.quantity) FROM orders_order o "
                "LEFT JOIN orders_orderline l ON l.order_id = o.id GROUP BY o.number"
            ).fetchall()
            allocated = check.execute(
                "SELECT stock_allocated FROM catalog_variant WHERE id = %s", [variant.pk]
            ).fetchone()
        assert orders == [(order["number"], 1, 2)]  # one order, with its line, and no other
        assert allocated == (2,)
