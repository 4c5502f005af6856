"""Who is shopping: the one answer the reviews, wishlist and alerts pages and APIs share."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from emporium.accounts.models import User


def signed_in_customer(request: HttpRequest | Request) -> User | None:
    """The logged-in customer, or None for a visitor (an AnonymousUser)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None
