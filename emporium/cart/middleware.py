"""Gives every request a lazy ``request.cart``, like Oscar's basket middleware.

Lazy, so pages that never touch the cart (almost all of them) spend no query on it; the
header's item count comes from the session (see ``remember_cart_count``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from emporium.accounts.identity import signed_in_user
from emporium.cart.services import get_or_create_cart


class CartMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def load_cart() -> object:
            customer = signed_in_user(request)
            return get_or_create_cart(session=request.session, customer=customer)

        request.cart = SimpleLazyObject(load_cart)  # type: ignore[attr-defined]
        return self.get_response(request)
