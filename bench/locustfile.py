"""Locust shoppers for ``python -m bench journey``: browse, search, cart, checkout and pay.

Each simulated shopper is a guest with its own cookies who goes through the storefront as a
browser does (forms with their CSRF tokens, redirects followed): home, a search, a product,
add to cart, the cart, the checkout page, place the order, the payment page, pay with the test
gateway's card, the confirmation. Then it starts again as a new shopper. On each page it
stays ``JOURNEY_THINK_SECONDS`` ("1-5" by default: reading a page, filling in a form; "0.2-1"
for a hurried crowd that saturates the server). What it may buy is in the JSON file named by
``JOURNEY_DATA`` (written by bench/journey.py).
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from pathlib import Path

from locust import HttpUser, between, task

DATA = json.loads(Path(os.environ["JOURNEY_DATA"]).read_text())
# Seconds a shopper spends on each page before the next: "1-5" reads a page, "0.2-1" hurries.
THINK = tuple(float(part) for part in os.environ.get("JOURNEY_THINK_SECONDS", "1-5").split("-", 1))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _field(pattern: re.Pattern[str], html: str) -> str:
    found = pattern.search(html)
    return found.group(1) if found else ""


class Shopper(HttpUser):
    wait_time = between(THINK[0], THINK[-1])  # on each page, not only between journeys (self.wait())

    @task
    def buy(self) -> None:
        self.client.cookies.clear()  # a new shopper each time round
        item = random.choice(DATA["items"])
        self.client.get("/", name="home")
        self.wait()
        self.client.get("/search/", params={"q": random.choice(DATA["words"])}, name="search")
        self.wait()
        product = self.client.get(item["url"], name="product")
        self.wait()
        added = self.client.post(
            "/cart/add/",
            {"variant": item["variant"], "quantity": 1, "csrfmiddlewaretoken": _field(CSRF, product.text)},
            name="add to cart",
        )
        if not added.ok:
            return
        self.wait()
        self.client.get("/cart/", name="cart")
        self.wait()
        page = self.client.get("/checkout/", name="checkout page")
        self.wait()  # filling in the form
        form = {
            "csrfmiddlewaretoken": _field(CSRF, page.text),
            "idempotency_key": _field(IDEMPOTENCY, page.text) or str(uuid.uuid4()),
            "email": f"shopper-{uuid.uuid4().hex[:12]}@example.com",
            "shipping_full_name": "Load Tester", "shipping_line1": "1 High Street", "shipping_city": "Bristol",
            "shipping_postcode": "BS1 4DJ", "shipping_country": "GB", "billing_same": "on",
            "shipping_method": DATA["shipping_method"], "voucher_code": "",
        }  # fmt: skip
        with self.client.post("/checkout/", form, name="place order", catch_response=True) as placed:
            if "/payments/orders/" not in (placed.url or ""):
                placed.failure(f"no payment page after placing (ended on {placed.url}, {placed.status_code})")
                return
        pay_url = placed.url
        self.wait()
        card = {
            "card_number": "4242 4242 4242 4242",
            "expiry": "12/30",
            "csrfmiddlewaretoken": _field(CSRF, placed.text),
        }
        with self.client.post(pay_url.rstrip("/") + "/card/", card, name="pay", catch_response=True) as paid:
            if "/checkout/orders/" not in (paid.url or ""):
                paid.failure(f"not on the order page after paying (ended on {paid.url}, {paid.status_code})")
