"""Access tokens that die at logout and password change, not five minutes later.

Each access token carries the user's ``token_version`` (claim ``ver``), checked against the
database on every request (JWTAuthentication loads the user anyway, so it costs no query).
Logging out or changing the password bumps the version (``services.tokens``): every access
token issued before is refused. Other devices of the same user keep their refresh tokens
(unless the password changed) and get an access token of the new version at their next refresh.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from emporium.accounts.models import User

VERSION_CLAIM = "ver"


class VersionedRefreshToken(RefreshToken):
    @property
    def access_token(self) -> AccessToken:
        access = super().access_token
        user_id = self.payload.get(api_settings.USER_ID_CLAIM)
        version = (
            User.objects.filter(pk=str(user_id)).values_list("token_version", flat=True).first()
            if user_id is not None
            else None
        )
        access[VERSION_CLAIM] = version or 0
        return access


class VersionedTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = VersionedRefreshToken


class VersionedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        if validated_token.get(VERSION_CLAIM, 0) != getattr(user, "token_version", 0):
            raise AuthenticationFailed("This token was revoked: log in again.", code="token_revoked")
        return user


class VersionedJWTScheme(SimpleJWTScheme):
    """The schema names it as simplejwt's own scheme: to a client it is the same Bearer token."""

    target_class = "emporium.accounts.api.tokens.VersionedJWTAuthentication"
