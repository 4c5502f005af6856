"""Whole purchases through the REST API, over real HTTP against a live server.

A new client signs up, verifies its e-mail address with the key from the e-mail, logs in,
fills a cart, checks out and pays with the test gateway, then reads its order as paid. A guest
does the same without an account: its cart token and then its order token are its only proof.
Only HTTP calls: the tests read the shop's database only to set up the catalog they buy from.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from django.core import mail

from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.checkout.tests.factories import ShippingMethodFactory, TaxRateFactory

PASSWORD = "a-sturdy-passphrase-42"


@pytest.fixture
def shop_api(live_server, settings) -> Iterator[httpx.Client]:
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = ""
    category = CategoryFactory.create(name="Home", slug="home")
    make_product("Tin lantern", category=category, slug="tin-lantern", price="12.50", stock=5)
    ShippingMethodFactory.create(name="Royal Mail", price_amount=Decimal("3.95"), countries="GB")
    TaxRateFactory.create(country="GB", rate=Decimal("0.2000"))
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=30) as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


@pytest.mark.django_db(transaction=True)
def test_a_new_customer_buys_and_pays_through_the_api_alone(shop_api: httpx.Client) -> None:
    # Sign up and verify the address with the key from the e-mail.
    _ok(shop_api.post("/auth/register/", json={"email": "ann@example.com", "password": PASSWORD}), 202)
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", str(mail.outbox[-1].body)).group(1)  # type: ignore[union-attr]
    _ok(shop_api.post("/auth/verify-email/", json={"key": key}), 204)

    # Log in: from here on every call carries the access token.
    tokens = _ok(shop_api.post("/auth/token/", json={"email": "ann@example.com", "password": PASSWORD}))
    shop_api.headers["Authorization"] = f"Bearer {tokens['access']}"

    # Find the product and fill the cart.
    listing = _ok(shop_api.get("/products/", params={"category": "home", "sort": "price-asc"}))
    product = _ok(shop_api.get(f"/products/{listing['results'][0]['slug']}/"))
    variant_id = product["variants"][0]["id"]
    _ok(shop_api.post("/carts/"), 201)
    _ok(shop_api.post("/cart/lines/", json={"variant_id": variant_id, "quantity": 2}), 201)

    # Check out.
    methods = _ok(shop_api.get("/checkout/shipping-methods/", params={"country": "GB"}))
    address = {
        "full_name": "Ann Example",
        "line1": "1 Harbour Road",
        "city": "Bristol",
        "postcode": "BS1 5TY",
        "country": "GB",
    }
    order = _ok(
        shop_api.post(
            "/checkout/orders/",
            json={
                "shipping_address": address,
                "shipping_method_id": methods[0]["id"],
                "idempotency_key": str(uuid.uuid4()),
            },
        ),
        201,
    )
    assert (order["status"], order["total_amount"]) == ("unpaid", "28.95")

    # Pay with the test gateway.
    pay_with_test_gateway(shop_api, order_number=order["number"])

    # The order is paid, in the customer's own list too.
    paid = _ok(shop_api.get(f"/account/orders/{order['number']}/"))
    listed = _ok(shop_api.get("/account/orders/"))
    assert paid["status"] == "paid"
    assert paid["paid_at"]
    assert [entry["number"] for entry in listed["results"]] == [order["number"]]
    assert _ok(shop_api.get("/cart/"))["lines"] == []


@pytest.mark.django_db(transaction=True)
def test_a_guest_buys_pays_and_reads_its_order_through_the_api_alone(shop_api: httpx.Client) -> None:
    # A cart of its own, found again by its token.
    listing = _ok(shop_api.get("/products/", params={"category": "home"}))
    product = _ok(shop_api.get(f"/products/{listing['results'][0]['slug']}/"))
    cart = _ok(shop_api.post("/carts/"), 201)
    shop_api.headers["X-Cart-Token"] = cart["token"]
    _ok(shop_api.post("/cart/lines/", json={"variant_id": product["variants"][0]["id"], "quantity": 2}), 201)

    # Check out as a guest: the order comes with the token that opens it.
    methods = _ok(shop_api.get("/checkout/shipping-methods/", params={"country": "GB"}))
    order = _ok(
        shop_api.post(
            "/checkout/orders/",
            json={
                "email": "guest@example.com",
                "shipping_address": {
                    "full_name": "Gus Guest",
                    "line1": "2 Quay Street",
                    "city": "Bristol",
                    "postcode": "BS1 4DJ",
                    "country": "GB",
                },
                "shipping_method_id": methods[0]["id"],
                "idempotency_key": str(uuid.uuid4()),
            },
        ),
        201,
    )
    assert shop_api.get(f"/checkout/orders/{order['number']}/").status_code == 404  # no token yet
    shop_api.headers["X-Order-Token"] = order["order_token"]

    # Pay with the test gateway, then read the order as paid.
    pay_with_test_gateway(shop_api, order_number=order["number"])
    paid = _ok(shop_api.get(f"/checkout/orders/{order['number']}/"))
    assert (paid["status"], paid["total_amount"], paid["email"]) == ("paid", "28.95", "guest@example.com")
    assert paid["paid_at"]


def pay_with_test_gateway(client: httpx.Client, *, order_number: str) -> None:
    """Start a payment with the offline test gateway and confirm it with its succeeding test card."""
    payment = _ok(client.post("/payments/", json={"order_number": order_number, "gateway": "offline"}), 201)
    assert payment["amount"] == {"amount": "28.95", "currency": "GBP"}
    confirmed = _ok(
        client.post(f"/payments/{payment['id']}/confirm/", json={"card_number": "4242 4242 4242 4242"})
    )
    assert confirmed["state"] == "captured"
