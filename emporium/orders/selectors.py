"""Who may look at an order: the one rule shared by the order-status, payment and invoice pages.

A customer sees their own orders. A guest has no account, so the browser session that placed
an order remembers its number (:func:`emporium.orders.services.remember_order_in_session`) and
may see that order, and only that, until the session ends. An API guest has no session: placing
the order hands it a signed order token (:func:`emporium.orders.services.make_guest_order_token`)
that opens that guest order, and only that, for GUEST_ORDER_TOKEN_DAYS. Anybody else gets a 404,
the same answer as for a number that does not exist, so order numbers cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from emporium.accounts.models import User
from emporium.core.money import Money, format_money
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderLine

PLACED_ORDERS_SESSION_KEY = "placed_orders"
# Only order tokens verify with this salt: no other signed value of the shop can pass for one.
GUEST_ORDER_TOKEN_SALT = "emporium.orders.guest-order-token"


def list_order_numbers_placed_in_session(*, session: SessionBase) -> list[str]:
    numbers = session.get(PLACED_ORDERS_SESSION_KEY, [])
    return [number for number in numbers if isinstance(number, str)] if isinstance(numbers, list) else []


def get_order_number_of_token(*, order_token: str | None) -> str | None:
    """The order number a guest order token was made for; None if forged, altered or expired."""
    if not order_token:
        return None
    try:
        number = signing.loads(
            order_token,
            salt=GUEST_ORDER_TOKEN_SALT,
            max_age=timedelta(days=settings.GUEST_ORDER_TOKEN_DAYS),
        )
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return number if isinstance(number, str) else None


def may_view_order(
    *, order: Order, customer: User | None, session: SessionBase | None, order_token: str | None = None
) -> bool:
    if customer is not None and order.customer_id == customer.pk:
        return True
    if session is not None and order.number in list_order_numbers_placed_in_session(session=session):
        return True
    # A token only ever opens a guest order: a customer's orders need the customer's login.
    return order.customer_id is None and get_order_number_of_token(order_token=order_token) == order.number


def get_order_for_visitor(
    *, number: str, customer: User | None, session: SessionBase | None, order_token: str | None = None
) -> Order:
    """The order with this number if this visitor may see it; Http404 otherwise."""
    lines = Prefetch("lines", OrderLine.objects.order_by("pk"))
    order = (
        Order.objects.select_related("gift_card_payment")
        .prefetch_related(lines)
        .filter(number=number)
        .first()
    )
    if order is None or not may_view_order(
        order=order, customer=customer, session=session, order_token=order_token
    ):
        raise Http404("No such order.")
    return order


@dataclass(frozen=True)
class OrderLookup:
    """What looking an order up by number and e-mail found. ``order`` is a guest order the
    visitor may now open; a customer's order opens only in their account (as for tokens), so
    for one of those ``sign_in_required`` is set instead."""

    order: Order | None = None
    sign_in_required: bool = False


def look_up_order(*, number: str, email: str) -> OrderLookup:
    """The order a visitor names by its number and the e-mail it was placed with.

    One query and one comparison whether the number exists or not (a stand-in address is
    compared when it does not), and nothing found is the same answer for a wrong number and a
    wrong address: neither the answer nor its timing tells which order numbers exist. The
    caller rate-limits, so addresses cannot be guessed either."""
    # No prefetch of the lines: a second query only when the number exists would time it.
    order = Order.objects.filter(number=number.strip().upper()).first()
    placed_with = order.email if order is not None and order.email else "\x00no-order"
    matches = constant_time_compare(placed_with.casefold(), email.strip().casefold())
    if order is None or not matches:
        return OrderLookup()
    if order.customer_id is not None:
        return OrderLookup(sign_in_required=True)
    return OrderLookup(order=order)


ADDRESS_LINES = ("full_name", "company", "line1", "line2", "city", "region", "postcode", "country")


def list_address_lines(*, address: dict[str, str] | None) -> list[str]:
    """An order's address as printed: its filled-in lines, without the phone number."""
    return [str(address[key]) for key in ADDRESS_LINES if address and address.get(key)]


# --- What an order adds up to: one list of rows for every page, e-mail and invoice ------------


@dataclass(frozen=True)
class TotalRow:
    """One line under an order's items. ``kind`` names it for templates (the total is bold)."""

    kind: str
    label: str
    amount: Money
    is_deducted: bool = False

    @property
    def formatted_amount(self) -> str:
        """The amount as the shop writes money ("£1.79"), with a minus sign if it comes off."""
        text = format_money(self.amount)
        return f"\N{MINUS SIGN}{text}" if self.is_deducted else text


def list_order_totals(*, order: Order) -> list[TotalRow]:
    """The rows under an order's lines, the same on the order pages, e-mails and invoice.

    Subtotal, each promotion's discount (the lines say which items each discounted), the
    voucher's discount (with its code), shipping (with its method, and the promotion that made
    it free), total, and the VAT
    the total includes, then what has been refunded. An order with no VAT says nothing about
    VAT (never "Includes VAT £0.00"). Imported orders carry only a total: no subtotal or
    shipping row is made up for them, so what is shown always adds up.
    """
    currency = order.currency
    rows: list[TotalRow] = []
    if order.subtotal_amount or order.shipping_method_name:
        rows.append(TotalRow("subtotal", "Subtotal", order.subtotal))
        promotions = order.applied_promotion_list
        for promotion in promotions:
            if promotion.get("scope") in ("items", "order") and Decimal(promotion.get("amount", 0)):
                amount = Money(Decimal(promotion["amount"]), currency)
                rows.append(TotalRow("promotion", str(promotion.get("name", "")), amount, is_deducted=True))
        if order.discount_amount - order.promotion_discount_amount:
            voucher = f" ({order.voucher_code})" if order.voucher_code else ""
            rows.append(TotalRow("discount", f"Discount{voucher}", order.voucher_discount, is_deducted=True))
        free = next((str(p.get("name", "")) for p in promotions if p.get("scope") == "shipping"), "")
        details = [part for part in (order.shipping_method_name, f"free: {free}" if free else "") if part]
        method = f" ({'; '.join(details)})" if details else ""
        rows.append(TotalRow("shipping", f"Shipping{method}", order.shipping))
    rows.append(TotalRow("total", "Total", order.total))
    if order.tax_amount:
        rate = f" at {(order.tax_rate * 100).normalize():f}%" if order.tax_rate else ""
        rows.append(TotalRow("tax", f"Includes VAT{rate}", order.tax))
    if order.gift_card_amount:
        # A gift card paid part of the total: it is shown as paid, not as a discount (the
        # total and its VAT stay as they are), then what the other payment took or takes.
        card = f" ({order.masked_gift_card})" if order.gift_card_last_four else ""
        rows.append(TotalRow("gift_card", f"Gift card{card}", order.gift_card, is_deducted=True))
        label = "Paid by other means" if order.is_paid else "To pay"
        rows.append(TotalRow("amount_due", label, order.amount_due))
    if order.refunded_amount:
        rows.append(TotalRow("refunded", "Refunded", Money(order.refunded_amount, currency)))
    return rows


# --- A customer's own orders: their order history (account pages and API) -------------------


def list_orders_for_customer(*, customer: User) -> QuerySet[Order]:
    """The customer's orders newest first, each with its ``line_count``."""
    return (
        Order.objects.filter(customer=customer)
        .annotate(line_count=Count("lines"))
        .order_by("-placed_at", "-pk")
    )


def get_order_for_customer(*, customer: User, number: str) -> Order:
    """One of the customer's orders with its lines. Raises Http404 for anybody else's, as for
    a number that does not exist."""
    lines = Prefetch("lines", OrderLine.objects.order_by("pk"))
    return get_object_or_404(
        Order.objects.select_related("gift_card_payment").prefetch_related(lines),
        number=number,
        customer=customer,
    )


# --- Staff: every customer's orders (the staff API; the permission is checked by the caller) --


def list_orders_for_staff(
    *,
    status: str | None = None,
    placed_after: datetime | None = None,
    placed_before: datetime | None = None,
    customer_id: int | None = None,
    email: str | None = None,
) -> QuerySet[Order]:
    """Orders newest first; each filter narrows, and status and placed_at are indexed."""
    orders = Order.objects.all()
    if status:
        orders = orders.filter(status=status)
    if placed_after is not None:
        orders = orders.filter(placed_at__gte=placed_after)
    if placed_before is not None:
        orders = orders.filter(placed_at__lt=placed_before)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if email:
        orders = orders.filter(email__iexact=email)
    return orders.order_by("-placed_at", "-pk")


def get_order_for_staff(*, number: str) -> Order:
    """Any order by its number, with its lines and history. Raises Http404."""
    return get_object_or_404(
        Order.objects.prefetch_related(
            Prefetch("lines", OrderLine.objects.order_by("pk")),
            Prefetch("events", OrderEvent.objects.order_by("created_at", "pk")),
        ),
        number=number,
    )


def list_orders_moved_without_email(
    *, to_status: str, event_message: str, moved_from: datetime, moved_until: datetime
) -> QuerySet[Order]:
    """Orders whose status moved to ``to_status`` between ``moved_from`` and ``moved_until``
    and that have no e-mail recorded as ``event_message`` sent (emporium.orders.emails); oldest
    first. One query, from the status events' (type, created_at) index."""
    moved = OrderEvent.objects.filter(
        type=OrderEventType.STATUS_CHANGED,
        to_status=to_status,
        created_at__gte=moved_from,
        created_at__lte=moved_until,
    ).values("order_id")
    sent = OrderEvent.objects.filter(
        order=OuterRef("pk"), type=OrderEventType.EMAIL_SENT, message=event_message
    )
    return Order.objects.filter(pk__in=moved).exclude(Exists(sent)).order_by("pk")


# E-mails whose task could not be queued (the broker was down) are sent by the sweeps from the
# database: after the grace, when their own task may still be in the queue, and within the
# window, after which the news would come too late to be of use.
UNSENT_EMAIL_GRACE = timedelta(minutes=5)
UNSENT_EMAIL_WINDOW = timedelta(days=2)


def list_orders_awaiting_email(
    *, to_status: str, event_message: str, now: datetime | None = None
) -> QuerySet[Order]:
    """The orders a sweep sends ``event_message`` to: moved to ``to_status`` after the window
    began and before the grace, and not sent it yet."""
    now = now or timezone.now()
    return list_orders_moved_without_email(
        to_status=to_status,
        event_message=event_message,
        moved_from=now - UNSENT_EMAIL_WINDOW,
        moved_until=now - UNSENT_EMAIL_GRACE,
    )
