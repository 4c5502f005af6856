"""Every change to a return: asked for by the customer, approved or refused, received, refunded.

Each step locks the order row, then the return (always in that order, as the order's own
services do), moves the return along its state machine (:class:`Return`), records an
:class:`OrderEvent` on the order and, once committed, e-mails the customer. Quantities are
checked against what was bought minus what earlier returns took, under the order's lock, so two
requests at once cannot both take the last unit back. Goods go back to stock through the
catalog (``refresh_stock_state_after_commit``, which announces ``stock_returned``); money goes
back through the payments refund path (``refund_order_payment``), never a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed

from emporium.accounts.models import User
from emporium.catalog.models import Variant
from emporium.catalog.services import refresh_stock_state_after_commit
from emporium.core.exceptions import DomainError
from emporium.core.money import Money, format_money
from emporium.core.queueing import queue_after_commit
from emporium.orders.emails import send_order_email_once
from emporium.orders.models import Order, OrderEvent, OrderEventType, StockState
from emporium.payments.services import refund_order_payment
from emporium.returns.exceptions import (
    EmptyReturn,
    ReturnNotAllowed,
    ReturnQuantityExceeded,
    ReturnTransitionNotAllowed,
)
from emporium.returns.models import Return, ReturnLine, ReturnReason, ReturnStatus
from emporium.returns.selectors import (
    RETURNABLE_ORDER_STATUSES,
    calculate_return_refund,
    get_return_deadline,
    get_return_event_data,
    get_returnable_quantities,
)
from emporium.webhooks.services import emit


@dataclass(frozen=True)
class ReturnItem:
    """One line the customer sends back: how many units, and why."""

    order_line_id: int
    quantity: int
    reason: str


def check_order_can_be_returned(*, order: Order, now: datetime | None = None) -> None:
    """Shipped or delivered, paid for, and within RETURN_WINDOW_DAYS of delivery (or shipping)."""
    if order.status not in RETURNABLE_ORDER_STATUSES or order.awaits_cash_on_delivery:
        raise ReturnNotAllowed(
            f"Order {order.number} is {order.get_status_display().lower()}: it cannot be returned."
        )
    deadline = get_return_deadline(order=order)
    if deadline is None:
        raise ReturnNotAllowed(f"Order {order.number} has not been shipped yet.")
    if (now or timezone.now()) > deadline:
        raise ReturnNotAllowed(
            f"Order {order.number} could be returned until {deadline:%d %B %Y} "
            f"({settings.RETURN_WINDOW_DAYS} days after delivery).",
            deadline=deadline.isoformat(),
        )


def _merge(items: Iterable[ReturnItem]) -> dict[int, ReturnItem]:
    """Units asked per order line (zero means "not this one"); a line named twice adds up."""
    merged: dict[int, ReturnItem] = {}
    for item in items:
        if item.quantity < 0:
            raise ReturnQuantityExceeded("A quantity cannot be negative.", order_line_id=item.order_line_id)
        if item.quantity == 0:
            continue
        if item.reason not in ReturnReason.values:
            raise EmptyReturn(
                f"Choose a reason for line {item.order_line_id}.", order_line_id=item.order_line_id
            )
        before = merged.get(item.order_line_id)
        quantity = item.quantity + (before.quantity if before else 0)
        merged[item.order_line_id] = ReturnItem(item.order_line_id, quantity, (before or item).reason)
    if not merged:
        raise EmptyReturn()
    return merged


def _record(*, order: Order, actor: User | None, message: str) -> None:
    OrderEvent.objects.create(order=order, type=OrderEventType.NOTE, actor=actor, message=message[:255])


def _announce(return_request: Return) -> None:
    """The return.* webhook of its new status, in the transaction of the change (the outbox:
    emporium.webhooks); its payload is read only when an endpoint listens."""
    emit(
        event_type=f"return.{return_request.status}",
        payload=lambda: get_return_event_data(return_request=return_request),
    )


def _email_after_commit(return_request: Return) -> None:
    queue_after_commit(
        "emporium.returns.tasks.send_return_email_task",
        return_id=return_request.pk,
        status=str(return_request.status),
        catch_up="no e-mail tells the customer (the return's status is on their account page)",
    )


def request_return(
    *, order: Order, items: Iterable[ReturnItem], actor: User | None = None, now: datetime | None = None
) -> Return:
    """A customer (or a guest with the order's link: the caller checked it) asks to send
    ``items`` back. Refused past the window, or for more than is left to return of a line."""
    wanted = _merge(items)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        check_order_can_be_returned(order=order, now=now)
        returnable = get_returnable_quantities(order=order)
        for line_id, item in wanted.items():
            left = returnable.get(line_id)
            if left is None:
                known = order.lines.filter(pk=line_id, quantity__gt=0).exists()
                raise ReturnQuantityExceeded(
                    f"Line {line_id} is a gift card: it is not sent back; ask for a refund instead."
                    if known
                    else f"Line {line_id} is not part of order {order.number}.",
                    order_line_id=line_id,
                )
            if item.quantity > left:
                raise ReturnQuantityExceeded(
                    f"At most {left} of line {line_id} can still be returned.",
                    order_line_id=line_id,
                    returnable=left,
                )
        return_request = Return.objects.create(order=order, customer=order.customer, currency=order.currency)
        ReturnLine.objects.bulk_create(
            ReturnLine(
                return_request=return_request,
                order_line_id=line_id,
                quantity=item.quantity,
                reason=item.reason,
            )
            for line_id, item in sorted(wanted.items())
        )
        units = sum(item.quantity for item in wanted.values())
        _record(order=order, actor=actor, message=f"Return {return_request.pk} requested: {units} item(s)")
        _announce(return_request)
        _email_after_commit(return_request)
    return return_request


def _move(
    *,
    return_request: Return,
    transition: Callable[[Return], None],
    action: str,
    actor: User | None,
    change: Callable[[Order, Return], str],
) -> Return:
    """Lock the order then the return, make the transition, let ``change`` do the step's work
    (it returns the event's message), save, record and e-mail."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=return_request.order_id)
        locked = Return.objects.select_for_update().get(pk=return_request.pk)
        locked.order = order
        try:
            transition(locked)
        except FSMTransitionNotAllowed as error:
            raise ReturnTransitionNotAllowed(
                f"Return {locked.pk} is {locked.get_status_display().lower()}: it cannot be {action}.",
                current=locked.status,
            ) from error
        message = change(order, locked)
        locked.save()
        _record(order=order, actor=actor, message=message)
        _announce(locked)
        _email_after_commit(locked)
    return locked


def approve_return(*, return_request: Return, actor: User | None = None) -> Return:
    return _move(
        return_request=return_request,
        transition=Return.approve,
        action="approved",
        actor=actor,
        change=lambda order, r: f"Return {r.pk} approved",
    )


def refuse_return(*, return_request: Return, note: str, actor: User | None = None) -> Return:
    """Refused, with the reason the customer will read; its units may be asked back again."""
    if not note.strip():
        raise DomainError("Say why the return is refused: the customer reads it.")

    def change(order: Order, locked: Return) -> str:
        locked.staff_note = note.strip()[:255]
        return f"Return {locked.pk} refused: {locked.staff_note}"

    return _move(
        return_request=return_request, transition=Return.refuse, action="refused", actor=actor, change=change
    )


def receive_return(
    *, return_request: Return, resaleable: Mapping[int, bool], actor: User | None = None
) -> Return:
    """The parcel is in. ``resaleable`` says, per return line id, whether its units can be sold
    again (unnamed lines are not): only those go back on the shelf, and shoppers waiting for
    them hear of it (``stock_returned``) after the commit."""

    def change(order: Order, locked: Return) -> str:
        locked.received_at = timezone.now()
        lines = list(locked.lines.select_related("order_line").order_by("pk"))
        back: dict[int, int] = {}
        for line in lines:
            line.resaleable = bool(resaleable.get(line.pk, False))
            variant_id = line.order_line.variant_id
            if line.resaleable and variant_id is not None:
                back[variant_id] = back.get(variant_id, 0) + line.quantity
        ReturnLine.objects.bulk_update(lines, ["resaleable"])
        # Only goods this shop took off its stock when they shipped go back on it (an imported
        # order never moved stock here).
        if back and order.stock_state == StockState.SHIPPED:
            _restock(back)
        restocked = sum(back.values()) if order.stock_state == StockState.SHIPPED else 0
        return f"Return {locked.pk} received: {restocked} item(s) back in stock"

    return _move(
        return_request=return_request,
        transition=Return.receive,
        action="received",
        actor=actor,
        change=change,
    )


def _restock(quantities: dict[int, int]) -> None:
    """Variants locked in pk order, as every stock writer does, so that none deadlock."""
    for variant in Variant.objects.select_for_update().filter(pk__in=quantities).order_by("pk"):
        Variant.objects.filter(pk=variant.pk).update(
            stock_on_hand=F("stock_on_hand") + quantities[variant.pk]
        )
    refresh_stock_state_after_commit(variant_ids=quantities, stock_returned=True)


def refund_return(
    *, return_request: Return, refund_shipping: bool = False, actor: User | None = None
) -> Return:
    """Give back what the returned units cost (and shipping, once per order, if staff choose).

    The return is marked refunded first, under the locks, so a second click finds it refunded
    and refunds nothing. The money then goes through the payments refund path, outside that
    transaction (it may call the provider): the order's status and ``order.refunded`` webhook
    follow from there. If the refund is refused, the return goes back to received for another try.
    """

    def change(order: Order, locked: Return) -> str:
        amount = calculate_return_refund(return_request=locked, refund_shipping=refund_shipping)
        locked.refund_shipping = refund_shipping
        locked.refunded_amount = amount.amount
        locked.refunded_at = timezone.now()
        shipping = " with shipping" if refund_shipping else ""
        return f"Return {locked.pk} refunded{shipping}: {format_money(amount)}"

    refunded = _move(
        return_request=return_request, transition=Return.refund, action="refunded", actor=actor, change=change
    )
    if refunded.refunded_amount <= 0:
        return refunded
    try:
        refund_order_payment(
            order=refunded.order,
            amount=Money(refunded.refunded_amount, refunded.currency),
            partial=True,
            actor=actor,
            reason=f"Return {refunded.pk}",
        )
    except DomainError as error:
        _reopen(return_request=refunded, actor=actor, why=str(error))
        raise
    return refunded


def _reopen(*, return_request: Return, actor: User | None, why: str) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=return_request.order_id)
        locked = Return.objects.select_for_update().get(pk=return_request.pk)
        locked.reopen_refund()
        locked.refunded_amount = 0
        locked.refund_shipping = False
        locked.refunded_at = None
        locked.save()
        _record(order=order, actor=actor, message=f"Return {locked.pk} not refunded: {why}")
        _announce(locked)  # received again: receivers that heard "refunded" hear it was not


EMAIL_SUBJECTS = {
    ReturnStatus.REQUESTED: "we have your return request",
    ReturnStatus.APPROVED: "your return is approved",
    ReturnStatus.REFUSED: "your return request",
    ReturnStatus.RECEIVED: "we have received your return",
    ReturnStatus.REFUNDED: "your return is refunded",
}


def send_return_email(*, return_request: Return, status: str) -> bool:
    """One e-mail per step of each return, sent once however often its task runs."""
    order = return_request.order
    lines = list(return_request.lines.select_related("order_line").order_by("pk"))
    return send_order_email_once(
        order=order,
        event_message=f"Return {return_request.pk} {status} e-mail",
        subject=f"{settings.SITE_NAME}: {EMAIL_SUBJECTS[ReturnStatus(status)]} (order {order.number})",
        template="returns/email/return_update",
        extra_context={
            "return_request": return_request,
            "status": ReturnStatus(status),
            "lines": lines,
            "refunded": Money(return_request.refunded_amount, return_request.currency),
        },
    )
