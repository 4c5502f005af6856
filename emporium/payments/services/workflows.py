"""The steps of an order's life that span apps, as plain calls a reader can follow.

The orders services change only the order (its status, stock, history and e-mails). What other
apps must do when it moves is called here, right after, in one transaction with it:

* :func:`pay_order`: the order is marked paid, then its other open payment attempts are
  closed as duplicates (a Stripe intent still waiting for a card when a bank transfer paid),
  and the gift cards it bought are issued and e-mailed once it commits; an order of gift
  cards alone has nothing to ship, so a card only held for it is captured then too;
* :func:`fulfil_order` and :func:`ship_order`: the goods are on their way, so the payments
  only authorized at checkout are captured (manual capture, ADR 0007);
* :func:`cancel_order_and_release`: the order is cancelled, its voucher use given back
  (checkout) and its open payment attempts closed as abandoned; the expiry sweep
  (:func:`release_expired_orders`) cancels unpaid orders whose reservation ran out this way;
* :func:`refund_order_and_release`: money given back is recorded on the order and, once it
  is refunded in full, its voucher use is given back, and what a gift card paid goes back on
  the card; :func:`refund_to_gift_card`: the gift card's part of a refund goes back on the card
  (never to the card payment's gateway), recorded on the order the same way.

They live in payments because payments sits above orders and checkout (README,
"Architecture"); the staff's actions (``order_actions``) and payments' own services call them.
Payment providers are never called inside the order's transaction: captures and cancels of
open attempts are queued as tasks once it commits, and dropped if it rolls back. A voucher use,
then a gift card's part, is given back under the order's lock and before any stock moves:
``place_order`` locks the voucher, then the gift card, then the variants too, so the two never
wait for each other the other way round. A gift card's part goes back at most once: what is
left to give back is read from its ledger under the card's lock.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from emporium.accounts.models import User
from emporium.checkout.services import give_back_voucher_use
from emporium.core.money import Money
from emporium.core.queueing import queue_after_commit
from emporium.giftcards.selectors import holds_gift_cards_alone
from emporium.giftcards.services import (
    deliver_bought_gift_cards_after_commit,
    gift_card_part_left,
    give_back_gift_card,
    switch_off_bought_gift_cards,
)
from emporium.orders.models import Order, OrderStatus
from emporium.orders.services import (
    cancel_order,
    check_order_can_be_cancelled,
    check_order_can_be_refunded,
    list_expired_order_ids,
    lock_order,
    lock_order_if_expired,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    record_gift_card_given_back,
    record_voucher_use_given_back,
    refund_order,
    refunds_in_full,
)
from emporium.payments.gateways.base import CancelReason
from emporium.payments.models import OPEN_STATES, Payment, PaymentState
from emporium.promotions.services import give_back_promotion_uses

logger = logging.getLogger(__name__)


@transaction.atomic
def pay_order(
    *, order: Order, actor: User | None = None, note: str = "", paid_by: Payment | None = None
) -> Order:
    """The order's money is there: mark it paid, then close its other open attempts.

    ``paid_by`` is the payment that brought the money (None: staff marked an order paid outside
    the shop); it is still open in the database here, saved after the order, and is left alone.
    A cash-on-delivery order paid after it left keeps its status: nothing else is closed then.
    """
    order = mark_order_paid(order=order, actor=actor, note=note)
    if order.status == OrderStatus.PAID:
        _close_open_attempts(order=order, reason=CancelReason.DUPLICATE, sparing=paid_by)
    if (
        paid_by is not None
        and paid_by.state == PaymentState.AUTHORIZED
        and holds_gift_cards_alone(order=order)
    ):
        # Nothing to ship: its cards go out as soon as it is paid, so a card only held (manual
        # capture) is charged now, not at a shipping that never comes.
        _queue_capture(paid_by.pk)
    deliver_bought_gift_cards_after_commit(order=order)  # gift cards it bought: issued and e-mailed
    return order


@transaction.atomic
def fulfil_order(*, order: Order, actor: User | None = None) -> Order:
    """Picked and packed: the order is marked fulfilled, and its held cards are charged."""
    order = mark_order_fulfilled(order=order, actor=actor)
    _capture_authorized_payments(order)
    return order


@transaction.atomic
def ship_order(*, order: Order, tracking_number: str = "", actor: User | None = None) -> Order:
    """The parcel left: the order is marked shipped (its stock leaves, the customer is told),
    and its held cards are charged, unless fulfilling it did already."""
    order = mark_order_shipped(order=order, tracking_number=tracking_number, actor=actor)
    _capture_authorized_payments(order)
    return order


def cancel_order_and_release(*, order: Order, actor: User | None = None, reason: str = "") -> Order:
    """Cancel the order and let go of all it holds: its stock (orders), its voucher use
    (checkout) and its payment attempts still open (cancelled at the provider after the commit).

    Money already taken is not this step's: staff cancel through ``cancel_order_and_refund``,
    which gives it back first and then comes here. What the gift card paid goes back on the
    card here; for an order that was paid it is also added to ``refunded_amount``, in one
    history event (``record_gift_card_given_back``), so the cancelled order's refunded amount
    says all that went back, card and payment, as an order refunded in full does. Gift cards
    the order bought are switched off (staff were refused already if one was spent).
    """
    with transaction.atomic():
        order = lock_order(order)
        check_order_can_be_cancelled(order=order)
        voucher_given_back = give_back_voucher_use(order=order)  # before the stock moves
        give_back_promotion_uses(order_id=order.pk)  # then the promotions, as place_order locks
        gift_card_given_back = give_back_gift_card(
            order=order, actor=actor, note=f"Order {order.number} cancelled"
        )
        switch_off_bought_gift_cards(order=order, refuse_if_spent=False, why="order cancelled", actor=actor)
        order = cancel_order(order=order, actor=actor, reason=reason)
        if voucher_given_back:
            record_voucher_use_given_back(order=order, actor=actor)
        if gift_card_given_back:
            # Paid, the card's part counts as refunded, as the payment's did on the way out.
            record_gift_card_given_back(
                order=order,
                amount=Money(gift_card_given_back, order.currency),
                actor=actor,
                counts_as_refund=order.is_paid,
            )
        _close_open_attempts(order=order, reason=CancelReason.ABANDONED)
    return order


def refund_order_and_release(
    *,
    order: Order,
    partial: bool = False,
    amount: Money | None = None,
    actor: User | None = None,
    note: str = "",
) -> Order:
    """Record money given back on the order (``refund_order``: its status and refunded amount,
    and its stock when nothing was shipped); refunded in full, its voucher use goes back too,
    and whatever its gift card paid and was not given back yet goes back on the card."""
    with transaction.atomic():
        order = lock_order(order)
        check_order_can_be_refunded(order=order)
        # Before the stock moves, as when cancelling; a refund refused below rolls it back.
        in_full = refunds_in_full(order=order, amount=amount)
        voucher_given_back = in_full and give_back_voucher_use(order=order)
        if in_full:
            give_back_promotion_uses(order_id=order.pk)
        gift_card_given_back = (
            give_back_gift_card(order=order, actor=actor, note=f"Order {order.number} refunded")
            if in_full
            else Decimal(0)
        )
        if in_full:
            switch_off_bought_gift_cards(
                order=order, refuse_if_spent=False, why="order refunded", actor=actor
            )
        order = refund_order(order=order, partial=partial, amount=amount, actor=actor, note=note)
        if voucher_given_back:
            record_voucher_use_given_back(order=order, actor=actor)
        if gift_card_given_back:
            record_gift_card_given_back(
                order=order, amount=Money(gift_card_given_back, order.currency), actor=actor
            )
    return order


def refund_to_gift_card(
    *, order: Order, amount: Money | None = None, actor: User | None = None, note: str = ""
) -> Order:
    """Give back the gift card's part of a refund on the card itself: all the card paid and
    still holds back (``amount`` None) or part of it. Recorded on the order as any refund (its
    status and refunded amount); refunded in full, its voucher use goes back too.

    The card's part never reaches a payment gateway: the card payment only ever took, and so
    only ever gives back, what was left after the card (``Order.amount_due``).
    """
    with transaction.atomic():
        order = lock_order(order)
        check_order_can_be_refunded(order=order)
        # Under the order's lock, every give-back of this order queues behind this one.
        left = min(gift_card_part_left(order=order), order.total_amount - order.refunded_amount)
        value = left if amount is None else min(amount.amount, left)
        if value <= 0:
            return order
        refund = Money(value, order.currency)
        in_full = refunds_in_full(order=order, amount=refund)
        voucher_given_back = in_full and give_back_voucher_use(order=order)
        if in_full:
            give_back_promotion_uses(order_id=order.pk)
            switch_off_bought_gift_cards(
                order=order, refuse_if_spent=False, why="order refunded", actor=actor
            )
        given = give_back_gift_card(
            order=order, amount=value, actor=actor, note=f"Order {order.number} refunded"
        )
        detail = f"to gift card {order.masked_gift_card}".strip() + (f": {note}" if note else "")
        order = refund_order(order=order, amount=Money(given, order.currency), actor=actor, note=detail)
        if voucher_given_back:
            record_voucher_use_given_back(order=order, actor=actor)
    return order


def release_expired_orders(*, now: datetime | None = None) -> int:
    """Cancel the unpaid orders whose reservation ran out (:func:`cancel_order_and_release`:
    their stock, voucher use and open attempts go back); returns how many.

    Each order in its own transaction under its row lock, and asked again once locked
    (``lock_order_if_expired``): meanwhile a second worker may have cancelled it, or its
    customer paid it or chose a way to pay that holds the stock longer. So stock comes back
    exactly once, and never from an order that is no longer expired.
    """
    now = now or timezone.now()
    released = 0
    for order_id in list_expired_order_ids(now=now):
        with transaction.atomic():
            order = lock_order_if_expired(order_id=order_id, now=now)
            if order is None:
                continue
            cancel_order_and_release(order=order, reason="Not paid in time")
            released += 1
    if released:
        logger.info("Released the stock of %d unpaid orders", released)
    return released


def _capture_authorized_payments(order: Order) -> None:
    """Queue the capture of each payment only authorized (and not being cancelled), to run
    once the order's change commits."""
    authorized = Payment.objects.filter(
        order=order, state=PaymentState.AUTHORIZED, cancel_requested_at__isnull=True
    ).values_list("pk", flat=True)
    for payment_id in authorized:
        _queue_capture(payment_id)


def _queue_capture(payment_id: int) -> None:
    queue_after_commit(
        "emporium.payments.tasks.capture_payment_task",
        payment_id=payment_id,
        catch_up="the payment stays authorized: staff capture it from the admin",
    )


def _close_open_attempts(*, order: Order, reason: CancelReason, sparing: Payment | None = None) -> None:
    """Queue the cancel at the provider of each attempt still open (a Stripe intent waiting for
    a card), to run once the order's change commits; the task skips one that paid meanwhile."""
    from emporium.payments.tasks import cancel_open_payment_task

    open_attempts = Payment.objects.filter(order=order, state__in=OPEN_STATES)
    if sparing is not None:
        open_attempts = open_attempts.exclude(pk=sparing.pk)
    for payment_id in open_attempts.values_list("pk", flat=True):
        transaction.on_commit(
            functools.partial(cancel_open_payment_task.delay, payment_id=payment_id, reason=str(reason))
        )
