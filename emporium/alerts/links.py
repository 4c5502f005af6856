"""Signed links in alert e-mails: confirming a guest's alert (expires) and unsubscribing (does not)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from emporium.alerts.exceptions import InvalidAlertLink

CONFIRM_SALT = "emporium.alerts.confirm"
UNSUBSCRIBE_SALT = "emporium.alerts.unsubscribe"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7  # a week to open the e-mail


def confirmation_url(*, alert_id: int) -> str:
    token = signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(alert_id))
    return settings.SITE_URL.rstrip("/") + reverse("alerts:confirm", args=[token])


def unsubscribe_url(*, alert_id: int) -> str:
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(alert_id))
    return settings.SITE_URL.rstrip("/") + reverse("alerts:unsubscribe", args=[token])


def read_confirmation_token(token: str) -> int:
    try:
        return int(signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE))
    except (signing.BadSignature, ValueError) as error:
        raise InvalidAlertLink() from error


def read_unsubscribe_token(token: str) -> int:
    try:
        return int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError) as error:
        raise InvalidAlertLink() from error
