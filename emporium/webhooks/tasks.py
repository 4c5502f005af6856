"""Celery callers of the webhook services. They take ids: the claim in deliver_webhook decides
who sends, so a task delivered twice (late acknowledgement, the sweep) sends once."""

from __future__ import annotations

from celery import shared_task

from emporium.webhooks.services import deliver_due_webhooks, deliver_webhook


@shared_task
def deliver_webhook_task(*, delivery_id: int) -> str | None:
    delivery = deliver_webhook(delivery_id=delivery_id)
    return None if delivery is None else str(delivery.status)


@shared_task
def deliver_webhooks_task(*, delivery_ids: list[int]) -> None:
    """The one message a commit queues: each delivery becomes a task of its own, so a slow
    endpoint holds up only its own deliveries."""
    if len(delivery_ids) == 1:
        deliver_webhook(delivery_id=delivery_ids[0])
        return
    for delivery_id in delivery_ids:
        deliver_webhook_task.delay(delivery_id=delivery_id)


@shared_task
def deliver_due_webhooks_task() -> int:
    """Beat, every WEBHOOK_SWEEP_INTERVAL_SECONDS: retries that are due, deliveries whose task
    was never queued (broker down) and claims of workers that died."""
    return deliver_due_webhooks()
