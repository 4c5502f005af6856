from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from emporium.accounts.models import User
from emporium.cart.selectors import find_cart
from emporium.cart.services import (
    CART_TOKEN_SESSION_KEY,
    get_or_create_cart,
    merge_carts,
    remember_cart_count,
)


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
