"""Money: a Decimal amount with its currency, never a float.

Built on py-moneyed's :class:`Money` (arithmetic refuses to mix currencies) and Babel's
currency data (how many minor units a currency has, how a locale writes it).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import moneyed
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from moneyed import Money

# What Money can hold: the ISO 4217 codes py-moneyed knows (XXX is "no currency").
CURRENCY_CODES = sorted(code for code in moneyed.CURRENCIES if code != "XXX")

__all__ = ["CURRENCY_CODES", "Money", "default_currency", "format_money", "quantize", "zero"]


def default_currency() -> str:
    """The shop's currency for new prices, read when a row is created (not at import).

    Model fields use this as their ``default`` so that the migrations reference the function
    instead of baking in whatever ``DEFAULT_CURRENCY`` was when they were generated.
    """
    return str(settings.DEFAULT_CURRENCY)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit (pence for GBP, none for JPY), halves away from zero."""
    exponent = Decimal(1).scaleb(-get_currency_precision(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def zero(currency: str | None = None) -> Money:
    return Money(Decimal(0), currency or default_currency())


def format_money(money: Money, locale: str | None = None) -> str:
    return _format(money.amount, str(money.currency), locale or settings.MONEY_LOCALE)


@lru_cache(maxsize=4096)
def _format(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting, remembered: it costs about 60 microseconds a call, a listing prints
    dozens of prices, and a shop's prices repeat. Equal amounts format alike (2.5 and 2.50
    both give "£2.50"), so sharing an entry between them is right."""
    return format_currency(amount, currency, locale=locale)
