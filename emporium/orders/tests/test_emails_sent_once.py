"""Two workers running an order's e-mail task at the same moment send it once.

Needs PostgreSQL: the order row lock is what makes the second run wait; SQLite has no row locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.db import connection, connections

from emporium.checkout.services import send_order_confirmation
from emporium.orders.models import Order, OrderEvent, OrderEventType
from emporium.orders.services import (
    send_cancellation_notification,
    send_refund_notification,
    send_shipping_notification,
)
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


class SlowMailServer(locmem.EmailBackend):
    """The first send waits, as a mail server taking its time, until the test lets it go."""

    sending = threading.Event()
    go_on = threading.Event()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not SlowMailServer.sending.is_set():
            SlowMailServer.sending.set()
            assert SlowMailServer.go_on.wait(timeout=30)
        return super().send_messages(email_messages)


@pytest.fixture(autouse=True)
def _slow_mail_server(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks only race on PostgreSQL; set DATABASE_URL=postgres://... to run")
    settings.EMAIL_BACKEND = f"{__name__}.SlowMailServer"
    SlowMailServer.sending.clear()
    SlowMailServer.go_on.clear()


@pytest.mark.parametrize(
    "send",
    [
        send_order_confirmation,
        send_shipping_notification,
        send_cancellation_notification,
        partial(send_refund_notification, refund_event_id=1, amount=Decimal("1.00")),
    ],
    ids=["confirmation", "shipping", "cancellation", "refund"],
)
def test_a_second_run_while_the_first_is_sending_waits_and_sends_nothing(
    send: Callable[..., bool],
) -> None:
    order = OrderFactory.create()
    sent: dict[str, bool] = {}

    def run(name: str) -> None:
        try:
            sent[name] = send(order=Order.objects.get(pk=order.pk))
        finally:
            connections.close_all()

    first = threading.Thread(target=run, args=("first",))
    first.start()
    assert SlowMailServer.sending.wait(timeout=30)  # the first run is talking to the mail server
    second = threading.Thread(target=run, args=("second",))
    second.start()
    second.join(timeout=1)  # unlocked, it would have checked, found nothing sent, and sent
    SlowMailServer.go_on.set()
    first.join()
    second.join()

    assert sent == {"first": True, "second": False}
    assert len(mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, type=OrderEventType.EMAIL_SENT).count() == 1
