"""Providers count money in minor units (pence, cents; yen have none): an int, never a float."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision

from emporium.core.money import quantize


def to_minor_units(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(get_currency_precision(currency.upper())))


def from_minor_units(minor: int, currency: str) -> Decimal:
    return quantize(Decimal(minor).scaleb(-get_currency_precision(currency.upper())), currency.upper())
