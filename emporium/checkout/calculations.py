"""Prices of a checkout: pure functions on Decimals, no database, so they are property-tested.

Prices include VAT. The discount comes off the goods (never below zero), shipping is added,
and the VAT part of the total is ``total * rate / (1 + rate)``. Every amount is rounded to the
currency's minor unit, so total == subtotal - discount + shipping holds to the penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from emporium.core.money import quantize

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


def calculate_subtotal(*, lines: Sequence[tuple[Decimal, int]], currency: str) -> Decimal:
    return quantize(sum((quantize(price, currency) * quantity for price, quantity in lines), ZERO), currency)


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
