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
from emporium.giftcards.services import (
    gift_card_part_left,
    switch_off_bought_gift_cards,
    switch_on_gift_cards,
)
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal
from emporium.orders.models import Order
from emporium.orders.services import (
    check_order_can_be_cancelled,
    check_order_can_be_paid,
    check_order_can_be_refunded,
    refunds_in_full,
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

    Refunded in full, the gift cards the order bought are switched off before any money moves,
    and the refund is refused if one was spent (``switch_off_bought_gift_cards``); they are
    switched on again if the provider refuses the refund or cannot be reached.
    """
    if partial and amount is None:
        raise RefundAmountRequired()
    order = Order.objects.get(pk=order.pk)
    if not refunds_in_full(order=order, amount=amount):
        return _refund_money(order=order, amount=amount, partial=partial, actor=actor, reason=reason)[0]
    check_order_can_be_refunded(order=order)  # before a card is switched off
    switched = switch_off_bought_gift_cards(
        order=order, refuse_if_spent=True, why="order being refunded", actor=actor
    )
    try:
        order, refund = _refund_money(order=order, amount=amount, partial=partial, actor=actor, reason=reason)
    except Exception:
        switch_on_gift_cards(cards=switched, order=order, why="the refund did not go through", actor=actor)
        raise
    if refund is not None and refund.state == RefundState.FAILED:
        switch_on_gift_cards(cards=switched, order=order, why="the provider refused the refund", actor=actor)
    return order


def _refund_money(
    *, order: Order, amount: Money | None, partial: bool, actor: User | None, reason: str
) -> tuple[Order, Refund | None]:
    """The order as the refund left it, and the provider's refund if one was asked for."""
    if gift_card_part_left(order=order) > 0:
        return _refund_with_gift_card(order=order, amount=amount, partial=partial, actor=actor, reason=reason)
    return _refund_through_payment(order=order, amount=amount, partial=partial, actor=actor, reason=reason)


def _refund_through_payment(
    *, order: Order, amount: Money | None, partial: bool, actor: User | None, reason: str
) -> tuple[Order, Refund | None]:
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    if payment is not None:
        refund = refund_payment(payment=payment, amount=amount, actor=actor, reason=reason)
        return Order.objects.get(pk=order.pk), refund
    if authorized := order.payments.filter(state=S.AUTHORIZED).order_by("pk").first():
        return _release_hold(
            order=order, payment=authorized, partial=partial, actor=actor, reason=reason
        ), None
    return refund_order_and_release(
        order=order, partial=partial, amount=amount, actor=actor, note=reason
    ), None


def _refund_with_gift_card(
    *, order: Order, amount: Money | None, partial: bool, actor: User | None, reason: str
) -> tuple[Order, Refund | None]:
    """An order a gift card paid part of: each part goes back where it came from.

    In part, the payment gives back first, up to what it can still refund (money back the way
    the customer paid), and only what is beyond that goes back on the gift card; in full, both
    all they took. The card's part is never sent to the payment's gateway, which never took it.

    The card is credited only once the provider's refund succeeded: the payment's refund
    carries the card's part (``Refund.gift_card_amount``), put on the card in the transaction
    that records the refund's success (``refund_records.settle_refund``). A refund the provider
    refuses leaves the card and the order as they were; one it accepts as pending credits the
    card when its success is reported (webhook, or ``check_pending_refunds``). With nothing
    for a provider to do (the card paid it all, the payment is refunded already, a hold to
    release, or the rest paid outside the shop), the card's part goes back at once, with the
    rest, in one transaction (``refund_order_and_release`` in full, ``refund_to_gift_card``).
    """
    if amount is not None and str(amount.currency) != order.currency:
        raise RefundExceedsOrderTotal(f"Order {order.number} is in {order.currency}.")
    payment = order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk").first()
    available = Money(0, order.currency)
    if payment is not None:
        left = payment.captured_amount - payment.refunded_amount - pending_refunds(payment)
        available = Money(max(left, 0), order.currency)
    on_card_left = gift_card_part_left(order=order)
    if amount is None:
        if payment is None or available.amount <= 0:
            return _refund_through_payment(
                order=order, amount=None, partial=False, actor=actor, reason=reason
            )
        by_payment, on_card, beyond = available, on_card_left, Money(0, order.currency)
    else:
        by_payment = Money(min(amount.amount, available.amount), order.currency)
        on_card = min(amount.amount - by_payment.amount, on_card_left)
        beyond = Money(amount.amount - by_payment.amount - on_card, order.currency)
        if beyond.amount > 0 and payment is not None:
            raise RefundExceedsOrderTotal(
                f"At most {format_money(by_payment + Money(on_card, order.currency))} of order "
                f"{order.number} can be refunded.",
                refundable=str(by_payment.amount + on_card),
            )
    if payment is not None and by_payment.amount > 0:
        check_order_can_be_refunded(order=order)  # before the provider is asked anything
        refund = refund_payment(
            payment=payment, amount=by_payment, actor=actor, reason=reason, gift_card_amount=on_card
        )
        return Order.objects.get(pk=order.pk), refund
    if on_card > 0:
        order = refund_to_gift_card(
            order=order, amount=Money(on_card, order.currency), actor=actor, note=reason
        )
    if beyond.amount > 0:  # paid outside the shop beside the card: recorded only, as for any such order
        return _refund_through_payment(order=order, amount=beyond, partial=True, actor=actor, reason=reason)
    return order, None


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
    switched = switch_off_bought_gift_cards(
        order=order, refuse_if_spent=True, why="order being cancelled", actor=actor
    )
    note = reason or "order cancelled"
    try:
        for held in order.payments.filter(state=S.AUTHORIZED).order_by("pk"):
            cancel_payment(payment=held, reason=CancelReason.REQUESTED_BY_CUSTOMER, actor=actor)
        for captured in order.payments.filter(state__in=[S.CAPTURED, S.PARTIALLY_REFUNDED]).order_by("pk"):
            _refund_all_of(payment=captured, actor=actor, reason=note)
    except Exception:
        switch_on_gift_cards(cards=switched, order=order, why="the order was not cancelled", actor=actor)
        raise
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
