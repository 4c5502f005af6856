"""What delivery costs, for pages outside checkout: the product page's "Delivery and returns".

A template tag rather than a value the catalog's view passes in: the catalog sits below
checkout and must not import it (the apps contract in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from emporium.checkout.selectors import list_delivery_options

register = template.Library()


@register.inclusion_tag("checkout/_delivery_and_returns.html")
def delivery_and_returns() -> dict[str, Any]:
    return {
        "delivery_options": list_delivery_options(currency=settings.DEFAULT_CURRENCY),
        "dispatch_promise": settings.DISPATCH_PROMISE,
        "returns_days": settings.RETURNS_DAYS,
    }
