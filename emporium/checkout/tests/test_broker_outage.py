"""A broker outage loses no confirmation: the order is placed, and the e-mail goes out later
from the database (issue 15: "a broker outage does not lose the order's e-mail")."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from django.core import mail
from django.utils import timezone

from config.celery import app as celery_app
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order, send_unsent_order_confirmations
from emporium.checkout.tests.factories import make_details
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nobody listens


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """Tasks are queued (not run inline) on a Redis broker nobody answers."""
    saved = {"broker_url": celery_app.conf.broker_url, "task_always_eager": celery_app.conf.task_always_eager}
    celery_app.conf.update(broker_url=f"redis://127.0.0.1:{_closed_port()}/0", task_always_eager=False)
    _forget_connection_pools()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _forget_connection_pools()


def _forget_connection_pools() -> None:
    # Celery makes its pools from broker_url on first use and keeps them: start afresh.
    setattr(celery_app, "_pool", None)  # noqa: B010
    setattr(celery_app.amqp, "_producer_pool", None)  # noqa: B010


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
