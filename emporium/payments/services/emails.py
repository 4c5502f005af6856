"""The customer's "payment received" e-mail: once per order, after the commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from emporium.orders.links import make_order_link
from emporium.orders.models import Order, OrderEvent, OrderEventType
from emporium.payments.models import Payment, PaymentState

PAYMENT_CONFIRMATION = "Payment confirmation"


def queue_payment_confirmation(payment_id: int) -> None:
    from emporium.payments.tasks import send_payment_confirmation_task

    send_payment_confirmation_task.delay(payment_id=payment_id)


def send_payment_confirmation(*, payment: Payment) -> None:
    """Tell the customer we have their money: once per order, even if the task runs twice, and
    not at all once it has all gone back (a refund that overtook the payment's own event, or
    staff refunding before the task ran): "payment received" would be untrue by then."""
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
            return
        if order.events.filter(type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION).exists():
            return
        message.send()
        OrderEvent.objects.create(order=order, type=OrderEventType.EMAIL_SENT, message=PAYMENT_CONFIRMATION)
