"""The same webhook delivered by several workers at the same moment: paid once, one e-mail.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connections

from emporium.core.tests.concurrency import needs_postgresql
from emporium.orders.models import OrderEvent, OrderStatus
from emporium.payments.models import ProviderEvent
from emporium.payments.services import receive_provider_event
from emporium.payments.tests.conftest import intent_event, payment_intent, sign
from emporium.payments.tests.factories import PaymentFactory

DELIVERIES = 8


pytestmark = needs_postgresql


@pytest.mark.django_db(transaction=True)
def test_one_event_delivered_eight_times_at_once_pays_once_and_sends_one_email():
    payment = PaymentFactory.create(gateway="stripe", provider_reference="pi_race")
    payload = intent_event(
        event_id="evt_race",
        event_type="payment_intent.succeeded",
        intent=payment_intent(intent_id="pi_race", amount=2495),
    )
    barrier = threading.Barrier(DELIVERIES)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            receive_provider_event(gateway_name="stripe", payload=payload.encode(), signature=sign(payload))
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    payment.refresh_from_db()
    assert errors == []
    assert (payment.state, payment.order.status) == ("captured", OrderStatus.PAID)
    assert OrderEvent.objects.filter(order=payment.order, to_status=OrderStatus.PAID).count() == 1
    assert ProviderEvent.objects.get().deliveries == DELIVERIES
    assert len([m for m in mail.outbox if "payment received" in m.subject]) == 1
