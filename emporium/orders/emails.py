"""E-mails about an order, each sent once however often its task runs.

A mail task is retried when the mail server fails and may be delivered twice (a worker that
died after sending, acks late), or run by two workers at once. Each e-mail is recorded as an
:class:`OrderEvent` after it is sent, and the order row is locked from the check to that record,
so a second run waits for the first and then finds it sent. A send that fails rolls back with
nothing recorded, for the retry. (A crash between the server accepting the message and the
commit can still send it twice; only the mail server's own idempotency could avoid that.)
The lock is held while the mail server answers, which ``EMAIL_TIMEOUT`` bounds.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from emporium.orders.links import make_order_link
from emporium.orders.models import Order, OrderEvent, OrderEventType


def send_order_email_once(
    *,
    order: Order,
    event_message: str,
    subject: str,
    template: str,
    extra_context: dict[str, Any] | None = None,
) -> bool:
    """Send ``template`` (``.txt`` and ``.html``) to the order's address unless an e-mail recorded
    as ``event_message`` was sent already; returns whether it sent.

    Every e-mail carries ``order_url``, the link that opens the order again: for a guest a
    signed one that works in any browser (emporium.orders.links)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.email:
            return False  # imported orders may have no address to write to
        if order.events.filter(type=OrderEventType.EMAIL_SENT, message=event_message).exists():
            return False
        context = {
            **(extra_context or {}),
            "order": order,
            "order_url": make_order_link(order=order),
            "site_name": settings.SITE_NAME,
        }
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string(f"{template}.txt", context), to=[order.email]
        )
        message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
        message.send()
        OrderEvent.objects.create(order=order, type=OrderEventType.EMAIL_SENT, message=event_message)
    return True
