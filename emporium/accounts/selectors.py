"""Reads on accounts. Every lookup by id is scoped to its owner: a guessed id of somebody
else's row finds nothing (404) rather than a row the caller may not see."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from emporium.accounts.models import Address, User
from emporium.accounts.personal_data import registered_holders


def list_addresses_for_customer(*, customer: User) -> QuerySet[Address]:
    return Address.objects.filter(customer=customer).order_by(
        "-is_default_shipping", "-is_default_billing", "pk"
    )


def get_address_for_customer(*, customer: User, address_id: int) -> Address:
    return get_object_or_404(Address, pk=address_id, customer=customer)


def has_totp_authenticator(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def get_personal_data(*, user: User) -> dict[str, Any]:
    """Everything the shop holds about one customer, for "download my data" (GDPR Art. 15 and 20).

    Accounts' own sections come first, then each registered holder's (the orders: see
    emporium.accounts.personal_data). Secrets are left out: password hashes, authenticator seeds and recovery codes describe how
    the customer proves who they are, not the customer, and a leaked export must not hand them over.
    """
    data: dict[str, Any] = {
        "exported_at": timezone.now(),
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "addresses": [
            {
                "full_name": address.full_name,
                "company": address.company,
                "line1": address.line1,
                "line2": address.line2,
                "city": address.city,
                "region": address.region,
                "postcode": address.postcode,
                "country": address.country,
                "phone": address.phone,
                "is_default_shipping": address.is_default_shipping,
                "is_default_billing": address.is_default_billing,
            }
            for address in list_addresses_for_customer(customer=user)
        ],
        "connected_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": account.date_joined,
                "last_login": account.last_login,
                "data_from_provider": account.extra_data,
            }
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_authentication": [
            {
                "type": authenticator.type,
                "created_at": authenticator.created_at,
                "last_used_at": authenticator.last_used_at,
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
    }
    # Then what the apps above accounts hold, which accounts cannot import.
    for holder in registered_holders():
        sections = holder.export(user=user)
        if clash := sections.keys() & data.keys():
            raise ImproperlyConfigured(f"Personal data sections exported twice: {sorted(clash)}")
        data |= sections
    return data
