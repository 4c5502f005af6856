"""One order summary for every page, e-mail and invoice, so that none of them can drift.

``{% order_summary order %}`` draws the lines and the rows of
:func:`emporium.orders.selectors.list_order_totals` as a table (the PDF invoice draws the same
rows); ``{% order_summary_text order %}`` writes them for plain-text e-mails, and
``{% order_addresses order %}`` the addresses, in HTML or text.
"""

from __future__ import annotations

from typing import Any

from django import template

from emporium.orders.models import Order
from emporium.orders.selectors import list_address_lines, list_order_totals

register = template.Library()


def _context(order: Order) -> dict[str, Any]:
    return {"order": order, "lines": list(order.lines.all()), "totals": list_order_totals(order=order)}


@register.inclusion_tag("orders/_summary.html")
def order_summary(order: Order, caption: str = "What you ordered") -> dict[str, Any]:
    return {**_context(order), "caption": caption}


@register.inclusion_tag("orders/_summary.txt")
def order_summary_text(order: Order) -> dict[str, Any]:
    return _context(order)


@register.inclusion_tag("orders/_addresses.html")
def order_addresses(order: Order, text: bool = False) -> dict[str, Any]:
    shipping, billing = (
        list_address_lines(address=order.shipping_address),
        list_address_lines(address=order.billing_address),
    )
    return {"shipping": shipping, "billing": billing, "text": text}
