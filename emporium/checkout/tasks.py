"""Celery callers of the checkout services."""

from __future__ import annotations

import smtplib

from celery import shared_task

from emporium.checkout.services import send_order_confirmation
from emporium.orders.models import Order

# A mail server that is down, restarting or refusing connections for a moment: worth trying
# again. smtplib's errors are OSErrors already; both are named for the reader. Attempts come
# after about 1, 2, 4, 8 and 16 s (with jitter), then the task fails and is logged.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=True, retry_backoff_max=300, max_retries=5)
def send_order_confirmation_task(*, order_id: int) -> bool:
    # An id, not the order: the task runs after the commit and reads the row as it is then.
    # send_order_confirmation skips an order whose confirmation is recorded as sent, so a
    # task delivered twice (acks late: a worker that died after sending) sends it once.
    return send_order_confirmation(order=Order.objects.get(pk=order_id))
