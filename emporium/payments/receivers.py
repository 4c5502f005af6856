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
from emporium.payments.models import Payment, PaymentState
from emporium.payments.tasks import capture_payment_task

# Manual capture takes the money once the goods are on their way (ADR 0007).
CAPTURE_WHEN = (OrderStatus.FULFILLED, OrderStatus.SHIPPED)


@receiver(order_status_changed, sender=Order, dispatch_uid="payments.capture_when_goods_ship")
def capture_when_goods_ship(*, order: Order, source: str, target: str, **kwargs: Any) -> None:
    if target not in CAPTURE_WHEN or source == target:
        return
    authorized = Payment.objects.filter(
        order=order, state=PaymentState.AUTHORIZED, cancel_requested_at__isnull=True
    ).values_list("pk", flat=True)
    for payment_id in authorized:
        transaction.on_commit(partial(capture_payment_task.delay, payment_id=payment_id))
