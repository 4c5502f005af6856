"""The customer's "payment received" e-mail: once per order, after the commit."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from emporium.core.queueing import queue_after_commit
from emporium.orders.links import make_order_link
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from emporium.orders.selectors import list_orders_awaiting_email
from emporium.payments.models import Payment, PaymentState

PAYMENT_CONFIRMATION = "Payment confirmation"


def queue_payment_confirmation(payment_id: int) -> None:
    """After the commit that marked the order paid; a broker that is down leaves it to
    :func:`send_unsent_payment_confirmations`."""
    queue_after_commit(
        "emporium.payments.tasks.send_payment_confirmation_task",
        payment_id=payment_id,
        catch_up="send_unsent_payment_confirmations sends it",
    )


def send_payment_confirmation(*, payment: Payment) -> bool:
    """Tell the customer we have their money: once per order, even if the task runs twice, and
    not at all once it has all gone back (a refund that overtook the payment's own event, or
    staff refunding before the task ran): "payment received" would be untrue by then. Returns
    whether it sent."""
    order = payment.order
    context = {
        "order": order,
        "payment": payment,
        "order_url": make_order_link(order=order),
        "site_name": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"{settings.SITE_NAME}: payment received for order {order.number}",
        body=render_to_string("payments/email/payment_confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("payments/email/payment_confirmation.html", context), "text/html"
    )
    with transaction.atomic():
        # Under the order's lock: a second run of the task waits, then finds the e-mail sent.
        Order.objects.select_for_update().filter(pk=order.pk).values_list("pk").get()
        payment.refresh_from_db(fields=["state"])
        if payment.state == PaymentState.REFUNDED:
            return False
        if order.events.filter(type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION).exists():
            return False
        message.send()
        OrderEvent.objects.create(order=order, type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION)
    return True


def send_unsent_payment_confirmations(*, now: datetime | None = None) -> int:
    """Send the "payment received" e-mails whose task never ran (the broker was down when the
    payment came in); returns how many were sent. Looks at the orders marked paid between the
    grace and the window of orders' sweeps, by the payment that paid them."""
    unpaid_news = list_orders_awaiting_email(
        to_status=OrderStatus.PAID, event_message=PAYMENT_CONFIRMATION, now=now
    )
    payments = Payment.objects.filter(
        order__in=unpaid_news, state__in=[PaymentState.AUTHORIZED, PaymentState.CAPTURED]
    ).select_related("order")
    # One payment pays an order (a second is flagged for staff); were there two, the order's
    # "sent" record still lets one e-mail out.
    return sum(send_payment_confirmation(payment=payment) for payment in payments.order_by("order_id", "pk"))
