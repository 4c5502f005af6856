"""Refunds and cancellations tell the customer by e-mail: what went back, and the link to the
order. Queued once the change commits, and sent once however often the task runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from emporium.core.money import Money
from emporium.orders.models import OrderEvent, OrderEventType, OrderStatus
from emporium.orders.services import cancel_order, refund_order
from emporium.orders.tasks import send_cancellation_notification_task, send_refund_notification_task
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of one of the shop's e-mails."""
    assert isinstance(message, EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    return str(message.body), html


def _order(status: str = OrderStatus.PAID, **fields: object):
    defaults: dict[str, object] = {
        "status": status, "currency": "GBP", "customer": None, "email": "gus@example.com",
        "subtotal_amount": Decimal("20.00"), "shipping_method_name": "Standard", "total_amount": Decimal("20.00"),
    }  # fmt: skip
    order = OrderFactory.create(**{**defaults, **fields})
    OrderLineFactory.create(order=order, variant=None, product_name="Teapot", sku="POT-1",
                            unit_price_amount=Decimal("20.00"))  # fmt: skip
    return order


def _gbp(amount: str) -> Money:
    return Money(Decimal(amount), "GBP")


def test_a_refund_in_full_emails_the_guest_what_went_back_with_the_link(django_capture_on_commit_callbacks):
    order = _order()

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order)

    [message] = mail.outbox
    assert message.to == ["gus@example.com"]
    assert "£20.00 refunded" in message.subject
    assert "We have refunded £20.00" in message.body
    assert "Refunded: £20.00" in message.body
    assert f"/checkout/orders/{order.number}/?token=" in message.body
    assert "We have refunded <strong>£20.00</strong>" in _bodies(message)[1]


def test_each_partial_refund_sends_its_own_email(django_capture_on_commit_callbacks):
    order = _order()

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, partial=True, amount=_gbp("5.00"))
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, partial=True, amount=_gbp("2.50"))

    assert [m.subject.split(": ")[1] for m in mail.outbox] == [
        f"£5.00 refunded on order {order.number}",
        f"£2.50 refunded on order {order.number}",
    ]
    assert "Part of your order" in mail.outbox[0].body
    assert "Refunded: £7.50" in mail.outbox[1].body


def test_a_refund_task_run_twice_sends_once(django_capture_on_commit_callbacks):
    order = _order()
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, partial=True, amount=_gbp("5.00"))
    event = OrderEvent.objects.filter(order=order, type=OrderEventType.STATUS_CHANGED).latest("pk")

    again = send_refund_notification_task.delay(order_id=order.pk, refund_event_id=event.pk, amount="5.00")

    assert again.get() is False
    assert len(mail.outbox) == 1


def test_a_refund_rolled_back_sends_nothing(django_capture_on_commit_callbacks):
    order = _order()

    def refund_then_fail() -> None:
        with transaction.atomic():
            refund_order(order=order)
            raise RuntimeError("the payment provider refused after all")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        refund_then_fail()

    assert mail.outbox == []


def test_a_cancellation_emails_the_customer_once(django_capture_on_commit_callbacks):
    order = _order(status=OrderStatus.UNPAID, stock_state="")

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order, reason="Not paid in time")
    again = send_cancellation_notification_task.delay(order_id=order.pk)

    assert again.get() is False
    [message] = mail.outbox
    assert message.subject.endswith(f"order {order.number} is cancelled")
    assert "Teapot" in message.body
    assert "Nothing was charged." in message.body
    assert f"/checkout/orders/{order.number}/?token=" in message.body
    assert "What was cancelled" in _bodies(message)[1]


def test_a_cancelled_order_refunded_on_the_way_out_says_how_much(django_capture_on_commit_callbacks):
    order = _order(refunded_amount=Decimal("20.00"), paid_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    assert "We have refunded £20.00" in _bodies(mail.outbox[0])[0]


def test_a_paid_order_cancelled_before_its_refund_is_through_says_it_is_coming(
    django_capture_on_commit_callbacks,
):
    order = _order(paid_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    text = _bodies(mail.outbox[0])[0]
    assert "What you paid is being refunded" in text
    assert "Nothing was charged" not in text


def test_an_order_with_no_address_sends_nothing(django_capture_on_commit_callbacks):
    order = _order(email="")

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order)

    assert mail.outbox == []
