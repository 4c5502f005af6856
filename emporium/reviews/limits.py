"""The posting limit on reviews, shared by the storefront and the API.

Only buyers can review, once per product, so a spammer needs real orders; the limit caps the
damage of a stolen account or a script on a shared address (ACCOUNT_RATE_LIMITS["review"],
counted in the cache like the login limits, through allauth's rate limiter).
"""

from __future__ import annotations

from allauth.core.ratelimit import consume
from django.http import HttpRequest
from rest_framework.request import Request

from emporium.accounts.models import User
from emporium.reviews.exceptions import TooManyReviews


def check_review_rate_limit(*, request: HttpRequest | Request, customer: User) -> None:
    """Count one review posted by this customer from this address; raise TooManyReviews past the limit."""
    django_request = request._request if isinstance(request, Request) else request
    if not consume(django_request, action="review", key=str(customer.pk)):
        raise TooManyReviews()
