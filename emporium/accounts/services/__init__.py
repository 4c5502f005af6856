"""Writes on accounts: one module per concept, the public names gathered here."""

from emporium.accounts.services.addresses import AddressFields, create_address, delete_address, update_address
from emporium.accounts.services.closure import ANONYMISED_EMAIL_DOMAIN, delete_account
from emporium.accounts.services.demo import (
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    DemoCredentials,
    ensure_demo_staff_user,
)
from emporium.accounts.services.emails import queue_email, send_email
from emporium.accounts.services.profile import update_profile
from emporium.accounts.services.registration import register_customer, verify_email_with_key
from emporium.accounts.services.sessions import clear_expired_sessions
from emporium.accounts.services.tokens import (
    TokenPair,
    flush_expired_tokens,
    obtain_token_pair,
    revoke_all_refresh_tokens,
    revoke_refresh_token,
)

__all__ = [
    "ANONYMISED_EMAIL_DOMAIN",
    "DEMO_STAFF_EMAIL",
    "DEMO_STAFF_PASSWORD",
    "AddressFields",
    "DemoCredentials",
    "TokenPair",
    "clear_expired_sessions",
    "create_address",
    "delete_account",
    "delete_address",
    "ensure_demo_staff_user",
    "flush_expired_tokens",
    "obtain_token_pair",
    "queue_email",
    "register_customer",
    "revoke_all_refresh_tokens",
    "revoke_refresh_token",
    "send_email",
    "update_address",
    "update_profile",
    "verify_email_with_key",
]
