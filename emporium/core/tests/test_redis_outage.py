"""Redis is a cache, not a dependency: the shop browses and sells while it is down.

Each test starts its own redis-server on a free loopback port (never the shared one, which
other processes use) and kills it to simulate the outage.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.core.tests.private_redis import PrivateRedis
from emporium.orders.models import Order

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


@pytest.fixture
def shop_on_private_redis(private_redis: PrivateRedis) -> Iterator[PrivateRedis]:
    """The cache and sessions configured as in service mode (config/settings.py), on that Redis."""
    caches = {
        "default": {
            "BACKEND": "emporium.core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2, "breaker_seconds": 60},
        }
    }
    with override_settings(
        CACHES=caches,
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        API_THROTTLE_ANON="3/minute",
    ):
        yield private_redis


def _checkout_form(method_pk: int) -> dict[str, object]:
    return {
        "email": "guest@example.com", "shipping_full_name": "Gus Guest", "shipping_line1": "2 Park Row",
        "shipping_city": "Leeds", "shipping_postcode": "LS1 5HD", "shipping_country": "GB", "billing_same": "on",
        "shipping_method": method_pk, "voucher_code": "", "idempotency_key": "0b3e6c1e-3c1a-4f7e-9a55-3d6b1f7b2c12",
    }  # fmt: skip


def test_a_shopper_browses_and_buys_while_redis_is_down(shop_on_private_redis, client):
    variant = VariantFactory.create(stock_on_hand=3, product__name="Lantern")
    product, category = variant.product, variant.product.category
    method = ShippingMethodFactory.create()
    pages = [
        "/",
        category.get_absolute_url(),
        product.get_absolute_url(),
        "/search/?q=lantern",
        "/accounts/login/",
    ]
    for url in pages:  # warm: entries exist in Redis when it dies
        assert client.get(url).status_code == 200, url

    shop_on_private_redis.kill()

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert Client().get("/api/v1/products/").status_code == 200
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    assert "Lantern" in client.get("/cart/").content.decode()
    placed = client.post("/checkout/", _checkout_form(method.pk))
    order = Order.objects.get()
    assert placed["Location"] == f"/payments/orders/{order.number}/"


def test_a_customer_stays_logged_in_through_the_outage(shop_on_private_redis, client):
    user = UserFactory.create()
    client.force_login(user)  # the session is written to the database and to Redis

    shop_on_private_redis.kill()

    assert client.get("/account/").status_code == 200  # read back from the database


def test_a_customer_logs_in_while_redis_is_down(shop_on_private_redis, client):
    user = UserFactory.create()
    shop_on_private_redis.kill()

    response = client.post("/accounts/login/", {"login": user.email, "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200


def test_a_dead_redis_is_not_asked_again_while_the_breaker_is_open(shop_on_private_redis):
    shop_on_private_redis.kill()
    cache.get("anything")  # the failure that opens the breaker
    breaker = cache.breaker  # type: ignore[attr-defined]
    failures, short_circuited = breaker.failures, breaker.short_circuited

    for number in range(10):
        cache.set(f"key:{number}", number)
        assert cache.get(f"key:{number}", "miss") == "miss"

    assert breaker.failures == failures
    assert breaker.short_circuited == short_circuited + 20
    assert cache.is_available is False  # type: ignore[attr-defined]


def test_the_cache_is_used_again_once_redis_is_back(private_redis):
    from emporium.core.cache import ResilientRedisCache

    backend = ResilientRedisCache(private_redis.url, {"OPTIONS": {"breaker_seconds": 0}})
    private_redis.kill()
    backend.set("colour", "red")  # fails: the breaker opens (for no time at all here)
    with _restarted(private_redis):
        _write_until_read_back(backend, "red")
        assert backend.is_available


def test_the_api_limit_still_applies_per_process_while_redis_is_down(shop_on_private_redis):
    shop_on_private_redis.kill()
    api = Client(REMOTE_ADDR="203.0.113.77")

    answers = [api.get("/api/v1/categories/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]


def test_readyz_says_degraded_but_stays_in_the_pool_while_redis_is_down(shop_on_private_redis, client):
    shop_on_private_redis.kill()

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["failed"] == ["cache"]
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_one_redis_client_serves_every_call_and_outlives_a_restart(private_redis):
    from emporium.core.cache import ResilientRedisCache

    backend = ResilientRedisCache(private_redis.url, {"OPTIONS": {"breaker_seconds": 0}})
    backend.set("colour", "red")
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client() is client  # not a new redis.Redis per call
    private_redis.kill()
    assert backend.get("colour", "miss") == "miss"
    with _restarted(private_redis):
        _write_until_read_back(backend, "blue")
        assert backend._cache.get_client() is client


@contextmanager
def _restarted(private_redis: PrivateRedis) -> Iterator[None]:
    """The killed private Redis started again on its port, for the ``with`` block."""
    restarted = subprocess.Popen(
        ["redis-server", "--port", str(private_redis.port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        restarted.kill()
        restarted.wait(timeout=10)


def _write_until_read_back(backend, value: str) -> None:
    """Redis takes a moment to listen again: write until the value reads back (5 s at most)."""
    for _ in range(100):
        backend.set("colour", value)
        if backend.get("colour") == value:
            break
        time.sleep(0.05)
    assert backend.get("colour") == value
