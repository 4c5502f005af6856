"""API tokens (JSON Web Tokens): obtained with the same checks as the login form, revoked on logout
and whenever the password changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.utils import has_verified_email
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.models import Authenticator
from django import forms
from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from emporium.accounts.api.tokens import VersionedRefreshToken
from emporium.accounts.exceptions import (
    EmailNotVerified,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidSecondFactor,
    SecondFactorRequired,
    StaffSecondFactorMissing,
    TooManyLoginAttempts,
)
from emporium.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def obtain_token_pair(*, request: HttpRequest, email: str, password: str, code: str = "") -> TokenPair:
    """Exchange an e-mail address and password (and the two-factor code, where the customer
    has turned it on) for a short-lived access token and a rotating refresh token.

    The checks are the login page's: allauth's failed-login limits per account and per IP,
    one answer for an unknown address and a wrong password, a verified e-mail address, and
    the second factor. Without them the API would be the way around every one of them.
    """
    adapter = get_account_adapter(request)
    try:
        user = adapter.authenticate(request, email=email, password=password)
    except forms.ValidationError as error:
        raise TooManyLoginAttempts() from error
    if not isinstance(user, User) or not user.is_active:
        raise InvalidCredentials()
    # Only someone who knows the password learns that the address is unverified.
    if not has_verified_email(user):
        raise EmailNotVerified()
    _check_second_factor(request=request, user=user, code=code)
    update_last_login(type(user), user)
    refresh = VersionedRefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _check_second_factor(*, request: HttpRequest, user: User, code: str) -> None:
    authenticators = sorted(
        Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN),
        key=lambda authenticator: authenticator.type != Authenticator.Type.TOTP,
    )
    if not authenticators:
        if user.is_staff and settings.STAFF_MFA_REQUIRED:
            raise StaffSecondFactorMissing()
        return
    if not code:
        raise SecondFactorRequired()
    try:
        # The same per-user limit on wrong codes as allauth's own code form.
        clear_failed_attempts = check_rate_limit(user)
    except forms.ValidationError as error:
        raise TooManyLoginAttempts() from error
    for authenticator in authenticators:
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            clear_failed_attempts()
            return
    raise InvalidSecondFactor()


def revoke_refresh_token(*, refresh: str) -> None:
    """Log one API client out: its refresh token can no longer be exchanged, and the user's
    access tokens stop working now (token version), not when their five minutes are up.
    Other devices get a fresh access token at their next refresh."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]
        token.blacklist()
    except TokenError as error:
        raise InvalidRefreshToken() from error
    if (user_id := token.payload.get(jwt_settings.USER_ID_CLAIM)) is not None:
        _end_access_tokens(user_id=str(user_id))


def _end_access_tokens(*, user_id: int | str) -> None:
    User.objects.filter(pk=user_id).update(token_version=F("token_version") + 1)


def revoke_all_refresh_tokens(*, user: User) -> int:
    """Log every API client of this user out, after a password change or reset, or when
    the account is closed. Returns how many tokens were revoked."""
    live = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    if revoked:
        logger.info("Revoked %d refresh tokens of user %s", len(revoked), user.pk)
    _end_access_tokens(user_id=user.pk)
    return len(revoked)


def flush_expired_tokens() -> None:
    """Forget tokens past their expiry: they are refused anyway, and would pile up forever."""
    OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
