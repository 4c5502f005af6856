"""``{% return_link order %}``: the order page's "Return items" link, when there is something to
send back.

A tag, so the accounts and checkout pages name no returns code beyond it (returns sits above
them in the apps' layers), as ``{% product_reviews %}`` does for the product page.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from emporium.orders.models import Order
from emporium.returns.selectors import has_anything_to_return

register = template.Library()


@register.simple_tag
def return_link(order: Order, token: str = "") -> SafeString:
    """`` · Return items`` after the invoice links, or nothing. ``token`` carries a guest's order
    link on to the returns page."""
    if not has_anything_to_return(order=order):
        return SafeString("")
    url = reverse("returns:create", args=[order.number])
    if token:
        url = f"{url}?{urlencode({'token': token})}"
    return format_html(' · <a href="{}">Return items</a>', url)
