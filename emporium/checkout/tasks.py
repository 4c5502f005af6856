"""Celery callers of the checkout services."""

from __future__ import annotations

from celery import shared_task

from emporium.checkout.services import send_order_confirmation, send_unsent_order_confirmations
from emporium.core.mail import MAIL_TASK_RETRY
from emporium.orders.placing import get_order


@shared_task(**MAIL_TASK_RETRY)
def send_order_confirmation_task(*, order_id: int) -> bool:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    # send_order_confirmation skips an order whose confirmation is recorded as sent, so a
    # task delivered twice (acks late: a worker that died after sending) sends it once.
    return send_order_confirmation(order=get_order(order_id=order_id))


@shared_task
def send_unsent_order_confirmations_task() -> int:
    # Periodic: confirmations whose own task could not be queued (broker outage).
    return send_unsent_order_confirmations()
