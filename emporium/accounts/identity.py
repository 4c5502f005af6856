"""Who is making the request: the one answer every view, API endpoint, admin action and
middleware asks (issue 17: the same check had been written out under five names)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from emporium.accounts.models import User


def signed_in_user(request: HttpRequest | Request) -> User | None:
    """The logged-in user (a customer in the shop and the API, staff in the admin), or None
    for a visitor (an AnonymousUser, or no authentication at all)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def authenticated_user(request: HttpRequest | Request) -> User:
    """The user of a view that only signed-in users reach (``login_required``,
    ``IsAuthenticated``): the same answer, typed. Should a view be wired without that guard,
    a visitor is refused here rather than served as nobody."""
    user = signed_in_user(request)
    if user is None:
        raise PermissionDenied
    return user
