"""What staff do to an order that moves its money: the order admin and the staff API call these."""

from __future__ import annotations

from emporium.accounts.models import User
from emporium.core.money import Money
from emporium.orders.exceptions import RefundAmountRequired
from emporium.orders.models import Order
from emporium.orders.services import refund_order
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
) -> Order:
    """Refund an order, in full (``amount`` None: all that is left) or in part: the order admin's
    and the staff API's one way to do it. Through the order's captured payment when it has one,
    so the money really goes back and the order follows; an order paid outside the shop
    (imported, or marked paid by hand) only records the refund, capped at what is left of its total.
    """
    if partial and amount is None:
        raise RefundAmountRequired()
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    if payment is None:
        return refund_order(order=order, partial=partial, amount=amount, actor=actor, note=reason)
    refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
    return Order.objects.get(pk=order.pk)
