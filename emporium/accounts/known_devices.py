"""Known devices: a browser or API client that has logged in to an account before.

Failed logins are counted per account and address (adapters.AccountAdapter), so a stranger
elsewhere cannot lock a customer out. A stranger behind the *same* address (a shared office
or mobile-carrier NAT, a café's Wi-Fi) still could. A device that logged in to the account
before carries a signed, long-lived cookie naming it; the lock-out rule then counts that
device's failures on a counter of its own, which nobody else's failures touch.

The cookie holds a random device id and, per account, a keyed hash of the account's e-mail
address (no address or user id in clear). It is signed with SECRET_KEY, so it cannot be
forged or moved to another account; a stolen one still gets only its own five tries per
15 minutes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.crypto import salted_hmac

COOKIE_NAME = "emporium_device"
_SALT = "emporium.accounts.known-device"
MAX_AGE_SECONDS = 365 * 24 * 60 * 60
MAX_ACCOUNTS_PER_DEVICE = 5  # a family computer; more than this and the oldest is forgotten


@dataclass(frozen=True)
class KnownDevice:
    device_id: str
    accounts: tuple[str, ...]  # keyed hashes of e-mail addresses, most recent first

    def knows(self, *, email: str) -> bool:
        return _account_marker(email) in self.accounts


def _account_marker(email: str) -> str:
    return salted_hmac(_SALT, email.strip().lower()).hexdigest()[:20]


def read_known_device(request: HttpRequest) -> KnownDevice | None:
    """The device the request's cookie names, or None when it has none or it was tampered with."""
    value = request.get_signed_cookie(COOKIE_NAME, default=None, salt=_SALT, max_age=MAX_AGE_SECONDS)
    if not value or "|" not in value:
        return None
    device_id, _, accounts = value.partition("|")
    return KnownDevice(device_id=device_id, accounts=tuple(filter(None, accounts.split(","))))


def get_known_device_id(*, request: HttpRequest, email: str) -> str | None:
    """The id of this device if it has logged in to the account with this e-mail address before."""
    device = read_known_device(request)
    if device is None or not device.knows(email=email):
        return None
    return device.device_id


def remember_known_device(*, request: HttpRequest, response: HttpResponseBase, email: str) -> None:
    """Called after a successful login: mark the device as known for this account."""
    device = read_known_device(request) or KnownDevice(device_id=secrets.token_urlsafe(16), accounts=())
    marker = _account_marker(email)
    accounts = (marker, *(account for account in device.accounts if account != marker))
    response.set_signed_cookie(
        COOKIE_NAME,
        f"{device.device_id}|{','.join(accounts[:MAX_ACCOUNTS_PER_DEVICE])}",
        salt=_SALT,
        max_age=MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
