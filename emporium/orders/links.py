"""Links that open an order: the guest order token, and the address an e-mail or page gives.

A guest has no account, so the link carries its own proof: the order number signed with
SECRET_KEY and a timestamp (no migration, nothing stored). It lapses after
GUEST_ORDER_TOKEN_DAYS, and emporium.orders.selectors is where it is checked. A customer's
order links to their account instead: a token never opens a customer's order.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from emporium.orders.models import Order
from emporium.orders.selectors import GUEST_ORDER_TOKEN_SALT

ORDER_TOKEN_PARAMETER = "token"


def make_guest_order_token(*, order: Order) -> str:
    """What a guest shows (X-Order-Token in the API, ?token= on the order page) to read and pay
    the order it placed; it proves itself and lapses after GUEST_ORDER_TOKEN_DAYS."""
    return signing.dumps(order.number, salt=GUEST_ORDER_TOKEN_SALT)


def make_order_link(*, order: Order, absolute: bool = True) -> str:
    """Where the customer finds this order again: their account's order page, or for a guest
    the order status page with a signed token, which opens in any browser, no session needed.

    ``absolute`` for e-mails, which have no request to resolve a path against: SITE_URL is
    the shop's public address."""
    if order.customer_id is not None:
        path = reverse("accounts:order-detail", args=[order.number])
    else:
        token = urlencode({ORDER_TOKEN_PARAMETER: make_guest_order_token(order=order)})
        path = f"{reverse('checkout:order-status', args=[order.number])}?{token}"
    return f"{settings.SITE_URL.rstrip('/')}{path}" if absolute else path
