"""A broker that is down does not turn a committed order change into an error, and the
e-mails it kept from being queued go out later from the database."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from emporium.orders.models import OrderEvent, OrderStatus
from emporium.orders.services import (
    CANCELLATION_NOTIFICATION_EVENT_MESSAGE,
    SHIPPING_NOTIFICATION_EVENT_MESSAGE,
    cancel_order,
    mark_order_shipped,
    refund_order,
    send_unsent_cancellation_notifications,
    send_unsent_shipping_notifications,
)
from emporium.payments.services import pay_order
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db


def test_staff_ship_cancel_and_refund_while_the_broker_is_down(
    dead_broker, django_capture_on_commit_callbacks, caplog
):
    shipped, cancelled, refunded = (pay_order(order=make_unpaid_order()) for _ in range(3))

    with caplog.at_level(logging.WARNING, logger="emporium.core.queueing"):
        with django_capture_on_commit_callbacks(execute=True):  # queueing fails after each commit
            shipped = mark_order_shipped(order=shipped, tracking_number="RM1")
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = cancel_order(order=cancelled, reason="Out of stock")
        with django_capture_on_commit_callbacks(execute=True):
            refunded = refund_order(order=refunded)

    assert (shipped.status, cancelled.status, refunded.status) == (
        OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED,
    )  # fmt: skip
    assert mail.outbox == []
    warnings = [
        record.getMessage() for record in caplog.records if "notification_task" in record.getMessage()
    ]
    assert len(warnings) == 3  # and the analytics refreshes, which the periodic job makes up for
    assert "send_shipping_notification_task" in warnings[0]
    assert "send_unsent_shipping_notifications sends it" in warnings[0]
    assert "send_unsent_cancellation_notifications sends it" in warnings[1]


def _moved_ago(order, *, minutes: float):
    """The order, its move to its present status dated ``minutes`` ago."""
    OrderEvent.objects.filter(order=order, to_status=order.status).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    return order


def _shipped(minutes_ago: float):
    order = mark_order_shipped(order=pay_order(order=make_unpaid_order()), tracking_number="RM1")
    return _moved_ago(order, minutes=minutes_ago)


def test_the_sweep_sends_a_shipping_notification_whose_task_never_ran_once():
    order = _shipped(minutes_ago=10)

    first, second = send_unsent_shipping_notifications(), send_unsent_shipping_notifications()

    assert (first, second) == (1, 0)
    assert [email.to for email in mail.outbox if "on its way" in email.subject] == [[order.email]]
    assert order.events.filter(message=SHIPPING_NOTIFICATION_EVENT_MESSAGE).count() == 1


def test_the_sweep_leaves_fresh_and_old_shipments_alone():
    _shipped(minutes_ago=1)  # its own task may run yet
    _shipped(minutes_ago=3 * 24 * 60)  # news too late to be of use

    assert send_unsent_shipping_notifications() == 0
    assert not [email for email in mail.outbox if "on its way" in email.subject]


def _cancelled(minutes_ago: float):
    order = cancel_order(order=pay_order(order=make_unpaid_order()), reason="Out of stock")
    return _moved_ago(order, minutes=minutes_ago)


def test_the_sweep_sends_a_cancellation_notification_whose_task_never_ran_once():
    order = _cancelled(minutes_ago=10)
    _cancelled(minutes_ago=1)  # its own task may run yet
    _cancelled(minutes_ago=3 * 24 * 60)  # news too late to be of use

    first, second = send_unsent_cancellation_notifications(), send_unsent_cancellation_notifications()

    assert (first, second) == (1, 0)
    assert [email.to for email in mail.outbox if "is cancelled" in email.subject] == [[order.email]]
    assert order.events.filter(message=CANCELLATION_NOTIFICATION_EVENT_MESSAGE).count() == 1


def test_every_sweep_runs_every_five_minutes(settings):
    sweeps = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert sweeps["emporium.orders.tasks.send_unsent_shipping_notifications_task"] == 300.0
    assert sweeps["emporium.orders.tasks.send_unsent_cancellation_notifications_task"] == 300.0
