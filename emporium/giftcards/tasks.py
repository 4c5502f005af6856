"""Celery callers of the gift card services."""

from __future__ import annotations

from celery import shared_task

from emporium.core.mail import MAIL_TASK_RETRY
from emporium.giftcards.services import deliver_bought_gift_cards
from emporium.orders.placing import get_order


@shared_task(**MAIL_TASK_RETRY)
def deliver_bought_gift_cards_task(*, order_id: int) -> int:
    # An id, not the order: run after the payment commits. Retried when the mail server fails:
    # the cards are issued in the e-mail's transaction, so a failure issues none.
    return len(deliver_bought_gift_cards(order=get_order(order_id=order_id)))
