"""Sending: signed requests over real HTTP to a receiver on 127.0.0.1, retried with back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEventType
from emporium.webhooks.services import (
    deliver_due_webhooks,
    deliver_webhook,
    emit,
    fan_out_webhook_events,
    redeliver_webhook,
    retry_delay,
)
from emporium.webhooks.signing import sign, verify_signature
from emporium.webhooks.tests.factories import WebhookEndpointFactory
from emporium.webhooks.tests.receiver import HANG, closed_port_url, running_receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_timeouts(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 4


def _record(url: str, **endpoint_fields) -> WebhookDelivery:
    endpoint = WebhookEndpointFactory.create(
        url=url, event_types=[WebhookEventType.ORDER_PAID], **endpoint_fields
    )
    event = emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": "EMP-1", "status": "paid"})
    assert event is not None
    fan_out_webhook_events(event_ids=[event.pk])  # a worker's first step after the commit
    return WebhookDelivery.objects.select_related("endpoint", "event").get(event=event, endpoint=endpoint)


def _deliver(delivery: WebhookDelivery) -> WebhookDelivery:
    sent = deliver_webhook(delivery_id=delivery.pk)
    assert sent is not None, "there was nothing to send"
    return sent


def _later(delivery: WebhookDelivery):
    """A moment after the delivery's next attempt is due."""
    delivery.refresh_from_db()
    return delivery.next_attempt_at + timedelta(seconds=1)


def test_the_receiver_verifies_the_signature_with_the_endpoints_secret():
    with running_receiver() as receiver:
        delivery = _record(receiver.url)
        receiver.secret = delivery.endpoint.secret

        assert _deliver(delivery).status == DeliveryStatus.SUCCEEDED

    (hook,) = receiver.received
    assert hook.verified
    assert hook.headers["webhook-id"] == str(delivery.event_id) == hook.document["id"]
    assert hook.document["type"] == "order.paid"
    assert hook.document["data"] == {"number": "EMP-1", "status": "paid"}


def test_a_forged_altered_or_stale_request_does_not_verify():
    secret, body, now = "whsec_test", b'{"id":"1"}', 1_800_000_000
    signature = sign(secret=secret, timestamp=now, body=body)

    assert verify_signature(secret=secret, body=body, timestamp=str(now), signature=signature, now=now)
    assert not verify_signature(
        secret="whsec_other", body=body, timestamp=str(now), signature=signature, now=now
    )
    assert not verify_signature(
        secret=secret, body=b'{"id":"2"}', timestamp=str(now), signature=signature, now=now
    )
    assert not verify_signature(
        secret=secret, body=body, timestamp=str(now), signature=signature, now=now + 301
    )
    assert not verify_signature(secret=secret, body=body, timestamp="soon", signature=signature, now=now)


def test_a_500_is_retried_later_with_the_same_event_id_and_then_succeeds():
    with running_receiver(answers=[500]) as receiver:
        delivery = _record(receiver.url)

        first = _deliver(delivery)
        assert (first.status, first.last_status_code) == (DeliveryStatus.PENDING, 500)
        assert first.next_attempt_at >= timezone.now() + timedelta(seconds=14)  # backed off
        assert deliver_due_webhooks() == 0  # not yet due
        assert deliver_due_webhooks(now=_later(delivery)) == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len({hook.headers["webhook-id"] for hook in receiver.received}) == 1
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [(1, 500), (2, 200)]


def test_a_timeout_is_retried_and_logged():
    with running_receiver(answers=[HANG]) as receiver:
        delivery = _record(receiver.url)

        first = _deliver(delivery)
        assert first.status == DeliveryStatus.PENDING
        deliver_due_webhooks(now=_later(delivery))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    timed_out, succeeded = delivery.attempt_log.all()
    assert (timed_out.status_code, timed_out.error.split(":")[0]) == (None, "ReadTimeout")
    assert succeeded.status_code == 200


def test_a_refused_connection_is_retried():
    delivery = _record(closed_port_url())

    attempt = _deliver(delivery)

    assert attempt.status == DeliveryStatus.PENDING
    assert attempt.last_error.startswith("ConnectError")


@pytest.mark.parametrize(
    ("answer", "status"), [(400, "failed"), (410, "failed"), (408, "pending"), (429, "pending")]
)
def test_a_client_error_fails_at_once_except_timeout_and_too_many_requests(answer, status):
    with running_receiver(answers=[answer]) as receiver:
        delivery = _record(receiver.url)

        assert _deliver(delivery).status == status


def test_after_the_last_attempt_the_delivery_fails_and_stays_failed():
    with running_receiver(answers=[503] * 10) as receiver:
        delivery = _record(receiver.url)
        moment = timezone.now()
        for _ in range(6):
            deliver_due_webhooks(now=moment)
            moment = _later(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (DeliveryStatus.FAILED, 4, 4)
    assert delivery.last_error == "HTTP 503"


def test_staff_redeliver_a_failed_delivery_with_the_same_event_id():
    with running_receiver(answers=[400]) as receiver:
        delivery = _record(receiver.url)
        deliver_webhook(delivery_id=delivery.pk)

        redeliver_webhook(delivery=delivery)
        deliver_due_webhooks()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert [hook.headers["webhook-id"] for hook in receiver.received] == [str(delivery.event_id)] * 2


def test_a_delivered_webhook_is_not_sent_again_by_a_second_task_or_the_sweep():
    with running_receiver() as receiver:
        delivery = _record(receiver.url)
        deliver_webhook(delivery_id=delivery.pk)

        assert deliver_webhook(delivery_id=delivery.pk) is None
        assert deliver_due_webhooks(now=timezone.now() + timedelta(days=1)) == 0

    assert len(receiver.received) == 1


def test_a_claim_left_by_a_dead_worker_lapses_and_the_sweep_sends_it():
    with running_receiver() as receiver:
        delivery = _record(receiver.url)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERING,
            next_attempt_at=timezone.now() + timedelta(minutes=2),
            attempts=1,
        )
        assert deliver_due_webhooks() == 0  # claimed by a worker that may still be sending

        deliver_due_webhooks(now=timezone.now() + timedelta(minutes=3))

    delivery.refresh_from_db()
    assert (delivery.status, len(receiver.received)) == (DeliveryStatus.SUCCEEDED, 1)


def test_an_inactive_endpoint_is_not_called():
    with running_receiver() as receiver:
        delivery = _record(receiver.url)
        WebhookDelivery.objects.get(pk=delivery.pk).endpoint.__class__.objects.update(is_active=False)

        assert _deliver(delivery).status == DeliveryStatus.FAILED

    assert receiver.received == []


def test_back_off_doubles_with_jitter_and_is_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_SECONDS = 60

    delays = {
        attempt: [retry_delay(attempt=attempt).total_seconds() for _ in range(50)] for attempt in (1, 2, 3, 9)
    }

    assert all(5 <= d <= 10 for d in delays[1])
    assert all(10 <= d <= 20 for d in delays[2])
    assert all(20 <= d <= 40 for d in delays[3])
    assert all(30 <= d <= 60 for d in delays[9])
    assert len(set(delays[1])) > 1  # jittered


def test_a_sweep_tries_a_dead_endpoint_once_and_still_reaches_the_live_ones():
    dead = WebhookEndpointFactory.create(url=closed_port_url(), event_types=[WebhookEventType.ORDER_PAID])
    with running_receiver() as receiver:
        live = WebhookEndpointFactory.create(url=receiver.url, event_types=[WebhookEventType.ORDER_PAID])
        for number in range(3):
            emit(event_type=WebhookEventType.ORDER_PAID, payload={"number": f"EMP-{number}"})

        deliver_due_webhooks()

    assert len(receiver.received) == 3
    assert WebhookDelivery.objects.filter(endpoint=live, status=DeliveryStatus.SUCCEEDED).count() == 3
    assert sorted(WebhookDelivery.objects.filter(endpoint=dead).values_list("attempts", flat=True)) == [
        0,
        0,
        1,
    ]
