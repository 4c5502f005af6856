"""Turning a cart into an order.

place_order is one transaction. Locks are always taken in the same order (the cart, then the
variants by primary key, then the voucher), so two checkouts never deadlock, and a second
submit of the same form queues on the cart lock and then finds the first one's order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from emporium.accounts.models import User
from emporium.accounts.services.addresses import add_address_from_checkout
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart, CartLine
from emporium.catalog.models import Variant
from emporium.catalog.services import refresh_stock_state_after_commit
from emporium.checkout.calculations import Totals, calculate_discount, calculate_shipping, calculate_totals
from emporium.checkout.exceptions import EmptyCart, ShippingMethodNotAvailable, VoucherNotApplicable
from emporium.checkout.models import ShippingMethod, Voucher, VoucherUsage
from emporium.checkout.selectors import get_tax_rate
from emporium.orders.models import Order, OrderEvent, OrderEventType, OrderLine, OrderStatus, StockState
from emporium.orders.numbers import generate_order_number

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutDetails:
    """What the shopper told checkout; addresses are plain dicts with ADDRESS_FIELDS."""

    email: str
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    shipping_method: ShippingMethod
    voucher_code: str = ""
    # A customer may keep a shipping address typed at checkout in their address book.
    save_shipping_address: bool = False

    @property
    def country(self) -> str:
        return self.shipping_address["country"].upper()


def check_voucher(
    *, voucher: Voucher, subtotal: Decimal, currency: str, customer: User | None, email: str
) -> None:
    """Refuse a voucher that is out of date, used up, or below its minimum spend."""
    now = timezone.now()
    if voucher.currency != currency and voucher.kind == Voucher.Kind.FIXED:
        raise VoucherNotApplicable("This voucher is for another currency.")
    if voucher.starts_at > now or (voucher.ends_at is not None and voucher.ends_at <= now):
        raise VoucherNotApplicable("This voucher is not valid today.")
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotApplicable("This voucher has been used up.")
    if subtotal < voucher.minimum_spend_amount:
        raise VoucherNotApplicable(
            f"Spend at least {voucher.minimum_spend_amount} {voucher.currency} to use this voucher."
        )
    if voucher.per_customer_limit is not None:
        mine = Q(email__iexact=email) | Q(customer=customer) if customer else Q(email__iexact=email)
        if voucher.usages.filter(mine).count() >= voucher.per_customer_limit:
            raise VoucherNotApplicable("You have already used this voucher.")


def _find_voucher(code: str, *, lock: bool) -> Voucher:
    queryset = Voucher.objects.select_for_update() if lock else Voucher.objects.all()
    voucher = queryset.filter(code=code.strip().upper()).first()
    if voucher is None:
        raise VoucherNotApplicable("There is no voucher with this code.")
    return voucher


def calculate_checkout_totals(
    *,
    lines: list[CartLine],
    details: CheckoutDetails,
    customer: User | None,
    currency: str,
    lock_voucher: bool = False,
) -> tuple[Totals, Voucher | None]:
    if not details.shipping_method.ships_to(details.country):
        raise ShippingMethodNotAvailable()
    priced = [(line.variant.price_amount, line.quantity) for line in lines]
    subtotal = calculate_totals(lines=priced, currency=currency).subtotal
    voucher = None
    discount = Decimal(0)
    if details.voucher_code.strip():
        voucher = _find_voucher(details.voucher_code, lock=lock_voucher)
        check_voucher(
            voucher=voucher, subtotal=subtotal, currency=currency, customer=customer, email=details.email
        )
        discount = calculate_discount(
            subtotal=subtotal, kind=voucher.kind, value=voucher.value, currency=currency
        )
    method = details.shipping_method
    weight = sum((line.variant.weight_grams or 0) * line.quantity for line in lines)
    shipping = calculate_shipping(
        kind=method.kind,
        price=method.price_amount,
        price_per_kg=method.price_per_kg_amount,
        free_over=method.free_over_amount,
        subtotal=subtotal,
        weight_grams=weight,
        currency=currency,
    )
    totals = calculate_totals(
        lines=priced,
        currency=currency,
        shipping=shipping,
        discount=discount,
        tax_rate=get_tax_rate(country=details.country),
    )
    return totals, voucher


def _reserve_stock(lines: list[CartLine]) -> None:
    """stock_allocated += quantity, only where enough is free; variants in primary-key order.

    The conditional UPDATE both checks and reserves under the row lock it takes, so two
    checkouts can never both be sold the last unit.
    """
    for line in sorted(lines, key=lambda line: line.variant_id):
        reserved = Variant.objects.filter(
            pk=line.variant_id, stock_on_hand__gte=F("stock_allocated") + line.quantity
        ).update(stock_allocated=F("stock_allocated") + line.quantity)
        if not reserved:
            variant = Variant.objects.get(pk=line.variant_id)
            raise OutOfStock(
                variant_id=variant.pk, requested=line.quantity, available=variant.quantity_available
            )
    refresh_stock_state_after_commit(variant_ids=[line.variant_id for line in lines])


@transaction.atomic
def place_order(
    *, cart: Cart, customer: User | None, details: CheckoutDetails, idempotency_key: UUID
) -> Order:
    """Turn a cart into an unpaid order holding its stock for ORDER_RESERVATION_MINUTES.

    Idempotent: the same key returns the same order (a unique constraint backs this up).
    Payment is the next step: the order waits as unpaid, and mark_order_paid moves it on.
    """
    if existing := Order.objects.filter(idempotency_key=idempotency_key).first():
        return existing
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    if existing := Order.objects.filter(idempotency_key=idempotency_key).first():
        return existing  # the twin submit committed while we waited for the cart lock
    lines = list(cart.lines.select_related("variant__product").order_by("variant_id"))
    if not lines:
        raise EmptyCart()
    totals, voucher = calculate_checkout_totals(
        lines=lines, details=details, customer=customer, currency=cart.currency, lock_voucher=True
    )
    now = timezone.now()
    order = Order.objects.create(
        number=generate_order_number(),
        idempotency_key=idempotency_key,
        customer=customer,
        email=details.email,
        status=OrderStatus.UNPAID,
        currency=totals.currency,
        subtotal_amount=totals.subtotal,
        shipping_amount=totals.shipping,
        discount_amount=totals.discount,
        tax_amount=totals.tax,
        tax_rate=totals.tax_rate,
        total_amount=totals.total,
        placed_at=now,
        country=details.country,
        shipping_method_name=details.shipping_method.name,
        voucher_code=voucher.code if voucher else "",
        shipping_address=details.shipping_address,
        billing_address=details.billing_address,
        stock_state=StockState.RESERVED,
        reserved_until=now + timedelta(minutes=settings.ORDER_RESERVATION_MINUTES),
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_name=str(line.variant),
            sku=line.variant.sku,
            quantity=line.quantity,
            unit_price_amount=line.variant.price_amount,
            total_amount=line.variant.price_amount * line.quantity,
        )
        for line in lines
    )
    if voucher is not None:
        Voucher.objects.filter(pk=voucher.pk).update(used_count=F("used_count") + 1)
        VoucherUsage.objects.create(voucher=voucher, order=order, customer=customer, email=details.email)
    OrderEvent.objects.create(order=order, type=OrderEventType.PLACED, to_status=order.status, actor=customer)
    if customer is not None and details.save_shipping_address:
        add_address_from_checkout(customer=customer, address=details.shipping_address)
    cart.lines.all().delete()
    # Last, so the rows of popular variants stay locked only from here to the commit: every
    # checkout of the same product queues on them. A shortfall still rolls everything back.
    _reserve_stock(lines)
    order_id = order.pk
    transaction.on_commit(lambda: _queue_confirmation(order_id))
    return order


def give_back_voucher_use(*, order: Order) -> bool:
    """Stop a cancelled or fully refunded order counting against its voucher's limits.

    The order services call this under the order's row lock, and before they move stock:
    ``place_order`` also locks the voucher before variant rows, so the two orders of locking
    agree and cannot deadlock. Returns whether a use was given back (at most once per order).
    """
    usage = VoucherUsage.objects.filter(order=order).first()
    if usage is None:
        return False
    Voucher.objects.select_for_update().filter(pk=usage.voucher_id).values_list("pk").get()
    usage.delete()
    Voucher.objects.filter(pk=usage.voucher_id, used_count__gt=0).update(used_count=F("used_count") - 1)
    return True


def _queue_confirmation(order_id: int) -> None:
    from emporium.checkout.tasks import send_order_confirmation_task

    send_order_confirmation_task.delay(order_id=order_id)


def send_order_confirmation(*, order: Order) -> None:
    context = {"order": order, "lines": list(order.lines.all()), "site_name": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=f"{settings.SITE_NAME}: your order {order.number}",
        body=render_to_string("checkout/email/order_confirmation.txt", context),
        to=[order.email],
    )
    message.attach_alternative(
        render_to_string("checkout/email/order_confirmation.html", context), "text/html"
    )
    message.send()
    OrderEvent.objects.create(order=order, type=OrderEventType.EMAIL_SENT, message="Order confirmation")
