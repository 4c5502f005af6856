"""Nobody reaches another's payment by guessing its id.

Ids are tried in sequence (every one there is, and a few past the last) and at random, by a
customer and by a guest holding the order token of its own order. Reading and confirming
(which would charge the card and move the order on) are both 404 for every payment that is not
the client's, and nothing about those payments changes.
"""

from __future__ import annotations

import random

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from emporium.accounts.tests.factories import UserFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.orders.models import OrderStatus
from emporium.orders.services import make_guest_order_token
from emporium.payments.gateways.offline import CARD_SUCCEEDS
from emporium.payments.models import Payment, PaymentState
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _no_request_limit(settings):
    """The sweep sends two requests per id up to past the client's own payment, and ids keep
    growing across a run on PostgreSQL: the per-client limit (tested in core) would answer 429
    before the sweep ends, depending on what ran before."""
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = ""


def _customer_with_a_payment() -> tuple[APIClient, Payment]:
    customer = UserFactory.create()
    return bearer_client(customer), PaymentFactory.create(order=make_unpaid_order(customer=customer))


def _guest_with_a_payment() -> tuple[APIClient, Payment]:
    order = make_unpaid_order(customer=None)
    client = APIClient()
    client.credentials(HTTP_X_ORDER_TOKEN=make_guest_order_token(order=order))
    return client, PaymentFactory.create(order=order)


@pytest.fixture
def others_payments() -> list[Payment]:
    """Open payments of other customers and of other guests, interleaved by id."""
    payments = []
    for _ in range(4):
        payments.append(PaymentFactory.create(order=make_unpaid_order(customer=UserFactory.create())))
        payments.append(PaymentFactory.create(order=make_unpaid_order(customer=None)))
    return payments


def _guesses(*, past: int) -> list[int]:
    return [*range(1, past + 10), *random.sample(range(past + 10, 10_000_000), 10)]


@pytest.mark.parametrize(
    "make_client", [_customer_with_a_payment, _guest_with_a_payment], ids=["customer", "guest"]
)
def test_guessed_payment_ids_are_404_for_reading_and_confirming(others_payments, make_client):
    client, own = make_client()

    for payment_id in _guesses(past=own.pk):
        if payment_id == own.pk:
            continue
        read = client.get(f"/api/v1/payments/{payment_id}/")
        confirm = client.post(f"/api/v1/payments/{payment_id}/confirm/", {"card_number": CARD_SUCCEEDS})
        assert (read.status_code, confirm.status_code) == (404, 404), payment_id
        assert read["Content-Type"] == confirm["Content-Type"] == PROBLEM

    others = Payment.objects.filter(pk__in=[payment.pk for payment in others_payments])
    assert set(others.values_list("state", flat=True)) == {PaymentState.PENDING}
    assert set(others.values_list("order__status", flat=True)) == {OrderStatus.UNPAID}
    assert client.get(f"/api/v1/payments/{own.pk}/").status_code == 200  # the sweep could have passed


def test_a_guests_token_with_a_customer_login_opens_no_other_payment(others_payments):
    """Both proofs at once (a customer who also holds a guest's token) still open only what
    each of them opens on its own."""
    customer = UserFactory.create()
    guest_order = make_unpaid_order(customer=None)
    guest_payment = PaymentFactory.create(order=guest_order)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(customer)}",
        HTTP_X_ORDER_TOKEN=make_guest_order_token(order=guest_order),
    )

    answers = {
        payment.pk: client.get(f"/api/v1/payments/{payment.pk}/").status_code for payment in others_payments
    }

    assert set(answers.values()) == {404}
    assert client.get(f"/api/v1/payments/{guest_payment.pk}/").status_code == 200
