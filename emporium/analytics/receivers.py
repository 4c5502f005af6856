"""An order that moves (paid, refunded, cancelled) refreshes its day's roll-ups after commit.

A side effect nothing depends on: the periodic refresh would fold the change in within a
minute anyway; this makes it seconds when a worker is free.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from emporium.core.queueing import queue_after_commit
from emporium.orders.models import Order
from emporium.orders.signals import order_status_changed


@receiver(order_status_changed, sender=Order, dispatch_uid="analytics-refresh-day")
def refresh_the_orders_day(*, order: Order, **kwargs: Any) -> None:
    queue_after_commit(
        "emporium.analytics.tasks.refresh_rollups_for_days_task",
        days=[timezone.localdate(order.placed_at).isoformat()],
        catch_up="the refresh-analytics job folds the change in",
    )
