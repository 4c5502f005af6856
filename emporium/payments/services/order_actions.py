"""What staff do to an order that moves its money: the order admin and the staff API call these."""

from __future__ import annotations

from emporium.accounts.models import User
from emporium.core.money import Money
from emporium.orders.models import Order
from emporium.orders.services import refund_order
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.models import PaymentState
from emporium.payments.services.refunds import refund_payment

S = PaymentState


def refund_order_payment(
    *,
    order: Order,
    amount: Money | None = None,
    partial: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> None:
    """The order admin's refund actions. Through the order's captured payment when it has one;
    an order paid outside the shop (imported, or marked paid by hand) only records the refund."""
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    if payment is None:
        refund_order(order=order, partial=partial, amount=amount, actor=actor, note=reason)
        return
    if partial and amount is None:
        raise PaymentActionNotAllowed("Enter the amount to refund in part.")
    refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
