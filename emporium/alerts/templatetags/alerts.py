"""``{% stock_alert_form product %}``: "e-mail me when it is back" for a product's sold-out variants."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

register = template.Library()


@register.inclusion_tag("alerts/_ask_form.html", takes_context=True)
def stock_alert_form(context: Context, product: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    sold_out = [variant for variant in product.variants if not variant.is_in_stock]
    return {
        "product": product,
        "sold_out": sold_out,
        "email": user.email if user is not None and user.is_authenticated else "",
        "csrf_token": context.get("csrf_token"),
    }
