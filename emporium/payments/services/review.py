"""What staff must look at: notes in the order's history and payments flagged for review."""

from __future__ import annotations

import logging

from django.db import transaction

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.models import Order, OrderEvent, OrderEventType
from emporium.payments.models import Payment

logger = logging.getLogger(__name__)


def lock_payment(payment: Payment) -> Payment:
    """The payment's row lock, always taken before the order's: one order, so no deadlock."""
    return Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)


def note_on_order(order: Order, message: str, actor: User | None = None) -> None:
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message[:255])


def flag_payment(payment: Payment, reason: str) -> None:
    """Stop the payment moving on its own: staff decide (admin filter "flagged for review").
    The caller holds the payment's lock and saves it."""
    payment.flagged_for_review = True
    payment.review_reason = reason[:255]
    note_on_order(payment.order, f"Payment {payment.pk} flagged for review: {reason}")
    logger.warning("Payment %s of order %s flagged for review: %s", payment.pk, payment.order.number, reason)


def describe_mismatch(*, payment: Payment, amount: Money | None) -> str:
    """Why what the provider reports cannot pay the order, or "" when it matches."""
    order = payment.order
    if amount is None:
        return ""
    # What the order still owes, not its total: a gift card paid the rest at checkout.
    if str(amount.currency) != order.currency or amount.amount != order.amount_due.amount:
        return (
            f"the provider reports {format_money(amount)}, "
            f"but order {order.number} is for {format_money(order.amount_due)}"
        )
    if str(amount.currency) != payment.currency or amount.amount != payment.amount:
        return f"the provider reports {format_money(amount)}, but the payment is for {format_money(payment.total)}"
    return ""


def clear_review_flag(*, payment: Payment, actor: User | None) -> Payment:
    with transaction.atomic():
        payment = lock_payment(payment)
        if payment.flagged_for_review:
            payment.flagged_for_review = False
            note_on_order(payment.order, f"Payment {payment.pk} reviewed: {payment.review_reason}", actor)
            payment.save(update_fields=["flagged_for_review", "updated_at"])
    return payment
