"""What staff do to an order that moves its money: the staff's order desk (emporium.backoffice,
the order admin and the staff API) calls these.

They live in payments, not orders: payments already depend on orders (an order is marked paid
by a payment), so the orders app cannot call payments without an import cycle. The orders
services stay the only writers of an order's status; these move the money first, then go
through the workflows (``workflows``), which call them and then take the steps that follow in
other apps (the voucher use given back, open attempts closed).
"""

from __future__ import annotations

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.giftcards.services import gift_card_part_left
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal
from emporium.orders.models import Order
from emporium.orders.services import (
    check_order_can_be_cancelled,
    check_order_can_be_paid,
    check_order_can_be_refunded,
)
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.gateways.base import CancelReason
from emporium.payments.gateways.manual import ManualGateway
from emporium.payments.models import OPEN_STATES, Payment, PaymentState, Refund, RefundState
from emporium.payments.registry import get_gateway
from emporium.payments.services.capture import cancel_payment
from emporium.payments.services.paying import mark_payment_received
from emporium.payments.services.refund_records import pending_refunds
from emporium.payments.services.refunds import complete_refund, refund_payment
from emporium.payments.services.workflows import (
    cancel_order_and_release,
    pay_order,
    refund_order_and_release,
    refund_to_gift_card,
)

S = PaymentState


def mark_order_paid_by_staff(*, order: Order, actor: User | None = None, note: str = "") -> Order:
    """Staff say an order's money has arrived: the order admin's "Mark paid".

    When the customer chose a bank transfer or cash on delivery, that payment is the money that
    arrived: it is marked received, and it marks the order paid. Marking only the order would
    leave that payment open, to be cancelled as a duplicate (a transfer) or pending for good
    (cash collected after the goods left), and its refunds would bypass it. An order with no
    such payment (paid outside the shop) is marked paid on its own.
    """
    order = Order.objects.get(pk=order.pk)
    check_order_can_be_paid(order=order)  # a cancelled order's transfer is refused, not flagged
    for payment in order.payments.filter(state__in=OPEN_STATES).order_by("pk"):
        if isinstance(get_gateway(payment.gateway, enabled_only=False), ManualGateway):
            mark_payment_received(payment=payment, actor=actor)
            return Order.objects.get(pk=order.pk)
    return pay_order(order=order, actor=actor, note=note)


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
    if gift_card_part_left(order=order) > 0:
        return _refund_with_gift_card(order=order, amount=amount, partial=partial, actor=actor, reason=reason)
    return _refund_through_payment(order=order, amount=amount, partial=partial, actor=actor, reason=reason)


def _refund_through_payment(
    *, order: Order, amount: Money | None, partial: bool, actor: User | None, reason: str
) -> Order:
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    if payment is not None:
        refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
        return Order.objects.get(pk=order.pk)
    if authorized := order.payments.filter(state=S.AUTHORIZED).order_by("pk").first():
        return _release_hold(order=order, payment=authorized, partial=partial, actor=actor, reason=reason)
    return refund_order_and_release(order=order, partial=partial, amount=amount, actor=actor, note=reason)


def _refund_with_gift_card(
    *, order: Order, amount: Money | None, partial: bool, actor: User | None, reason: str
) -> Order:
    """An order a gift card paid part of: each part goes back where it came from.

    In full, the card's part goes back on the card, then the payment refunds what it took.
    In part, the payment gives back first, up to what it can still refund (money back the way
    the customer paid), and only what is beyond that goes back on the gift card. The card's
    part is never sent to the payment's gateway, which never took it. The card goes first: it
    is ours to do at once, while a provider may answer later (the order then reads refunded
    once the provider confirms).
    """
    if amount is not None and str(amount.currency) != order.currency:
        raise RefundExceedsOrderTotal(f"Order {order.number} is in {order.currency}.")
    if amount is None:
        order = refund_to_gift_card(order=order, actor=actor, note=reason)
        if order.refunded_amount >= order.total_amount:
            return order  # the card paid it all
        return _refund_through_payment(order=order, amount=None, partial=False, actor=actor, reason=reason)
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    by_payment = Money(0, order.currency)
    if payment is not None:
        available = payment.captured_amount - payment.refunded_amount - pending_refunds(payment)
        by_payment = Money(min(amount.amount, max(available, 0)), order.currency)
    on_card = Money(min(amount.amount - by_payment.amount, gift_card_part_left(order=order)), order.currency)
    beyond = amount.amount - by_payment.amount - on_card.amount
    if beyond > 0 and payment is not None:
        raise RefundExceedsOrderTotal(
            f"At most {format_money(by_payment + on_card)} of order {order.number} can be refunded.",
            refundable=str((by_payment + on_card).amount),
        )
    if on_card.amount > 0:
        order = refund_to_gift_card(order=order, amount=on_card, actor=actor, note=reason)
    if by_payment.amount > 0:
        return _refund_through_payment(
            order=order, amount=by_payment, partial=True, actor=actor, reason=reason
        )
    if beyond > 0:  # paid outside the shop beside the card: recorded only, as for any such order
        return _refund_through_payment(
            order=order, amount=Money(beyond, order.currency), partial=True, actor=actor, reason=reason
        )
    return order


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
    return refund_order_and_release(order=order, actor=actor, note=note)


def cancel_order_and_refund(*, order: Order, actor: User | None = None, reason: str = "") -> Order:
    """Cancel an order and give back whatever it was paid: the order admin's "Cancel" and the
    staff API's cancel both come here.

    Money first, then the order: held cards are released, captured payments refunded in full
    (refunds that never reached the provider are resent with their own key first), and only
    then is the order cancelled (:func:`cancel_order_and_release`): its stock and voucher use
    are given back, and attempts still open (a Stripe intent waiting for a card) are cancelled
    at the provider once it commits. If the provider cannot be reached the order stays as it
    was (the refund already asked for is retried by ``retry_pending_refunds_task``, and the
    order then reads refunded); if it refuses a refund, nothing more is cancelled.
    """
    order = Order.objects.get(pk=order.pk)
    check_order_can_be_cancelled(order=order)  # before the provider is asked anything
    note = reason or "order cancelled"
    for held in order.payments.filter(state=S.AUTHORIZED).order_by("pk"):
        cancel_payment(payment=held, reason=CancelReason.REQUESTED_BY_CUSTOMER, actor=actor)
    for captured in order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk"):
        _refund_all_of(payment=captured, actor=actor, reason=note)
    return cancel_order_and_release(order=order, actor=actor, reason=reason)


def _refund_all_of(*, payment: Payment, actor: User | None, reason: str) -> None:
    for unsent in payment.refunds.filter(state=RefundState.PENDING, provider_reference="").order_by("pk"):
        _check_refunded(complete_refund(refund=unsent, order_follows=False))
    payment.refresh_from_db()
    left = payment.captured_amount - payment.refunded_amount - pending_refunds(payment)
    if left > 0:
        refund = refund_payment(
            payment=payment,
            amount=Money(left, payment.currency),
            actor=actor,
            reason=reason,
            order_follows=False,
        )
        _check_refunded(refund)


def _check_refunded(refund: Refund) -> None:
    if refund.state == RefundState.FAILED:
        raise PaymentActionNotAllowed(
            f"The provider refused refund {refund.pk} of payment {refund.payment_id}: "
            "the order was not cancelled. Refund it another way, then cancel it."
        )
