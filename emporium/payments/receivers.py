"""Payments follow their order: thin receivers of ``order_status_changed`` that queue tasks.

Tasks, not calls: the order's transaction is still open when the signal is sent, and a payment
provider must never be called inside one. ``transaction.on_commit`` also drops the work when
the order's change is rolled back.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from emporium.orders.models import Order, OrderStatus
from emporium.orders.signals import order_status_changed
from emporium.payments.gateways.base import CancelReason
from emporium.payments.models import OPEN_STATES, Payment, PaymentState
from emporium.payments.tasks import cancel_open_payment_task, capture_payment_task

# Manual capture takes the money once the goods are on their way (ADR 0007).
CAPTURE_WHEN = (OrderStatus.FULFILLED, OrderStatus.SHIPPED)
# Attempts still open when an order is paid (another way) or cancelled (by staff, or expired).
CLOSE_OPEN_ATTEMPTS_WHEN = {
    OrderStatus.PAID: CancelReason.DUPLICATE,
    OrderStatus.CANCELLED: CancelReason.ABANDONED,
}


@receiver(order_status_changed, sender=Order, dispatch_uid="payments.capture_when_goods_ship")
def capture_when_goods_ship(*, order: Order, source: str, target: str, **kwargs: Any) -> None:
    if target not in CAPTURE_WHEN or source == target:
        return
    authorized = Payment.objects.filter(
        order=order, state=PaymentState.AUTHORIZED, cancel_requested_at__isnull=True
    ).values_list("pk", flat=True)
    for payment_id in authorized:
        transaction.on_commit(partial(capture_payment_task.delay, payment_id=payment_id))


@receiver(order_status_changed, sender=Order, dispatch_uid="payments.close_open_attempts")
def close_open_attempts(*, order: Order, source: str, target: str, **kwargs: Any) -> None:
    reason = CLOSE_OPEN_ATTEMPTS_WHEN.get(OrderStatus(target))
    if reason is None or source == target:
        return
    # The attempt that just paid the order is still open in the database here (it is saved
    # after the order): the task reads it after the commit, finds it paid and leaves it.
    open_attempts = Payment.objects.filter(order=order, state__in=OPEN_STATES).values_list("pk", flat=True)
    for payment_id in open_attempts:
        transaction.on_commit(
            partial(cancel_open_payment_task.delay, payment_id=payment_id, reason=str(reason))
        )
