"""The customer's latest orders, for pages outside orders: the account overview's "Recent orders".

A template tag rather than a value the accounts view passes in: accounts sits below orders and
must not import it (the apps contract in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from django import template

from emporium.accounts.models import User
from emporium.orders.selectors import list_orders_for_customer

register = template.Library()

RECENT_ORDERS = 3


@register.inclusion_tag("orders/_recent_orders.html")
def recent_orders(customer: User) -> dict[str, Any]:
    return {"recent_orders": list_orders_for_customer(customer=customer)[:RECENT_ORDERS]}
