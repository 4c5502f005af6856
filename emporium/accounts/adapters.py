"""allauth hooks: how the shop sends mail and treats social logins."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.core.internal.ratelimit import get_ip
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthError
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from emporium.accounts.known_devices import get_known_device_id, remember_known_device
from emporium.accounts.models import User
from emporium.accounts.services import queue_email
from emporium.core.cache import counter_cache
from emporium.core.client_ip import get_client_ip

logger = logging.getLogger(__name__)

# A known device's own failures still pause it (a stolen cookie is no free pass), on a counter
# of its own: neither the address's limit nor anybody else's failures apply to it.
KNOWN_DEVICE_LOGIN_FAILED_RATES = {"login_failed": "5/15m/key"}

FULL_NAME_MAX_LENGTH = 150


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Said the same for every address, known or not, so it gives no account away.
        "too_many_login_attempts": "Too many failed login attempts. Try again in 15 minutes, or reset your password.",
        "email_password_mismatch": "The e-mail address and/or password you specified are not correct.",
    }

    def get_client_ip(self, request: HttpRequest) -> str:
        # The address behind our own proxies only (a forged X-Forwarded-For is ignored).
        return get_client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed logins per account *and address*, not per account alone.

        allauth locks an account after five wrong passwords from anywhere, so anyone who knew a
        customer's e-mail address could keep them out for good. Keyed by address too, a
        stranger locks out only their own address; the per-address limit across accounts
        (ACCOUNT_RATE_LIMITS) still stops one address from trying many accounts.
        """
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """The lock-out rule, for the login page and the API token endpoint alike.

        A device that logged in to this account before (known_devices) is counted on its own;
        any other is counted per account and address, and per address across accounts.
        """
        email = str(credentials.get("email", ""))
        try:
            if device_id := get_known_device_id(request=request, email=email):
                key = f"{super()._get_login_attempts_cache_key(request, **credentials)}:device:{device_id}"
                self._login_failed_rl_usage = ratelimit.consume(
                    request,
                    app="allauth.account",
                    action="login_failed",
                    config=KNOWN_DEVICE_LOGIN_FAILED_RATES,
                    key=key,
                )
                if not self._login_failed_rl_usage:
                    raise self.validation_error("too_many_login_attempts")
            else:
                super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            self._tell_owner_of_lock(request, email=email)
            raise

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post_login(request, user, **kwargs)
        remember_known_device(request=request, response=response, email=user.email)
        return response

    def _tell_owner_of_lock(self, request: HttpRequest, *, email: str) -> None:
        """E-mail the owner once per pause and address, so a real customer learns why, and an
        attack does not go unseen. Nothing is sent for an address without an account."""
        ip = get_ip(request)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            return
        marker = f"login-locked-told:{user.pk}:{ip}"
        if counter_cache.add(marker, True, timeout=15 * 60):
            self.send_mail("account/email/login_locked", user.email, {"email": user.email, "ip": ip})

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now, while the request is at hand for links; send from a Celery worker."""
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                "site_name": settings.SITE_NAME,
                **context,
            },
        )
        queue_email(message=message)


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider whose keys are not set: its URLs exist (the app is installed) but are 404s.

    Still a ``SocialApp.DoesNotExist`` for allauth's own code that expects one."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request: HttpRequest, provider: Any, client_id: str | None = None) -> SocialApp:
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as error:  # an unset GOOGLE_CLIENT_ID made a 500
            raise ProviderNotConfigured(f"{provider} is not configured") from error

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]) -> User:
        user = super().populate_user(request, sociallogin, data)
        # Our user has one name field; providers send "name" or its two halves.
        full_name = data.get("name") or " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        )
        user.full_name = (full_name or "")[:FULL_NAME_MAX_LENGTH]
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: Exception | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        """Send the customer back to the login page with a word on what happened, rather
        than to a page of its own with nowhere to go."""
        if error == AuthError.CANCELLED:
            messages.info(
                request, f"You did not allow {provider.name} to sign you in. Log in another way below."
            )
        else:
            logger.warning("Social login through %s failed: %s %r", provider.id, error, exception)
            messages.error(
                request,
                f"We could not sign you in with {provider.name}. Try again, or log in another way below.",
            )
        raise ImmediateHttpResponse(redirect("account_login"))
