"""Celery callers of the webhook services. They take ids: the lock in fan_out_webhook_events
and the claim in deliver_webhook decide who writes and who sends, so a task delivered twice
(late acknowledgement, the sweep) writes and sends once."""

from __future__ import annotations

from celery import shared_task

from emporium.webhooks.services import deliver_due_webhooks, deliver_webhook, fan_out_webhook_events


@shared_task
def deliver_webhook_task(*, delivery_id: int) -> str | None:
    delivery = deliver_webhook(delivery_id=delivery_id)
    return None if delivery is None else str(delivery.status)


def _hand_out(delivery_ids: list[int]) -> None:
    """Each delivery becomes a task of its own, so a slow endpoint holds up only its own
    deliveries; a single one is sent here."""
    if len(delivery_ids) == 1:
        deliver_webhook(delivery_id=delivery_ids[0])
        return
    for delivery_id in delivery_ids:
        deliver_webhook_task.delay(delivery_id=delivery_id)


@shared_task
def fan_out_webhook_events_task(*, event_ids: list[str]) -> int:
    """The one message a commit queues: its events become deliveries, which are handed out."""
    delivery_ids = fan_out_webhook_events(event_ids=event_ids)
    _hand_out(delivery_ids)
    return len(delivery_ids)


@shared_task
def deliver_webhooks_task(*, delivery_ids: list[int]) -> None:
    """Deliveries queued together (a manual redelivery)."""
    _hand_out(delivery_ids)


@shared_task
def deliver_due_webhooks_task() -> int:
    """Beat, every WEBHOOK_SWEEP_INTERVAL_SECONDS: events whose message never came, retries that
    are due, deliveries whose task was never queued (broker down) and claims of workers that
    died."""
    return deliver_due_webhooks()
