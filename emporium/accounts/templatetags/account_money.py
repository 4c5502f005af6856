from decimal import Decimal

from django import template

from emporium.core.money import Money, format_money

register = template.Library()


@register.filter
def in_currency(amount: Decimal, currency: str) -> str:
    """`{{ line.total_amount|in_currency:order.currency }}` → `£9.90`, for amounts stored without a currency."""
    return format_money(Money(amount, currency))
