"""Reading returns: what an order may still send back, what a return refunds, whose returns."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from emporium.accounts.models import User
from emporium.core.money import Money, quantize
from emporium.giftcards.models import GiftCardProduct
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderLine, OrderStatus
from emporium.returns.models import Return, ReturnLine, ReturnStatus

# Statuses in which the goods have left the warehouse and were paid for: something to send back.
RETURNABLE_ORDER_STATUSES = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.PARTIALLY_REFUNDED)


def get_return_window_start(*, order: Order) -> datetime | None:
    """When the goods reached the customer, or failing a recorded delivery, when they left."""
    if order.delivered_at is not None:
        return order.delivered_at
    return (
        OrderEvent.objects.filter(
            order=order, type=OrderEventType.STATUS_CHANGED, to_status=OrderStatus.SHIPPED
        )
        .order_by("created_at", "pk")
        .values_list("created_at", flat=True)
        .first()
    )


def get_return_deadline(*, order: Order) -> datetime | None:
    start = get_return_window_start(order=order)
    return None if start is None else start + timedelta(days=settings.RETURN_WINDOW_DAYS)


def get_returned_quantities(*, order: Order) -> dict[int, int]:
    """Units of each order line already asked back by returns that were not refused."""
    rows = (
        ReturnLine.objects.filter(order_line__order=order)
        .exclude(return_request__status=ReturnStatus.REFUSED)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["order_line_id"]: row["total"] for row in rows}


def get_returnable_quantities(*, order: Order) -> dict[int, int]:
    """For each line bought (positive quantity), how many units may still be returned.

    Gift cards are not sent back: they were e-mailed as codes, and staff refund their order
    instead, which switches them off (emporium.giftcards). A line whose variant is gone is
    still goods."""
    returned = get_returned_quantities(order=order)
    lines = order.lines.filter(quantity__gt=0).exclude(
        variant_id__in=GiftCardProduct.objects.values("variant_id")
    )
    return {
        line_id: quantity - returned.get(line_id, 0)
        for line_id, quantity in lines.values_list("pk", "quantity")
    }


def has_anything_to_return(*, order: Order) -> bool:
    """Whether the order page offers "Return items": goods left the warehouse, and some unit is
    still to be sent back (an order of gift cards alone, or one returned in full, has none)."""
    if order.status not in RETURNABLE_ORDER_STATUSES:
        return False  # no query
    return any(left > 0 for left in get_returnable_quantities(order=order).values())


def calculate_return_refund(*, return_request: Return, refund_shipping: bool) -> Money:
    """What the customer paid for the returned units, plus shipping if staff choose it.

    Order lines keep their undiscounted unit price. What promotions took off a line (three for
    two, a sale) stays with that line: each of its units is refunded at the line's price after
    them, ``(total - discount) / quantity``. What came off the goods as a whole (a voucher, a
    spend-over-a-threshold promotion) is shared across them in proportion to those prices.
    Shipping is refunded once per order (a later return that asks again adds nothing). Never
    more than is left of the order's total.
    """
    order = return_request.order
    goods = sum(
        (
            (line.order_line.total_amount - line.order_line.discount_amount)
            / line.order_line.quantity
            * line.quantity
            for line in return_request.lines.all()
            if line.order_line.quantity
        ),
        Decimal(0),
    )
    order_wide = sum(
        (Decimal(p["amount"]) for p in order.applied_promotions or [] if p.get("scope") == "order"),
        Decimal(0),
    )
    on_lines = order.promotion_discount_amount - order_wide  # what the lines' own promotions took
    net_goods = order.subtotal_amount - on_lines
    if net_goods > 0:
        goods = goods * (net_goods - (order.discount_amount - on_lines)) / net_goods
    amount = quantize(goods, order.currency)
    if refund_shipping and not has_shipping_been_refunded(order=order, excluding=return_request):
        amount += order.shipping_amount
    left = order.total_amount - order.refunded_amount
    return Money(max(min(amount, left), Decimal(0)), order.currency)


def has_shipping_been_refunded(*, order: Order, excluding: Return | None = None) -> bool:
    others = Return.objects.filter(order=order, refund_shipping=True, status=ReturnStatus.REFUNDED)
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    return others.exists()


def _with_lines(returns: QuerySet[Return]) -> QuerySet[Return]:
    lines = Prefetch("lines", ReturnLine.objects.select_related("order_line").order_by("pk"))
    return returns.select_related("order").prefetch_related(lines)


def list_customer_returns(*, customer: User) -> QuerySet[Return]:
    """A customer's returns, newest first, with their lines: three queries however many."""
    return _with_lines(Return.objects.filter(customer=customer)).order_by("-created_at", "-pk")


def get_customer_return(*, customer: User, return_id: int) -> Return:
    """One of this customer's returns; Http404 for anyone else's, as if it did not exist."""
    found = list_customer_returns(customer=customer).filter(pk=return_id).first()
    if found is None:
        raise Http404("No such return.")
    return found


def list_order_returns(*, order: Order) -> QuerySet[Return]:
    return _with_lines(Return.objects.filter(order=order)).order_by("-created_at", "-pk")


def list_returns_for_staff(*, status: str | None = None) -> QuerySet[Return]:
    returns = Return.objects.all() if not status else Return.objects.filter(status=status)
    return _with_lines(returns).order_by("-created_at", "-pk")


def get_return_for_staff(*, return_id: int) -> Return:
    found = _with_lines(Return.objects.filter(pk=return_id)).first()
    if found is None:
        raise Http404("No such return.")
    return found


def list_returnable_lines(*, order: Order) -> list[tuple[OrderLine, int]]:
    """The order's lines with the units each may still send back (those with none left omitted)."""
    returnable = get_returnable_quantities(order=order)
    lines = OrderLine.objects.filter(pk__in=[pk for pk, left in returnable.items() if left > 0]).order_by(
        "pk"
    )
    return [(line, returnable[line.pk]) for line in lines]


def get_return_event_data(*, return_request: Return) -> dict[str, Any]:
    """A return as a return.* webhook tells it: its status and what is sent back, by order line
    (as the order.* events name them: ``sku`` and ``variant_id``), and nothing about the
    customer, as every webhook (emporium.webhooks.selectors). One query, for the lines."""
    currency = return_request.currency
    lines = return_request.lines.select_related("order_line").order_by("pk")
    return {
        "id": return_request.pk,
        "order_number": return_request.order.number,
        "status": return_request.status,
        "requested_at": return_request.created_at.isoformat(),
        "received_at": return_request.received_at.isoformat() if return_request.received_at else None,
        "refunded_at": return_request.refunded_at.isoformat() if return_request.refunded_at else None,
        "refunded": {
            "amount": str(quantize(Decimal(return_request.refunded_amount), currency)),
            "currency": currency,
        },
        "refund_shipping": return_request.refund_shipping,
        "note": return_request.staff_note,
        "lines": [
            {
                "order_line_id": line.order_line_id,
                "sku": line.order_line.sku,
                "variant_id": line.order_line.variant_id,
                "quantity": line.quantity,
                "reason": line.reason,
                "resaleable": line.resaleable,
            }
            for line in lines
        ],
    }
