"""Every change of an order's status goes through here.

Each service locks the order row, asks the state machine on :class:`Order` for the transition
(refused ones raise :class:`TransitionNotAllowed`), moves stock when the transition says so,
and writes an :class:`OrderEvent`. Stock moves are guarded by ``Order.stock_state`` under that
lock, so a reservation is released or shipped exactly once, whoever gets there first.

Only the order's own state: what other apps do when an order moves (capture its payment when
it ships, give back its voucher use and close its open payment attempts when it is cancelled)
is called by the workflows in ``emporium.payments.services.workflows``, which call these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed
from django_fsm import can_proceed

from emporium.accounts.models import User
from emporium.catalog.models import Variant
from emporium.catalog.services import refresh_stock_state_after_commit, store_units_sold
from emporium.core.money import Money, format_money
from emporium.core.queueing import queue_after_commit
from emporium.orders.emails import send_order_email_once
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal, TransitionNotAllowed
from emporium.orders.links import make_guest_order_token as make_guest_order_token  # re-exported
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderLine, OrderStatus, StockState
from emporium.orders.selectors import (
    PLACED_ORDERS_SESSION_KEY,
    list_order_numbers_placed_in_session,
    list_orders_awaiting_email,
)
from emporium.orders.signals import order_status_changed


def remember_order_in_session(*, session: SessionBase, order: Order) -> None:
    """Let this browser session see the order it placed (guests have no account to prove it).

    Keeps the last 20, so a long session cannot grow without bound."""
    placed = list_order_numbers_placed_in_session(session=session)
    session[PLACED_ORDERS_SESSION_KEY] = [*placed[-19:], order.number]


def lock_order(order: Order) -> Order:
    """The order's row lock, for this transaction: every service here takes it first."""
    return Order.objects.select_for_update().get(pk=order.pk)


@dataclass(frozen=True)
class _StatusChange:
    """One transition made by _apply, announced by _save_and_announce once the order is saved."""

    event: OrderEvent
    source: str
    target: str
    transition: str
    actor: User | None


def _apply(
    *, order: Order, transition: Callable[[Order], None], action: str, actor: User | None, message: str = ""
) -> _StatusChange:
    """Move the status and record it; the change names this one transition."""
    before = order.status
    try:
        transition(order)
    except FSMTransitionNotAllowed as error:
        raise TransitionNotAllowed(
            number=order.number, current=order.get_status_display(), action=action
        ) from error
    event = OrderEvent.objects.create(
        order=order,
        type=OrderEventType.STATUS_CHANGED,
        from_status=before,
        to_status=order.status,
        actor=actor,
        message=message,
    )
    return _StatusChange(
        event=event, source=before, target=order.status, transition=transition.__name__, actor=actor
    )


def _save_and_announce(*, order: Order, change: _StatusChange, fields: list[str]) -> None:
    """Save the order, then tell the other apps, still inside the transaction: receivers see
    the order as it now is (paid_at, refunded_amount, tracking number set)."""
    order.save(update_fields=fields)
    # For side effects no business rule depends on: webhooks record the change in their outbox
    # (emporium.webhooks.receivers), analytics refresh the order's day. Steps of the business
    # (capture, voucher, payment attempts) are calls in emporium.payments.services.workflows.
    order_status_changed.send(
        sender=Order,
        order=order,
        source=change.source,
        target=change.target,
        actor=change.actor,
        transition=change.transition,
    )


def _variant_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for variant_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant_id", "quantity"
    ):
        quantities[variant_id] = quantities.get(variant_id, 0) + quantity
    return quantities


def _move_stock(*, order: Order, allocated: int = 0, on_hand: int = 0) -> None:
    """Add ``allocated`` and ``on_hand`` times each line's quantity to its variant (-1 takes it
    off), the variants locked in pk order so that concurrent moves never deadlock."""
    quantities = _variant_quantities(order)
    for variant in Variant.objects.select_for_update().filter(pk__in=quantities).order_by("pk"):
        quantity = quantities[variant.pk]
        Variant.objects.filter(pk=variant.pk).update(
            stock_allocated=F("stock_allocated") + allocated * quantity,
            stock_on_hand=F("stock_on_hand") + on_hand * quantity,
        )
    # Sellable units go up when a reservation is let go (allocated -1) or goods come back (on_hand +1).
    refresh_stock_state_after_commit(variant_ids=quantities, stock_returned=on_hand > allocated)


def _release_stock(*, order: Order, actor: User | None, reason: str) -> None:
    """Give a reservation back: the goods stay on hand, no longer allocated."""
    if order.stock_state != StockState.RESERVED:
        return
    _move_stock(order=order, allocated=-1)
    order.stock_state = StockState.RELEASED
    OrderEvent.objects.create(order=order, type=OrderEventType.STOCK_RELEASED, actor=actor, message=reason)


def _ship_stock(*, order: Order) -> None:
    """The goods leave the warehouse: both on-hand and allocated drop by the quantity."""
    if order.stock_state != StockState.RESERVED:
        return
    _move_stock(order=order, allocated=-1, on_hand=-1)
    order.stock_state = StockState.SHIPPED


def _restock_returned_goods(*, order: Order, actor: User | None, reason: str) -> None:
    """A parcel refused on delivery (cash on delivery) comes back: its goods are on hand again."""
    if order.stock_state != StockState.SHIPPED:
        return
    _move_stock(order=order, on_hand=1)
    order.stock_state = StockState.RETURNED
    OrderEvent.objects.create(
        order=order, type=OrderEventType.STOCK_RELEASED, actor=actor, message=f"Goods back in stock: {reason}"
    )


def record_voucher_use_given_back(*, order: Order, actor: User | None = None) -> None:
    """Say in the order's history that its voucher use was given back (checkout's
    ``give_back_voucher_use``, called by the cancel and refund workflows)."""
    OrderEvent.objects.create(
        order=order,
        type=OrderEventType.NOTE,
        actor=actor,
        message=f"Voucher {order.voucher_code} use given back",
    )


def record_gift_card_given_back(
    *, order: Order, amount: Money, actor: User | None = None, counts_as_refund: bool = False
) -> None:
    """Say in the order's history that its gift card's part went back on the card
    (``giftcards.services.give_back_gift_card``, called by the cancel and refund workflows).

    ``counts_as_refund``: the card's part is also added to ``refunded_amount``. The cancel
    workflow asks for it when the order had been paid: ``refunded_amount`` then says all that
    went back, the card's part as well as the payment's (recorded by payments, on the way out),
    as it does for an order refunded in full, where ``refund_order`` counts the card's part. An
    order cancelled unpaid was never paid, so nothing of it reads refunded: the card's part is
    only in its history. The refund workflow never asks: ``refund_order`` counts it already,
    and counting it here too would count it twice. One event either way, saying which."""
    card = f" {order.masked_gift_card}" if order.gift_card_last_four else ""
    message = f"{format_money(amount)} given back to gift card{card}"
    if counts_as_refund:
        order.refunded_amount += amount.amount
        order.save(update_fields=["refunded_amount", "updated_at"])
        message += " (counted as refunded)"
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message)


def record_gift_card_note(*, order: Order, message: str, actor: User | None = None) -> None:
    """A gift card the order bought was switched off or on (giftcards' refund and cancel rules)."""
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message[:255])


@transaction.atomic
def mark_order_paid(*, order: Order, actor: User | None = None, note: str = "") -> Order:
    """The interface point for payments: emporium.payments calls this once a payment's money
    is there (a provider's answer or event, or staff marking a transfer or cash received),
    through its ``pay_order`` workflow, which then closes the order's other open attempts.
    Staff marking an order paid go through payments' ``mark_order_paid_by_staff``, so the
    payment that carried the money is recorded too; only an order with no such payment (paid
    outside the shop) is marked paid on its own.

    A cash-on-delivery order may already be on its way: it is paid without changing status."""
    order = lock_order(order)
    change = _apply(order=order, transition=Order.pay, action="marked paid", actor=actor, message=note)
    order.paid_at = timezone.now()
    order.reserved_until = None  # paid orders keep their stock until shipped or cancelled
    _save_and_announce(
        order=order, change=change, fields=["status", "paid_at", "reserved_until", "updated_at"]
    )
    return order


@transaction.atomic
def confirm_order_for_cash_on_delivery(*, order: Order, actor: User | None = None) -> Order:
    """The customer pays the courier: the order goes to fulfilment unpaid. Its stock is held
    until it ships (no expiry), and staff mark it paid when the courier pays in."""
    order = lock_order(order)
    if order.status != OrderStatus.UNPAID or order.stock_state == StockState.RELEASED:
        raise TransitionNotAllowed(
            number=order.number, current=order.get_status_display(), action="paid on delivery"
        )
    if order.pays_on_delivery and order.reserved_until is None:
        return order
    order.pays_on_delivery = True
    order.reserved_until = None
    order.save(update_fields=["pays_on_delivery", "reserved_until", "updated_at"])
    OrderEvent.objects.create(
        order=order,
        type=OrderEventType.NOTE,
        actor=actor,
        message="Cash on delivery: to be fulfilled unpaid; its items are held until it ships",
    )
    return order


@transaction.atomic
def mark_order_fulfilled(*, order: Order, actor: User | None = None) -> Order:
    order = lock_order(order)
    change = _apply(order=order, transition=Order.fulfil, action="marked fulfilled", actor=actor)
    _save_and_announce(order=order, change=change, fields=["status", "updated_at"])
    return order


@transaction.atomic
def mark_order_shipped(*, order: Order, tracking_number: str = "", actor: User | None = None) -> Order:
    order = lock_order(order)
    message = f"Tracking number {tracking_number}" if tracking_number else ""
    change = _apply(order=order, transition=Order.ship, action="shipped", actor=actor, message=message)
    _ship_stock(order=order)
    order.tracking_number = tracking_number
    _save_and_announce(
        order=order, change=change, fields=["status", "tracking_number", "stock_state", "updated_at"]
    )
    queue_after_commit(
        "emporium.orders.tasks.send_shipping_notification_task",
        order_id=order.pk,
        catch_up="send_unsent_shipping_notifications sends it",
    )
    return order


SHIPPING_NOTIFICATION_EVENT_MESSAGE = "Shipping notification"


def send_unsent_shipping_notifications(*, now: datetime | None = None) -> int:
    """Send the shipping notifications whose task never ran; returns how many were sent. Each
    is still sent once (``send_order_email_once``)."""
    unsent = list_orders_awaiting_email(
        to_status=OrderStatus.SHIPPED, event_message=SHIPPING_NOTIFICATION_EVENT_MESSAGE, now=now
    )
    return sum(send_shipping_notification(order=order) for order in unsent)


def send_shipping_notification(*, order: Order) -> bool:
    """Tell the customer the parcel is on its way, with the tracking number (HTML and text).

    Returns whether it sent; sent once however often its task runs (``send_order_email_once``).
    """
    return send_order_email_once(
        order=order,
        event_message=SHIPPING_NOTIFICATION_EVENT_MESSAGE,
        subject=f"{settings.SITE_NAME}: order {order.number} is on its way",
        template="orders/email/shipping_notification",
    )


@transaction.atomic
def mark_order_delivered(*, order: Order, actor: User | None = None) -> Order:
    order = lock_order(order)
    change = _apply(order=order, transition=Order.deliver, action="marked delivered", actor=actor)
    order.delivered_at = timezone.now()
    _save_and_announce(order=order, change=change, fields=["status", "delivered_at", "updated_at"])
    return order


@transaction.atomic
def mark_order_delivered_by_email(*, order: Order, message: str, actor: User | None = None) -> Order:
    """An order with nothing to ship, delivered as what it bought is e-mailed: from paid straight
    to delivered, its stock leaving as when a parcel ships, ``message`` in its history. The
    caller (emporium.giftcards) decides that nothing is left to ship."""
    order = lock_order(order)
    change = _apply(
        order=order,
        transition=Order.deliver_by_email,
        action="delivered by e-mail",
        actor=actor,
        message=message,
    )
    _ship_stock(order=order)
    order.delivered_at = timezone.now()
    _save_and_announce(
        order=order, change=change, fields=["status", "stock_state", "delivered_at", "updated_at"]
    )
    return order


@transaction.atomic
def cancel_order(*, order: Order, actor: User | None = None, reason: str = "") -> Order:
    order = lock_order(order)
    change = _apply(order=order, transition=Order.cancel, action="cancelled", actor=actor, message=reason)
    _release_stock(order=order, actor=actor, reason=reason or "Order cancelled")
    _restock_returned_goods(order=order, actor=actor, reason=reason or "refused on delivery")
    order.reserved_until = None
    _save_and_announce(
        order=order, change=change, fields=["status", "stock_state", "reserved_until", "updated_at"]
    )
    queue_after_commit(
        "emporium.orders.tasks.send_cancellation_notification_task",
        order_id=order.pk,
        catch_up="send_unsent_cancellation_notifications sends it",
    )
    return order


CANCELLATION_NOTIFICATION_EVENT_MESSAGE = "Cancellation notification"


def send_unsent_cancellation_notifications(*, now: datetime | None = None) -> int:
    """Send the cancellation notifications whose task never ran (the broker was down); returns
    how many were sent. Every cancellation is told (cancel_order queues each), once."""
    unsent = list_orders_awaiting_email(
        to_status=OrderStatus.CANCELLED, event_message=CANCELLATION_NOTIFICATION_EVENT_MESSAGE, now=now
    )
    return sum(send_cancellation_notification(order=order) for order in unsent)


def send_cancellation_notification(*, order: Order) -> bool:
    """Tell the customer (or guest) the order is cancelled: what will not be sent, any money
    already given back, and the link to the order. An order is cancelled once, so it is one
    e-mail, sent once however often its task runs (``send_order_email_once``)."""
    return send_order_email_once(
        order=order,
        event_message=CANCELLATION_NOTIFICATION_EVENT_MESSAGE,
        subject=f"{settings.SITE_NAME}: order {order.number} is cancelled",
        template="orders/email/order_cancelled",
    )


def check_order_can_be_paid(*, order: Order) -> None:
    if not can_proceed(order.pay):
        raise TransitionNotAllowed(
            number=order.number, current=order.get_status_display(), action="marked paid"
        )


def check_order_can_be_refunded(*, order: Order) -> None:
    """Ask before money moves: a refund the state machine refuses must not reach a provider."""
    if not can_proceed(order.refund):
        raise TransitionNotAllowed(number=order.number, current=order.get_status_display(), action="refunded")


def check_order_can_be_cancelled(*, order: Order) -> None:
    if not can_proceed(order.cancel):
        raise TransitionNotAllowed(
            number=order.number, current=order.get_status_display(), action="cancelled"
        )


@transaction.atomic
def refund_order(
    *,
    order: Order,
    partial: bool = False,
    amount: Money | None = None,
    actor: User | None = None,
    note: str = "",
) -> Order:
    """Record money given back on the order: its status and its refunded amount.

    emporium.payments.services moves the money and calls this with the ``amount`` given back;
    staff may also record a refund of an order paid outside the shop. ``amount`` None means all
    that is left; a partial refund must say how much (:class:`RefundAmountRequired`), and no
    refund may take the total refunded past the order's total (:class:`RefundExceedsOrderTotal`).
    The order reads refunded once its refunds add up to its total (:func:`refunds_in_full`);
    then any goods not yet shipped go back (the voucher use too, by the refund workflow).
    """
    order = lock_order(order)
    check_order_can_be_refunded(order=order)
    if partial and amount is None:
        raise RefundAmountRequired()
    if amount is not None and str(amount.currency) != order.currency:
        raise RefundExceedsOrderTotal(f"Order {order.number} is in {order.currency}.")
    left = order.total_amount - order.refunded_amount
    value = left if amount is None else amount.amount
    if value <= 0 or value > left:
        raise RefundExceedsOrderTotal(
            f"At most {format_money(order.refundable)} of order {order.number} can be refunded.",
            refundable=str(left),
        )
    in_full = refunds_in_full(order=order, amount=amount)
    note = f"{format_money(Money(value, order.currency))} refunded" + (f": {note}" if note else "")
    transition = Order.refund if in_full else Order.refund_partially
    change = _apply(order=order, transition=transition, action="refunded", actor=actor, message=note[:255])
    order.refunded_amount += value
    if in_full:
        _release_stock(order=order, actor=actor, reason="Refunded before shipping")
    _save_and_announce(
        order=order, change=change, fields=["status", "stock_state", "refunded_amount", "updated_at"]
    )
    queue_after_commit(
        "emporium.orders.tasks.send_refund_notification_task",
        order_id=order.pk,
        refund_event_id=change.event.pk,
        amount=str(value),
        catch_up="no e-mail tells the customer (the order's history shows none was sent)",
    )
    return order


def refunds_in_full(*, order: Order, amount: Money | None) -> bool:
    """Whether refunding ``amount`` (None: all that is left) leaves nothing of the order's
    total unrefunded: :func:`refund_order` then reads it refunded. Ask under the order's lock."""
    return amount is None or amount.amount >= order.total_amount - order.refunded_amount


def send_refund_notification(*, order: Order, refund_event_id: int, amount: Decimal) -> bool:
    """Tell the customer (or guest) how much was given back, the order as it now stands, and
    the link to it. A refund in part is one e-mail per refund: each is recorded under the
    event of its own status change, so a second run of the same task sends nothing."""
    in_full = order.status == OrderStatus.REFUNDED and order.refunded_amount >= order.total_amount
    return send_order_email_once(
        order=order,
        event_message=f"Refund notification (event {refund_event_id})",
        subject=f"{settings.SITE_NAME}: {format_money(Money(amount, order.currency))} refunded "
        f"on order {order.number}",
        template="orders/email/order_refunded",
        extra_context={"amount": Money(amount, order.currency), "in_full": in_full},
    )


@transaction.atomic
def record_refund_on_order(
    *, order: Order, amount: Money, actor: User | None = None, note: str = ""
) -> Order:
    """Money went back for an order whose status stays: a cancelled order refunded on the way
    out, or a refund the provider made after the order was already refunded. It is history,
    not a request, so it is recorded as it happened, never refused."""
    order = lock_order(order)
    order.refunded_amount += amount.amount
    order.save(update_fields=["refunded_amount", "updated_at"])
    message = f"{format_money(amount)} refunded" + (f": {note}" if note else "")
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message[:255])
    return order


@transaction.atomic
def take_back_failed_refund(*, order: Order, amount: Money, note: str = "") -> Order:
    """A refund the provider had accepted failed after all (a closed card): the money is with
    us again, so it no longer counts as refunded. The status is left for staff to judge (the
    payment is flagged): the state machine has no way back from "refunded", on purpose."""
    order = lock_order(order)
    order.refunded_amount = max(order.refunded_amount - amount.amount, Decimal(0))
    order.save(update_fields=["refunded_amount", "updated_at"])
    message = f"{format_money(amount)} no longer refunded" + (f": {note}" if note else "")
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, message=message[:255])
    return order


def refresh_units_sold(*, product_ids: Iterable[int] | None = None) -> int:
    """Recount units sold per product from order lines of orders that were not cancelled,
    and store them on the products (``catalog.services.store_units_sold``).

    One grouped SUM over the lines. A correlated subquery per product is the obvious UPDATE,
    but on millions of order lines it runs twenty times slower than grouping once. Returns the
    number of products updated.
    """
    ids = None if product_ids is None else list(product_ids)
    lines = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED).filter(variant__isnull=False)
    if ids is not None:
        lines = lines.filter(variant__product_id__in=ids)
    sold = dict(
        lines.order_by()
        .values_list("variant__product_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant__product_id", "units")
    )
    return store_units_sold(units_sold=sold, product_ids=ids)


def _expired_orders(now: datetime) -> QuerySet[Order]:
    return Order.objects.filter(
        status=OrderStatus.UNPAID, stock_state=StockState.RESERVED, reserved_until__lte=now
    )


def list_expired_order_ids(*, now: datetime) -> list[int]:
    """Unpaid orders whose reservation ran out by ``now``: the expiry sweep cancels them
    (``emporium.payments.services.workflows.release_expired_orders``)."""
    return list(_expired_orders(now).values_list("pk", flat=True))


def lock_order_if_expired(*, order_id: int, now: datetime) -> Order | None:
    """Lock the order and ask again whether it is expired, in the caller's transaction.

    The sweep lists the orders first, and meanwhile a second worker may have cancelled one,
    or its customer paid it, chose cash on delivery or a bank transfer (which hold the stock
    longer): judged as it is once locked, such an order is None and stays as it is.
    """
    return _expired_orders(now).select_for_update().filter(pk=order_id).first()
