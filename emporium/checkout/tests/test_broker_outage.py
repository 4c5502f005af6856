"""A broker outage loses no confirmation: the order is placed, and the e-mail goes out later
from the database (issue 15: "a broker outage does not lose the order's e-mail")."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.core import mail
from django.utils import timezone

from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order, send_unsent_order_confirmations
from emporium.checkout.tests.factories import make_details
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _cart():
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=3), quantity=1)
    return cart


def test_an_order_is_placed_while_the_broker_is_down(dead_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # queueing fails after the commit
        order = place_order(cart=_cart(), customer=None, details=make_details(), idempotency_key=uuid4())

    assert order.pk is not None
    assert mail.outbox == []


def test_the_sweep_sends_a_confirmation_whose_task_never_ran_once():
    order = OrderFactory.create(idempotency_key=uuid4(), placed_at=timezone.now() - timedelta(minutes=10))

    first, second = send_unsent_order_confirmations(), send_unsent_order_confirmations()

    assert (first, second) == (1, 0)
    assert mail.outbox[0].to == [order.email]


def test_the_sweep_leaves_fresh_imported_and_old_orders_alone():
    now = timezone.now()
    OrderFactory.create(idempotency_key=uuid4(), placed_at=now - timedelta(minutes=1))  # its task may run yet
    OrderFactory.create(idempotency_key=None, placed_at=now - timedelta(minutes=10))  # imported
    OrderFactory.create(idempotency_key=uuid4(), placed_at=now - timedelta(days=3))

    assert send_unsent_order_confirmations(now=now) == 0
    assert mail.outbox == []
