"""The wishlist's receiver of the login signal: what a visitor saved joins the account, beside
the cart's merge (emporium.cart.signals) on the same signal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from emporium.accounts.models import User
from emporium.wishlist.services import merge_session_wishlist


@receiver(user_logged_in, dispatch_uid="wishlist-merge-at-login")
def merge_visitor_wishlist_at_login(
    sender: type, request: HttpRequest | None, user: User, **kwargs: Any
) -> None:
    session = getattr(request, "session", None)
    if session is not None and isinstance(user, User):
        merge_session_wishlist(session=session, customer=user)
