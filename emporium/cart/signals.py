"""The cart's signals: what it tells other apps, and its receiver of the login signal.

``variant_added_to_cart`` is sent by the cart's views and API (the callers, which know the
request) after ``add_to_cart`` succeeded; arguments ``request``, ``variant`` and ``quantity``.
It is a notice, not a step of adding: no rule of the cart depends on who listens (the
recommendations app records it as an event), so the cart imports none of its listeners.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver
from django.http import HttpRequest

from emporium.accounts.models import User
from emporium.cart.selectors import find_cart
from emporium.cart.services import (
    CART_TOKEN_SESSION_KEY,
    get_or_create_cart,
    merge_carts,
    remember_cart_count,
)

variant_added_to_cart = Signal()


@receiver(user_logged_in, dispatch_uid="cart-merge-at-login")
def merge_visitor_cart_at_login(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """What a visitor put in the cart before logging in joins the customer's cart."""
    session = getattr(request, "session", None)
    if session is None:
        return
    visitor_cart = find_cart(session=session, customer=None)
    session.pop(CART_TOKEN_SESSION_KEY, None)
    if visitor_cart is not None:
        merge_carts(source=visitor_cart, target=get_or_create_cart(session=session, customer=user))
    customer_cart = find_cart(session=session, customer=user)
    if customer_cart is not None:
        remember_cart_count(session=session, cart=customer_cart)
