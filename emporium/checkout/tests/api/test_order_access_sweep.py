"""Nobody reads another's order at /api/v1/checkout/orders/<number>/ by guessing its number.

Numbers are tried in sequence (the factories' EM-000001 ...), at random in the shape checkout
gives them, and as the real numbers of every other order there is, by a customer and by a
guest holding the order token of its own order: 404 for all of them, shaped like any other
404, so a guess learns nothing.
"""

from __future__ import annotations

import random

import pytest
from rest_framework.test import APIClient

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.orders.models import Order
from emporium.orders.numbers import generate_order_number
from emporium.orders.services import make_guest_order_token
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "code": "not_found",
}


def _customer_with_an_order() -> tuple[APIClient, Order]:
    customer = UserFactory.create()
    return bearer_client(customer), OrderFactory.create(customer=customer)


def _guest_with_an_order() -> tuple[APIClient, Order]:
    order = OrderFactory.create(customer=None)
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=make_guest_order_token(order=order))
    return client, order


@pytest.fixture
def others_orders() -> list[Order]:
    """Orders of other customers and of other guests, with numbers in sequence and as checkout makes them."""
    orders = []
    for _ in range(4):
        orders.append(OrderFactory.create(customer=UserFactory.create()))
        orders.append(OrderFactory.create(customer=None))
        orders.append(OrderFactory.create(customer=None, number=generate_order_number()))
    return orders


def _guesses(others: list[Order]) -> list[str]:
    in_sequence = [f"EM-{n:06d}" for n in range(1, 30)]
    at_random = [f"EM-{n:06d}" for n in random.sample(range(30, 1_000_000), 10)]
    shaped_like_checkouts = [generate_order_number() for _ in range(10)]
    return [*in_sequence, *at_random, *shaped_like_checkouts, *(order.number for order in others)]


@pytest.mark.parametrize(
    "make_client", [_customer_with_an_order, _guest_with_an_order], ids=["customer", "guest"]
)
def test_guessed_order_numbers_are_404(others_orders, make_client):
    client, own = make_client()

    for number in _guesses(others_orders):
        if number == own.number:
            continue
        response = client.get(f"/api/v1/checkout/orders/{number}/")
        assert response.status_code == 404, number
        assert response["Content-Type"] == "application/problem+json"
        assert {key: response.json()[key] for key in NOT_FOUND} == NOT_FOUND

    assert (
        client.get(f"/api/v1/checkout/orders/{own.number}/").status_code == 200
    )  # the sweep could have passed


def test_another_guests_token_opens_only_its_own_order(others_orders):
    """A token is bound to its order: sent with any other number, the answer is the same 404."""
    guest_order = next(order for order in others_orders if order.customer_id is None)
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=make_guest_order_token(order=guest_order))

    answers = {
        order.number: client.get(f"/api/v1/checkout/orders/{order.number}/").status_code
        for order in others_orders
    }

    assert answers.pop(guest_order.number) == 200
    assert set(answers.values()) == {404}
