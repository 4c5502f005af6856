"""Turning a cart into an order.

place_order is one transaction. It takes its locks in one fixed order: the cart row, the
cart's lines, the voucher, the limited promotions it applies (in primary-key order), the gift card, the customer's addresses (when one is kept in the
address book), and last the variants in primary-key order. Every other writer that meets two
of these takes them in the same order (the cancel and refund workflows: order, voucher
(``give_back_voucher_use``), promotions (``promotions.services.give_back_promotion_uses``), gift card (``giftcards.services.give_back_gift_card``), then the
variants as stock moves; staff adjusting a card lock that card alone), so no pair of them can
deadlock; and a second submit of the same form queues on the cart lock and then
finds the first one's order. The variants come last on purpose: a popular variant's row is
then held only from the reservation to the commit (see ``_reserve_stock``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from emporium.accounts.models import User
from emporium.accounts.services.addresses import add_address_from_checkout
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart, CartLine
from emporium.catalog.models import Variant
from emporium.catalog.selectors import is_purchasable
from emporium.catalog.services import refresh_stock_state_after_commit
from emporium.checkout.calculations import (
    DiscountTerms,
    GiftCardSplit,
    ShippingTerms,
    Totals,
    calculate_line_total,
    price_order,
    split_gift_card_payment,
)
from emporium.checkout.exceptions import (
    EmptyCart,
    IdempotencyKeyReused,
    ItemNotForSale,
    ShippingMethodNotAvailable,
    ShippingMethodRequired,
    VoucherNotApplicable,
)
from emporium.checkout.idempotency import keys_of_client_key, scope_idempotency_key
from emporium.checkout.models import ShippingMethod, Voucher, VoucherUsage
from emporium.checkout.selectors import explain_delivery_to, get_tax_rate
from emporium.core.money import Money, format_money, quantize
from emporium.core.prepared import Bind, PreparedQuery
from emporium.giftcards.models import GiftCard
from emporium.giftcards.selectors import list_gift_card_variant_ids
from emporium.giftcards.services import (
    deliver_bought_gift_cards_after_commit,
    find_gift_card_for_payment,
    spend_gift_card,
)
from emporium.orders.emails import send_order_email_once
from emporium.orders.placing import (
    AppliedPromotion,
    OrderAmounts,
    PricedLine,
    announce_order_placed,
    create_order,
    find_order_by_idempotency_key,
    list_placed_orders_without_email,
)
from emporium.promotions.selectors import price_lines
from emporium.promotions.services import lock_limited_promotions, record_promotion_uses

if TYPE_CHECKING:
    from emporium.orders.models import Order

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutDetails:
    """What the shopper told checkout; addresses are plain dicts with ADDRESS_FIELDS."""

    email: str
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    # None for an order with nothing to deliver (gift cards only: sent by e-mail).
    shipping_method: ShippingMethod | None
    voucher_code: str = ""
    # A gift card pays part or all of the total (a means of payment: the total is unchanged).
    gift_card_code: str = ""
    # A customer may keep a shipping address typed at checkout in their address book.
    save_shipping_address: bool = False

    @property
    def country(self) -> str:
        return self.shipping_address["country"].upper()


def check_voucher(
    *, voucher: Voucher, subtotal: Decimal, currency: str, customer: User | None, email: str
) -> None:
    """Refuse a voucher that is out of date, used up, or below its minimum spend.

    A voucher's amounts are in its own currency. A fixed amount, or a minimum spend, means
    nothing in another currency (there is no exchange rate to convert with), so such a
    voucher applies only to orders in its currency; a plain percentage applies to any.
    """
    now = timezone.now()
    if voucher.currency != currency and (
        voucher.kind == Voucher.Kind.FIXED or voucher.minimum_spend_amount > 0
    ):
        raise VoucherNotApplicable(f"This voucher is for orders in {voucher.currency}.")
    if voucher.starts_at > now or (voucher.ends_at is not None and voucher.ends_at <= now):
        raise VoucherNotApplicable("This voucher is not valid today.")
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotApplicable("This voucher has been used up.")
    if subtotal < voucher.minimum_spend_amount:
        raise VoucherNotApplicable(
            f"Spend at least {format_money(Money(voucher.minimum_spend_amount, voucher.currency))} "
            "to use this voucher."
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


# What an order with nothing to deliver pays for delivery, and what it says it was.
NOTHING_TO_SHIP = ShippingTerms(kind="flat", price=Decimal(0))
SENT_BY_EMAIL = "Sent by e-mail"


def needs_shipping(lines: list[CartLine]) -> bool:
    """Whether any line is goods to deliver: gift cards are sent by e-mail. One query."""
    variant_ids = [line.variant_id for line in lines]
    return bool(set(variant_ids) - list_gift_card_variant_ids(variant_ids=variant_ids))


def calculate_checkout_totals(
    *,
    lines: list[CartLine],
    details: CheckoutDetails,
    customer: User | None,
    currency: str,
    lock_voucher: bool = False,
) -> tuple[Totals, Voucher | None]:
    """Price these lines as the order would be: shipping, voucher, VAT and total.

    A shipping method priced in another currency is refused like one that does not deliver
    there: its price (and free-over threshold) cannot be added to this order's amounts.
    """
    method = details.shipping_method
    if method is None:
        if needs_shipping(lines):
            raise ShippingMethodRequired()
    elif not method.ships_to(details.country):
        raise ShippingMethodNotAvailable(
            explain_delivery_to(method=method, country=details.country, currency=currency)
        )
    elif method.currency != currency:
        raise ShippingMethodNotAvailable(
            f"This shipping method is priced in {method.currency}, and your order in {currency}."
        )
    priced = [(line.variant.price_amount, line.quantity) for line in lines]
    promotions = price_lines(
        ((line.pk, line.variant, line.quantity) for line in lines),
        customer_id=customer.pk if customer else None,
        currency=currency,
    )
    voucher = None
    if details.voucher_code.strip():
        voucher = _find_voucher(details.voucher_code, lock=lock_voucher)
        # The minimum spend is on what the goods cost after the promotions.
        check_voucher(
            voucher=voucher,
            subtotal=promotions.goods_after_discount,
            currency=currency,
            customer=customer,
            email=details.email,
        )
        if (blocker := promotions.blocks_vouchers) is not None:
            raise VoucherNotApplicable(
                f"This voucher cannot be combined with “{blocker.name}”, already in your cart."
            )
    totals = price_order(
        lines=priced,
        weight_grams=sum((line.variant.weight_grams or 0) * line.quantity for line in lines),
        shipping=NOTHING_TO_SHIP
        if method is None
        else ShippingTerms(
            kind=method.kind,
            price=method.price_amount,
            price_per_kg=method.price_per_kg_amount,
            free_over=method.free_over_amount,
        ),
        discount=DiscountTerms(kind=voucher.kind, value=voucher.value) if voucher else None,
        tax_rate=get_tax_rate(country=details.country),
        currency=currency,
        promotions=promotions,
    )
    return totals, voucher


@dataclass(frozen=True)
class GiftCardPayment:
    """The card typed at checkout and how much of the total it pays (``split``)."""

    card: GiftCard
    split: GiftCardSplit


def apply_gift_card(*, code: str, totals: Totals, lock: bool = False) -> GiftCardPayment | None:
    """The gift card's part of these totals, or None when no code was typed.

    Refuses (:class:`GiftCardNotApplicable`) a code that is unknown, expired, switched off, in
    another currency or spent. With ``lock``, ``place_order`` holds the card's row from here to
    its commit, so the balance it splits is the balance it spends.
    """
    if not code.strip():
        return None
    card = find_gift_card_for_payment(code=code, currency=totals.currency, lock=lock)
    split = split_gift_card_payment(total=totals.total, balance=card.balance_amount, currency=totals.currency)
    return GiftCardPayment(card=card, split=split)


def _reserve_stock(lines: list[CartLine]) -> None:
    """stock_allocated += quantity, only where enough is free; variants in primary-key order.

    The conditional UPDATE both checks and reserves under the row lock it takes, so two
    checkouts can never both be sold the last unit. It first asks for a unit more than the line
    takes: when that succeeds, as it does unless the line takes the last units, the variant is
    still in stock afterwards, and its product's summary needs no look after the commit. Only a
    line that takes the last units costs a second UPDATE (and its product that look).
    """
    emptied = []
    for line in sorted(lines, key=lambda line: line.variant_id):
        variant = Variant.objects.filter(pk=line.variant_id)
        taken = F("stock_allocated") + line.quantity
        if variant.filter(stock_on_hand__gt=taken).update(stock_allocated=taken):
            continue
        if not variant.filter(stock_on_hand__gte=taken).update(stock_allocated=taken):
            available = variant.get().quantity_available
            raise OutOfStock(
                variant_id=line.variant_id,
                requested=line.quantity,
                available=available,
                item=str(line.variant),
            )
        emptied.append(line.variant_id)
    refresh_stock_state_after_commit(
        variant_ids=[line.variant_id for line in lines], may_go_out_of_stock=emptied
    )


def _find_replayed_order(*, cart: Cart, customer: User | None, idempotency_key: UUID) -> Order | None:
    """The order this cart and customer already placed with this key, if any.

    Raises IdempotencyKeyReused when the key was used by another cart or customer: their
    order is theirs, and this caller must not be handed it (see emporium.checkout.idempotency).
    """
    low, high = keys_of_client_key(client_key=idempotency_key)
    order = find_order_by_idempotency_key(low=low, high=high)
    if order is None:
        return None
    mine = scope_idempotency_key(
        client_key=idempotency_key, cart_id=cart.pk, customer_id=customer.pk if customer else None
    )
    if order.idempotency_key != mine:
        raise IdempotencyKeyReused()
    return order


def _check_still_for_sale(lines: list[CartLine], *, currency: str) -> None:
    """Refuse lines of products unpublished, or repriced in another currency, since they were
    put in the cart.

    The add-to-cart form offers only purchasable variants in the cart's currency, but a cart
    kept for days can still hold one; the catalog's rule (``is_purchasable``, the one of
    ``list_purchasable_variants``) says what may be bought, asked of the variants and products
    place_order has just read. A price in another currency cannot be added to this order's
    amounts (there is no exchange rate to convert it with): it is no longer for sale to this cart.
    """
    for line in lines:
        if not is_purchasable(line.variant) or line.variant.currency != currency:
            raise ItemNotForSale(variant_id=line.variant_id, item=str(line.variant))


# Every order locks its cart and the cart's lines: compiled once (emporium.core.prepared).
_LOCKED_CART = PreparedQuery(lambda: Cart.objects.select_for_update().filter(pk=Bind("cart", Cart._meta.pk)))
_LOCKED_LINES = PreparedQuery(
    lambda: (
        CartLine.objects.select_for_update()
        .filter(cart_id=Bind("cart", Cart._meta.pk))
        .order_by("variant_id")
    )
)
_LINES_VARIANTS = PreparedQuery(
    lambda: Variant.objects.filter(cart_lines__cart_id=Bind("cart", Cart._meta.pk)).select_related("product")
)


@transaction.atomic
def place_order(
    *, cart: Cart, customer: User | None, details: CheckoutDetails, idempotency_key: UUID
) -> Order:
    """Turn a cart into an unpaid order holding its stock for ORDER_RESERVATION_MINUTES.

    Idempotent: the same key from the same cart and customer returns the same order, even
    once the cart is empty (a retry after a timeout, a double click). The key is stored
    scoped to the cart and customer, so another cart sending it is refused with
    IdempotencyKeyReused instead of being given this order. Payment is the next step: the
    order waits as unpaid, and mark_order_paid moves it on.

    A gift card's part is taken off the card here, under its row lock, in this transaction:
    once per order, and never below zero, however many checkouts spend the same card at once.
    The payment that follows is for the rest (``Order.amount_due``); a card that pays it all
    leaves the order paid as it is placed.
    """
    # The replay is looked for once, under the cart lock: a twin submit queues on it and then
    # finds the first one's order (a first look before the lock cost every new order a query).
    locked = _LOCKED_CART.first(cart=cart.pk)
    if existing := _find_replayed_order(cart=cart, customer=customer, idempotency_key=idempotency_key):
        return existing
    if locked is None:
        raise Cart.DoesNotExist("Cart matching query does not exist.")
    cart = locked
    # The lines are locked too. Adding a line waits for the cart row held above (the new
    # row's foreign key takes a share lock on it), but raising a line's quantity does not:
    # another tab could do it between this read and the delete below, and the extra units
    # would vanish with the line. The variants come in a second query, unlocked: a join
    # would lock them as well (FOR UPDATE OF is not portable to MariaDB), and they must stay
    # free until _reserve_stock.
    lines = _LOCKED_LINES.all(cart=cart.pk)
    variants = {variant.pk: variant for variant in _LINES_VARIANTS.all(cart=cart.pk)}
    for line in lines:
        line.cart = cart  # as cart.lines would: the line's cart without a query
        line.variant = variants[line.variant_id]
    if not lines:
        raise EmptyCart()
    _check_still_for_sale(lines, currency=cart.currency)
    totals, voucher = calculate_checkout_totals(
        lines=lines, details=details, customer=customer, currency=cart.currency, lock_voucher=True
    )
    # The limited promotions it was priced with, after the voucher: refused if one ran out.
    limited = totals.promotions.limited_rule_ids if totals.promotions else []
    lock_limited_promotions(promotion_ids=limited)
    gift_card = apply_gift_card(code=details.gift_card_code, totals=totals, lock=True)  # after the promotions
    gift_card_part = gift_card.split.gift_card if gift_card else Decimal(0)
    # Orders writes the order, its lines and the "placed" event; a voucher that covers the
    # whole order (free shipping too) leaves nothing to pay, and create_order then records
    # the order as paid as it is placed.
    order = create_order(
        idempotency_key=scope_idempotency_key(
            client_key=idempotency_key, cart_id=cart.pk, customer_id=customer.pk if customer else None
        ),
        customer=customer,
        email=details.email,
        country=details.country,
        shipping_address=details.shipping_address,
        billing_address=details.billing_address,
        shipping_method_name=details.shipping_method.name if details.shipping_method else SENT_BY_EMAIL,
        voucher_code=voucher.code if voucher else "",
        amounts=OrderAmounts(
            currency=totals.currency,
            subtotal_amount=totals.subtotal,
            shipping_amount=totals.shipping,
            discount_amount=totals.discount,
            tax_amount=totals.tax,
            tax_rate=totals.tax_rate,
            total_amount=totals.total,
            gift_card_amount=gift_card_part,
            gift_card_last_four=gift_card.card.last_four if gift_card and gift_card_part else "",
            promotion_discount_amount=totals.promotion_discount,
            promotions=_applied_promotions(totals),
        ),
        lines=[_priced_line(line, totals) for line in lines],
    )
    record_promotion_uses(promotion_ids=limited, order_id=order.pk, customer=customer)
    if voucher is not None:
        Voucher.objects.filter(pk=voucher.pk).update(used_count=F("used_count") + 1)
        VoucherUsage.objects.create(voucher=voucher, order=order, customer=customer, email=details.email)
    if gift_card is not None and gift_card_part > 0:
        spend_gift_card(card=gift_card.card, order=order, amount=gift_card_part)
    if customer is not None and details.save_shipping_address:
        add_address_from_checkout(customer=customer, address=details.shipping_address)
    # Before the stock is reserved, so listeners' work (the webhooks outbox) is not done while
    # the hot variants' rows are locked; a shortfall below still rolls it all back.
    announce_order_placed(order=order)
    # Exactly the lines this order was priced from, by id, whatever else the cart holds by
    # now: anything else is not part of this order and stays for the next one.
    CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    # Last, so the rows of popular variants stay locked only from here to the commit: every
    # checkout of the same product queues on them. A shortfall still rolls everything back.
    _reserve_stock(lines)
    order_id = order.pk
    transaction.on_commit(lambda: _queue_confirmation(order_id))
    if order.is_paid:  # a voucher or a gift card paid it all: gift cards it bought go out now
        deliver_bought_gift_cards_after_commit(order=order)
    return order


def _priced_line(line: CartLine, totals: Totals) -> PricedLine:
    """The order line as checkout priced it: the unit price, and what promotions took off."""
    priced = totals.promotions.for_item(line.pk) if totals.promotions else None
    return PricedLine(
        variant_id=line.variant_id,
        product_name=str(line.variant),
        sku=line.variant.sku,
        quantity=line.quantity,
        unit_price_amount=quantize(line.variant.price_amount, totals.currency),
        total_amount=calculate_line_total(
            price=line.variant.price_amount, quantity=line.quantity, currency=totals.currency
        ),
        discount_amount=priced.discount if priced else Decimal(0),
        discount_label=priced.label if priced else "",
    )


def _applied_promotions(totals: Totals) -> tuple[AppliedPromotion, ...]:
    if totals.promotions is None:
        return ()
    return tuple(
        AppliedPromotion(
            promotion_id=applied.rule_id, name=applied.name, scope=applied.scope, amount=applied.amount
        )
        for applied in totals.promotions.applied
    )


def give_back_voucher_use(*, order: Order) -> bool:
    """Stop a cancelled or fully refunded order counting against its voucher's limits.

    The cancel and refund workflows (emporium.payments.services.workflows) call this under the
    order's row lock, before the orders service moves stock: ``place_order`` also locks the
    voucher before variant rows, so the two orders of locking agree and cannot deadlock. Returns whether a use was given back (at most once per order).
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

    try:
        send_order_confirmation_task.delay(order_id=order_id)
    except KombuOperationalError:
        # The broker (Redis) is down. The order is committed and the shopper must see it, not
        # an error: send_unsent_order_confirmations picks the e-mail up from the database.
        logger.warning("Could not queue the confirmation of order %s; the sweep will send it", order_id)


# Orders younger than this may still have their own task in the queue; older than the window,
# a confirmation would arrive too late to be of use (and imported orders are never swept).
UNSENT_CONFIRMATION_GRACE = timedelta(minutes=5)
UNSENT_CONFIRMATION_WINDOW = timedelta(days=2)


def send_unsent_order_confirmations(*, now: datetime | None = None) -> int:
    """Send the confirmations whose task never ran (the broker was down when the order was
    placed); returns how many were sent. Each is still sent once (send_order_email_once)."""
    now = now or timezone.now()
    unsent = list_placed_orders_without_email(
        event_message=CONFIRMATION_EVENT_MESSAGE,
        placed_from=now - UNSENT_CONFIRMATION_WINDOW,
        placed_until=now - UNSENT_CONFIRMATION_GRACE,
    )
    return sum(send_order_confirmation(order=order) for order in unsent)


CONFIRMATION_EVENT_MESSAGE = "Order confirmation"


def send_order_confirmation(*, order: Order) -> bool:
    """E-mail the order's confirmation (HTML and text); returns whether it sent.

    Sent once however often its task runs, even by two workers at once (``send_order_email_once``).
    """
    return send_order_email_once(
        order=order,
        event_message=CONFIRMATION_EVENT_MESSAGE,
        subject=f"{settings.SITE_NAME}: your order {order.number}",
        template="checkout/email/order_confirmation",
    )
