"""Prices of a checkout: pure functions on Decimals, no database, so they are property-tested.

Prices include VAT. The discount comes off the goods (never below zero), shipping is added,
and the VAT part of the total is ``total * rate / (1 + rate)``. Every amount is rounded to the
currency's minor unit, so total == subtotal - discount + shipping holds to the penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from emporium.core.money import quantize
from emporium.promotions.engine import PromotionResult

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Totals:
    currency: str
    subtotal: Decimal
    shipping: Decimal
    discount: Decimal
    total: Decimal
    tax: Decimal
    tax_rate: Decimal
    # ``discount`` is both of these: what automatic promotions took, then the voucher.
    promotion_discount: Decimal = ZERO
    voucher_discount: Decimal = ZERO
    promotions: PromotionResult | None = None


@dataclass(frozen=True)
class ShippingTerms:
    """How a shipping method prices an order (its amounts in the order's currency)."""

    kind: str  # "flat" or "weight"
    price: Decimal
    price_per_kg: Decimal = ZERO
    free_over: Decimal | None = None


@dataclass(frozen=True)
class DiscountTerms:
    """What an accepted voucher takes off: a percentage, or an amount in the order's currency."""

    kind: str  # "percentage" or "fixed"
    value: Decimal


def calculate_line_total(*, price: Decimal, quantity: int, currency: str) -> Decimal:
    """A line's total: the unit price rounded to the minor unit first, as the order records
    it, so the order's lines add up exactly to its subtotal."""
    return quantize(price, currency) * quantity


def calculate_subtotal(*, lines: Sequence[tuple[Decimal, int]], currency: str) -> Decimal:
    lines_total = sum(
        (
            calculate_line_total(price=price, quantity=quantity, currency=currency)
            for price, quantity in lines
        ),
        ZERO,
    )
    return quantize(lines_total, currency)


def calculate_discount(*, subtotal: Decimal, kind: str, value: Decimal, currency: str) -> Decimal:
    raw = subtotal * value / HUNDRED if kind == "percentage" else value
    return min(quantize(max(raw, ZERO), currency), subtotal)


def calculate_shipping(
    *,
    kind: str,
    price: Decimal,
    price_per_kg: Decimal,
    free_over: Decimal | None,
    subtotal: Decimal,
    weight_grams: int,
    currency: str,
) -> Decimal:
    if free_over is not None and subtotal >= free_over:
        return ZERO
    if kind == "weight":
        return quantize(price + price_per_kg * Decimal(weight_grams) / Decimal(1000), currency)
    return quantize(price, currency)


def calculate_totals(
    *,
    lines: Sequence[tuple[Decimal, int]],
    currency: str,
    shipping: Decimal = ZERO,
    discount: Decimal = ZERO,
    tax_rate: Decimal = ZERO,
) -> Totals:
    subtotal = calculate_subtotal(lines=lines, currency=currency)
    discount = min(quantize(discount, currency), subtotal)
    shipping = quantize(shipping, currency)
    total = subtotal - discount + shipping
    tax = quantize(total * tax_rate / (1 + tax_rate), currency)
    return Totals(
        currency=currency,
        subtotal=subtotal,
        shipping=shipping,
        discount=discount,
        total=total,
        tax=tax,
        tax_rate=tax_rate,
    )


def price_order(
    *,
    lines: Sequence[tuple[Decimal, int]],
    weight_grams: int,
    shipping: ShippingTerms,
    discount: DiscountTerms | None,
    tax_rate: Decimal,
    currency: str,
    promotions: PromotionResult | None = None,
) -> Totals:
    """Everything checkout charges for these lines: the promotions' discounts (already worked
    out by emporium.promotions.engine), the voucher's on what the goods cost after them,
    shipping on the goods' value and weight (nothing when a promotion makes it free), VAT on
    the total. Whether a voucher applies at all (dates, limits, minimum spend) is the services'
    decision, made before this."""
    subtotal = calculate_subtotal(lines=lines, currency=currency)
    promotion_discount = min(promotions.discount, subtotal) if promotions is not None else ZERO
    voucher_discount = (
        ZERO
        if discount is None
        else calculate_discount(
            subtotal=subtotal - promotion_discount,
            kind=discount.kind,
            value=discount.value,
            currency=currency,
        )
    )
    if promotions is not None and promotions.free_shipping is not None:
        shipping_amount = ZERO
    else:
        shipping_amount = calculate_shipping(
            kind=shipping.kind,
            price=shipping.price,
            price_per_kg=shipping.price_per_kg,
            free_over=shipping.free_over,
            subtotal=subtotal,
            weight_grams=weight_grams,
            currency=currency,
        )
    totals = calculate_totals(
        lines=lines,
        currency=currency,
        shipping=shipping_amount,
        discount=promotion_discount + voucher_discount,
        tax_rate=tax_rate,
    )
    return replace(
        totals,
        promotion_discount=promotion_discount,
        voucher_discount=totals.discount - promotion_discount,
        promotions=promotions,
    )


@dataclass(frozen=True)
class GiftCardSplit:
    """How an order's total is paid when a gift card is given: the card's part, then the rest.

    A gift card is a means of payment, not a discount: the total and its VAT are not changed,
    only who pays them. ``gift_card + to_pay == total``, and neither is below zero.
    """

    gift_card: Decimal
    to_pay: Decimal


def split_gift_card_payment(*, total: Decimal, balance: Decimal, currency: str) -> GiftCardSplit:
    """The card pays as much of the total as its balance allows; the rest is paid as usual."""
    total = quantize(max(total, ZERO), currency)
    gift_card = min(quantize(max(balance, ZERO), currency), total)
    return GiftCardSplit(gift_card=gift_card, to_pay=total - gift_card)
