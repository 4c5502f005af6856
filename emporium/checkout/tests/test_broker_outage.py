"""A broker outage loses no confirmation: the order is placed (and paid), and the e-mails go
out later from the database (issue 15: "a broker outage does not lose the order's e-mail")."""

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
from emporium.orders.models import OrderEvent, OrderStatus
from emporium.orders.tests.factories import OrderFactory
from emporium.payments.services import confirm_payment, send_unsent_payment_confirmations, start_payment

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


def test_a_card_payment_is_taken_while_the_broker_is_down_and_its_email_goes_out_later(
    dead_broker, django_capture_on_commit_callbacks, settings
):
    settings.PAYMENT_GATEWAYS = ["offline"]
    order = place_order(cart=_cart(), customer=None, details=make_details(), idempotency_key=uuid4())
    payment = start_payment(order=order, gateway_name="offline")

    with django_capture_on_commit_callbacks(execute=True):  # queueing fails after the commit
        confirm_payment(payment=payment, details={"card_number": "4242 4242 4242 4242"})
    order.refresh_from_db()
    paid_news = [email for email in mail.outbox if "payment received" in email.subject]
    OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    assert (order.status, paid_news) == (OrderStatus.PAID, [])
    assert (send_unsent_payment_confirmations(), send_unsent_payment_confirmations()) == (1, 0)
    assert [email.to for email in mail.outbox if "payment received" in email.subject] == [[order.email]]
