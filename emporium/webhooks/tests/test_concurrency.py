"""Two workers handed the same delivery at the same moment: the receiver hears it once.

Needs PostgreSQL: SQLite serialises every writer on one database lock, so it cannot show a race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connections

from emporium.core.tests.concurrency import needs_postgresql
from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEventType
from emporium.webhooks.services import deliver_due_webhooks, deliver_webhook, emit, fan_out_webhook_events
from emporium.webhooks.tests.factories import WebhookEndpointFactory
from emporium.webhooks.tests.receiver import running_receiver

WORKERS = 2
ROUNDS = 10


pytestmark = needs_postgresql


def _all_at_once(work: Callable[[], object]) -> None:
    barrier = threading.Barrier(WORKERS)

    def worker() -> None:
        try:
            barrier.wait()
            work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once():
    with running_receiver() as receiver:
        WebhookEndpointFactory.create(url=receiver.url, event_types=[WebhookEventType.ORDER_PAID])
        delivery_ids = []
        for number in range(ROUNDS):
            event = emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": f"EMP-{number}"})
            assert event is not None
            fan_out_webhook_events(event_ids=[event.pk])
            (delivery_id,) = event.deliveries.values_list("pk", flat=True)
            delivery_ids.append(delivery_id)
            _all_at_once(partial(deliver_webhook, delivery_id=delivery_id))

    sent = [hook.headers["webhook-id"] for hook in receiver.received]
    assert len(sent) == len(set(sent)) == ROUNDS
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SUCCEEDED, 1)}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_event_once_to_each_endpoint():
    with running_receiver() as receiver:
        WebhookEndpointFactory.create_batch(2, url=receiver.url, event_types=[WebhookEventType.ORDER_PAID])
        for number in range(ROUNDS):
            emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": f"EMP-{number}"})

        _all_at_once(deliver_due_webhooks)

    pairs = [(hook.headers["webhook-id"], hook.document["data"]["number"]) for hook in receiver.received]
    assert len(pairs) == 2 * ROUNDS  # each event to each of the two endpoints, and no more
    assert WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).count() == 0
