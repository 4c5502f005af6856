"""Placing an order: what checkout asks of orders to write one, find it again, and confirm it.

Checkout decides what is sold and at what price (the cart, the voucher, shipping and VAT) and
hands the result here as plain data; orders writes its own rows: the :class:`Order`, its
:class:`OrderLine` rows and the "placed" :class:`OrderEvent`, in the caller's transaction. Checkout
never touches orders' models (the ``order-writes`` contract in pyproject.toml).

Every function here runs the same queries checkout ran when it wrote these rows itself:
placing an order costs nothing more for being asked of another app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from emporium.accounts.models import User
from emporium.core.prepared import Bind, PreparedQuery, remember_related
from emporium.orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderGiftCardPayment,
    OrderLine,
    OrderStatus,
    StockState,
)
from emporium.orders.numbers import generate_order_number
from emporium.orders.signals import order_placed

NOTHING_TO_PAY_MESSAGE = "Nothing to pay: the voucher covers the whole order"
PAID_BY_GIFT_CARD_MESSAGE = "Paid by gift card"


@dataclass(frozen=True)
class PricedLine:
    """One line of the order as checkout priced it: the name, SKU and prices frozen at sale."""

    variant_id: int
    product_name: str
    sku: str
    quantity: int
    unit_price_amount: Decimal
    total_amount: Decimal
    # What promotions took off the line, and their names (part of OrderAmounts.discount_amount).
    discount_amount: Decimal = Decimal(0)
    discount_label: str = ""


@dataclass(frozen=True)
class AppliedPromotion:
    """One promotion's part in the order, as checkout priced it (see Order.applied_promotions)."""

    promotion_id: int
    name: str
    scope: str  # "items", "order" or "shipping"
    amount: Decimal

    def as_json(self) -> dict[str, str | int]:
        return {"id": self.promotion_id, "name": self.name, "scope": self.scope, "amount": str(self.amount)}


@dataclass(frozen=True)
class OrderAmounts:
    """What the order adds up to, in ``currency``; ``tax_amount`` is the VAT the total includes."""

    currency: str
    subtotal_amount: Decimal
    shipping_amount: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    tax_rate: Decimal
    total_amount: Decimal
    # The part of the total a gift card pays (checkout takes it off the card in the same
    # transaction); the order's payment is for the rest.
    gift_card_amount: Decimal = Decimal(0)
    gift_card_last_four: str = ""
    # The part of discount_amount that automatic promotions took, and each one's part.
    promotion_discount_amount: Decimal = Decimal(0)
    promotions: tuple[AppliedPromotion, ...] = ()


def create_order(
    *,
    idempotency_key: UUID,
    customer: User | None,
    email: str,
    country: str,
    shipping_address: dict[str, str],
    billing_address: dict[str, str],
    shipping_method_name: str,
    voucher_code: str,
    amounts: OrderAmounts,
    lines: Sequence[PricedLine],
) -> Order:
    """Write a placed order, its lines and its "placed" event; three INSERTs, in the caller's
    transaction (the caller reserves the stock, and ``order_placed`` is announced with
    :func:`announce_order_placed` once the caller's own rows are written).

    The order holds its stock (``StockState.RESERVED``): an unpaid one for
    ORDER_RESERVATION_MINUTES, after which ``release_expired_orders`` gives it back. One with
    nothing to pay (a voucher covers it all, shipping too) is paid as it is placed, since no
    provider takes a payment of zero; it keeps its stock until it ships, as any paid order.
    The same holds when a gift card pays what is left (``amounts.gift_card_amount``).
    """
    now = timezone.now()
    nothing_to_pay = amounts.total_amount - amounts.gift_card_amount == 0
    order = Order.objects.create(
        number=generate_order_number(),
        idempotency_key=idempotency_key,
        customer=customer,
        email=email,
        status=OrderStatus.PAID if nothing_to_pay else OrderStatus.UNPAID,
        paid_at=now if nothing_to_pay else None,
        currency=amounts.currency,
        subtotal_amount=amounts.subtotal_amount,
        shipping_amount=amounts.shipping_amount,
        discount_amount=amounts.discount_amount,
        promotion_discount_amount=amounts.promotion_discount_amount,
        applied_promotions=[promotion.as_json() for promotion in amounts.promotions],
        tax_amount=amounts.tax_amount,
        tax_rate=amounts.tax_rate,
        total_amount=amounts.total_amount,
        placed_at=now,
        country=country,
        shipping_method_name=shipping_method_name,
        voucher_code=voucher_code,
        shipping_address=shipping_address,
        billing_address=billing_address,
        stock_state=StockState.RESERVED,
        reserved_until=None
        if nothing_to_pay
        else now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES),
    )
    if amounts.gift_card_amount > 0:  # a fourth INSERT, only for an order a gift card pays
        OrderGiftCardPayment.objects.create(
            order=order, amount=amounts.gift_card_amount, last_four=amounts.gift_card_last_four
        )
    else:  # known to have none: reading order.gift_card_payment_or_none costs no query
        Order.gift_card_payment.related.set_cached_value(order, None)
    lines_written = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant_id=line.variant_id,
            product_name=line.product_name,
            sku=line.sku,
            quantity=line.quantity,
            unit_price_amount=line.unit_price_amount,
            total_amount=line.total_amount,
            discount_amount=line.discount_amount,
            discount_label=line.discount_label[:255],
        )
        for line in lines
    )
    _remember_lines(order, lines_written)
    OrderEvent.objects.create(
        order=order,
        type=OrderEventType.PLACED,
        to_status=order.status,
        actor=customer,
        message=_placed_message(amounts) if nothing_to_pay else "",
    )
    return order


def _remember_lines(order: Order, lines: list[OrderLine]) -> None:
    """Give the order the lines just written, as ``prefetch_related("lines")`` would: the
    answer to the customer (the placed order and its lines) then reads nothing back.

    Only where the database returned their ids (not MariaDB's bulk insert): they are then the
    rows as read, in their order (``OrderLine.Meta.ordering`` is by id)."""
    if any(line.pk is None for line in lines):
        return
    remember_related(order, "lines", list(lines))


def _placed_message(amounts: OrderAmounts) -> str:
    return PAID_BY_GIFT_CARD_MESSAGE if amounts.gift_card_amount else NOTHING_TO_PAY_MESSAGE


def announce_order_placed(*, order: Order) -> None:
    """Send ``order_placed`` (emporium.orders.signals) for an order :func:`create_order` wrote.

    Its receivers (the webhooks outbox) write in the caller's transaction, so the caller sends
    it before taking the locks it wants to hold only briefly (the variants' stock)."""
    order_placed.send(sender=Order, order=order)


# Every checkout looks for the order of its key first: compiled once (emporium.core.prepared).
_ORDER_OF_KEY = PreparedQuery(
    lambda: Order.objects.filter(
        idempotency_key__range=(
            Bind("low", Order._meta.get_field("idempotency_key")),
            Bind("high", Order._meta.get_field("idempotency_key")),
        )
    )[:1]
)


def find_order_by_idempotency_key(*, low: UUID, high: UUID) -> Order | None:
    """The order whose idempotency key lies in ``low``..``high`` (one client key's range,
    emporium.checkout.idempotency), if any. One query on the key's unique index."""
    return _ORDER_OF_KEY.first(low=low, high=high)


def get_order(*, order_id: int) -> Order:
    """The order as it is now, by id (tasks are handed ids). Raises Order.DoesNotExist."""
    return Order.objects.get(pk=order_id)


def list_placed_orders_without_email(
    *, event_message: str, placed_from: datetime, placed_until: datetime
) -> QuerySet[Order]:
    """Orders placed through checkout (not imported: they have an idempotency key) between
    ``placed_from`` and ``placed_until``, with no e-mail recorded as ``event_message`` sent
    (emporium.orders.emails); oldest first. One query."""
    return (
        Order.objects.filter(
            idempotency_key__isnull=False,
            placed_at__lte=placed_until,
            placed_at__gte=placed_from,
        )
        .exclude(
            Exists(
                OrderEvent.objects.filter(
                    order=OuterRef("pk"), type=OrderEventType.EMAIL_SENT, message=event_message
                )
            )
        )
        .order_by("pk")
    )
