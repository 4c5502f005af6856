"""API clients for tests: a visitor's, or one carrying a user's access token like a mobile app."""

from __future__ import annotations

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from emporium.accounts.models import User
from emporium.accounts.roles import StaffRole
from emporium.accounts.tests.factories import StaffUserFactory


def bearer_client(user: User) -> APIClient:
    """A client that authenticates with a real JWT access token (not force_authenticate), so the
    tests also pay the token check every request of an app pays."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def staff_client(role: StaffRole) -> APIClient:
    """A new staff member in ``role``, calling the API with their access token."""
    return bearer_client(StaffUserFactory.create(roles=[role]))
