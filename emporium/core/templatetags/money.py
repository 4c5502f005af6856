from django import template

from emporium.core.money import Money, format_money

register = template.Library()


@register.filter(name="money")
def money_filter(value: Money | None) -> str:
    """`{{ variant.price|money }}` → `£2.55`."""
    return "" if value is None else format_money(value)
