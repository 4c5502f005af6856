"""Two shop servers behind nginx behave as one shop (PostgreSQL + Redis, with a Celery worker).

A customer logs in through one server and fills the cart through the other (the session is in
the shared database and Redis), checks out through the proxy, and the worker sends the
confirmation e-mail. Then, under a stream of reads and guest orders, one server is stopped
the way an orchestrator stops it (SIGTERM): no read fails (nginx retries them on the other
server) and no order is lost or doubled. A POST that the stopping server had already read
when it closed its socket cannot be resent by nginx (it cannot know whether it ran): the buyer
retries, placing the order with the same idempotency key, so every order exists exactly once
and gets its confirmation e-mail.

Runs in service mode only (DATABASE_URL on PostgreSQL and REDIS_URL set, as `make test` does in
.ci/run); needs Debian's nginx, and under CI fails rather than skips without it.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from bench.cluster import NGINX, Cluster, scale_out_cluster
from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.checkout.tests.factories import ShippingMethodFactory, TaxRateFactory
from emporium.core.tests.private_postgres import wait_for
from emporium.orders.models import Order, OrderEvent, OrderEventType

PASSWORD = "correct-horse-battery"
ADDRESS = {"full_name": "Ann Example", "line1": "1 Harbour Road", "city": "Bristol", "postcode": "BS1 5TY", "country": "GB"}  # fmt: skip
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster(collected_static: Path) -> Iterator[Cluster]:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("service mode only: set DATABASE_URL (PostgreSQL) and REDIS_URL")
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing under CI: .ci/run installs it (apt-get install nginx)")
        pytest.skip("nginx is not installed: apt-get install nginx")
    category = CategoryFactory.create(name="Home", slug="home")
    make_product("Tin lantern", category=category, slug="tin-lantern", price="12.50", stock=10_000)
    ShippingMethodFactory.create(name="Royal Mail", price_amount=Decimal("3.95"), countries="GB")
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    env = {
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": "consolemail://",
        "API_THROTTLE_ANON": "",
        "API_THROTTLE_USER": "",
        "LOG_LEVEL": "WARNING",
    }
    with scale_out_cluster(servers=2, workers_per_server=2, env=env, static_root=collected_static) as running:
        yield running


def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text[:500]}"
    )
    return response.json() if response.content else {}


def _wait_for_confirmation_emails(order_numbers: set[str], *, seconds: float = 60) -> set[str]:
    """The order numbers whose confirmation the worker has recorded as sent, within the time."""
    deadline = time.monotonic() + seconds
    sent: set[str] = set()
    while time.monotonic() < deadline:
        sent = set(
            OrderEvent.objects.filter(
                type=OrderEventType.EMAIL_SENT, order__number__in=order_numbers
            ).values_list("order__number", flat=True)
        )
        if sent >= order_numbers:
            break
        time.sleep(0.5)
    return sent


def test_log_in_on_one_server_fill_the_cart_on_the_other_and_the_worker_confirms(cluster):
    # Hashed with a hasher the servers know: the tests' fast MD5 hasher is theirs alone.
    customer = UserFactory.create(email="ann@example.com")
    customer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    customer.save(update_fields=["password"])
    server_a, server_b = cluster.server_urls
    with httpx.Client(timeout=30) as browser:  # one cookie jar: 127.0.0.1 on any port
        login_page = browser.get(f"{server_a}/accounts/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)  # type: ignore[union-attr]
        logged_in = browser.post(
            f"{server_a}/accounts/login/",
            data={"login": "ann@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        )
        assert logged_in.status_code == 302, re.findall(r"error[^<]*<[^>]*>([^<]+)", logged_in.text)

        # The other server knows the session: the account page opens there.
        assert browser.get(f"{server_b}/account/").status_code == 200
        headers = {"X-CSRFToken": browser.cookies["csrftoken"], "Referer": f"{server_b}/"}
        listing = _ok(browser.get(f"{server_b}/api/v1/products/", params={"category": "home"}))
        product = _ok(browser.get(f"{server_b}/api/v1/products/{listing['results'][0]['slug']}/"))
        _ok(browser.post(f"{server_b}/api/v1/carts/", headers=headers), 201)
        line = {"variant_id": product["variants"][0]["id"], "quantity": 2}
        _ok(browser.post(f"{server_b}/api/v1/cart/lines/", json=line, headers=headers), 201)

        # Check out through the proxy, which may send it to either server.
        methods = _ok(
            browser.get(f"{cluster.proxy_url}/api/v1/checkout/shipping-methods/", params={"country": "GB"})
        )
        order = _ok(
            browser.post(
                f"{cluster.proxy_url}/api/v1/checkout/orders/",
                json={
                    "shipping_address": ADDRESS,
                    "shipping_method_id": methods[0]["id"],
                    "idempotency_key": str(uuid.uuid4()),
                },
                headers={**headers, "Referer": f"{cluster.proxy_url}/"},
            ),
            201,
        )

    assert order["total_amount"] == "28.95"
    assert Order.objects.filter(number=order["number"], customer=customer).exists()
    assert _wait_for_confirmation_emails({order["number"]}) == {order["number"]}


class _NotSentError(Exception):
    """nginx answered 502 to a POST: the stopping server may have read it, so nginx did not
    resend it. The buyer does what a browser's user would: tries again."""


def _post(client: httpx.Client, path: str, **kwargs: object) -> httpx.Response:
    response = client.post(path, **kwargs)  # type: ignore[arg-type]
    if response.status_code == 502:
        raise _NotSentError(path)
    return response


def _guest_order(client: httpx.Client, *, variant_id: int, shipping_method_id: int) -> httpx.Response:
    # A 502 while filling the cart starts over with a new cart (an abandoned cart costs nothing).
    cart = _ok(_post(client, "/api/v1/carts/"), 201)
    headers = {"X-Cart-Token": cart["token"]}
    line = {"variant_id": variant_id, "quantity": 1}
    _ok(_post(client, "/api/v1/cart/lines/", json=line, headers=headers), 201)
    # Placing the order is retried with the same idempotency key: if the first attempt did
    # place it, the retry gets that order back instead of placing a second one.
    order = {
        "email": "guest@example.com",
        "shipping_address": ADDRESS,
        "shipping_method_id": shipping_method_id,
        "idempotency_key": str(uuid.uuid4()),
    }
    for _ in range(5):
        try:
            return _post(client, "/api/v1/checkout/orders/", json=order, headers=headers)
        except _NotSentError:
            time.sleep(0.1)
    raise AssertionError("placing the order kept failing")


def test_stopping_one_server_mid_run_loses_no_request_and_no_order(cluster):
    with httpx.Client(base_url=cluster.proxy_url, timeout=30) as client:
        product = _ok(client.get("/api/v1/products/tin-lantern/"))
        methods = _ok(client.get("/api/v1/checkout/shipping-methods/", params={"country": "GB"}))
    variant_id, shipping_method_id = product["variants"][0]["id"], methods[0]["id"]

    stop = threading.Event()
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    placed: list[str] = []
    lock = threading.Lock()

    def reader() -> None:
        with httpx.Client(base_url=cluster.proxy_url, timeout=30) as client:
            while not stop.is_set():
                for path in ("/api/v1/products/?category=home", "/p/tin-lantern/", "/healthz"):
                    try:
                        status = client.get(path).status_code
                    except httpx.HTTPError as error:
                        status, path = 0, f"{path}: {error!r}"
                    with lock:
                        statuses[f"GET {status}"] += 1
                        if status != 200:
                            failures.append(f"GET {path} -> {status}")

    def buyer() -> None:
        with httpx.Client(base_url=cluster.proxy_url, timeout=30) as client:
            while not stop.is_set():
                try:
                    response = _guest_order(
                        client, variant_id=variant_id, shipping_method_id=shipping_method_id
                    )
                except _NotSentError as not_sent:
                    with lock:
                        statuses[f"POST 502, retried: {not_sent}"] += 1
                    continue
                except (httpx.HTTPError, AssertionError) as error:
                    with lock:
                        failures.append(f"order: {error!r}")
                    continue
                with lock:
                    statuses[f"order {response.status_code}"] += 1
                    if response.status_code == 201:
                        placed.append(response.json()["number"])
                    else:
                        failures.append(f"order -> {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=reader) for _ in range(3)] + [
        threading.Thread(target=buyer) for _ in range(2)
    ]

    def answered() -> tuple[int, int]:
        with lock:
            return sum(statuses.values()), len(placed)

    def at_least(requests: int, orders: int) -> Callable[[], bool]:
        def reached() -> bool:
            done_requests, done_orders = answered()
            return done_requests >= requests and done_orders >= orders

        return reached

    for thread in threads:
        thread.start()
    try:
        # Counted, not timed: traffic through both servers, one stopped under it, then as much
        # again through the one left (a slow machine waits longer; a fast one is done sooner).
        wait_for(at_least(30, 3), seconds=60, what="answers and orders through both servers")
        before_stop, placed_before_stop = answered()
        exit_code = cluster.stop_server(0)  # SIGTERM: gunicorn finishes what it holds, then exits
        wait_for(
            at_least(before_stop + 30, placed_before_stop + 3),
            seconds=60,
            what="answers and orders through the server left",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert exit_code == 0
    assert before_stop > 0
    assert sum(statuses.values()) > before_stop  # the shop kept answering on the other server
    assert failures == [], f"{statuses}: {failures[:10]}"
    assert placed
    orders = set(Order.objects.filter(email="guest@example.com").values_list("number", flat=True))
    assert orders == set(placed)
    assert Order.objects.filter(email="guest@example.com").count() == len(placed)  # none twice
    assert _wait_for_confirmation_emails(orders) == orders
