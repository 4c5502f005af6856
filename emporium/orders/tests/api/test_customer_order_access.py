"""A customer reaches no other customer's order through the API, by any number they try:
not to read it, and not to pay it (which would move it on)."""

from __future__ import annotations

import random

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.orders.models import Order, OrderStatus
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_other_customers_orders_are_404_for_reading_and_paying_whatever_number_is_tried():
    customer = UserFactory.create()
    for sequence in range(1, 11):
        OrderFactory.create(
            number=f"EM-{sequence:06d}", customer=UserFactory.create(), status=OrderStatus.UNPAID
        )
    own = OrderFactory.create(number="EM-000011", customer=customer, status=OrderStatus.UNPAID)
    client = bearer_client(customer)
    guesses = [f"EM-{n:06d}" for n in [*range(1, 11), *random.sample(range(12, 1_000_000), 5)]]

    for number in guesses:
        read = client.get(f"/api/v1/account/orders/{number}/")
        pay = client.post("/api/v1/payments/", {"order_number": number, "gateway": "offline"})
        assert (read.status_code, pay.status_code) == (404, 404), number
        assert read["Content-Type"] == pay["Content-Type"] == "application/problem+json"

    assert client.get(f"/api/v1/account/orders/{own.number}/").status_code == 200
    assert set(Order.objects.exclude(pk=own.pk).values_list("status", flat=True)) == {OrderStatus.UNPAID}
