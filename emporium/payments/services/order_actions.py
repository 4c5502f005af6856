"""What staff do to an order that moves its money: the order admin and the staff API call these."""

from __future__ import annotations

from emporium.accounts.models import User
from emporium.core.money import Money
from emporium.orders.exceptions import RefundAmountRequired
from emporium.orders.models import Order
from emporium.orders.services import check_order_can_be_refunded, refund_order
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.gateways.base import CancelReason
from emporium.payments.models import Payment, PaymentState
from emporium.payments.services.capture import cancel_payment
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
    if payment is not None:
        refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
        return Order.objects.get(pk=order.pk)
    if authorized := order.payments.filter(state=S.AUTHORIZED).order_by("pk").first():
        return _release_hold(order=order, payment=authorized, partial=partial, actor=actor, reason=reason)
    return refund_order(order=order, partial=partial, amount=amount, actor=actor, note=reason)


def _release_hold(*, order: Order, payment: Payment, partial: bool, actor: User | None, reason: str) -> Order:
    """Manual capture, not yet captured: nothing was taken, so "refund" means releasing the hold
    on the card. Only in full; part of a hold is given back by capturing less (capture first)."""
    if partial:
        raise PaymentActionNotAllowed(
            f"Payment {payment.pk} is only authorized: capture it before refunding part of it, "
            "or refund in full to release the hold."
        )
    check_order_can_be_refunded(order=order)  # before the provider is asked anything
    cancel_payment(payment=payment, reason=CancelReason.REQUESTED_BY_CUSTOMER, actor=actor)
    note = f"hold released (payment {payment.pk})" + (f": {reason}" if reason else "")
    return refund_order(order=order, actor=actor, note=note)
