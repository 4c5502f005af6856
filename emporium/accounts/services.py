"""Writes on accounts and sessions."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from emporium.accounts.models import User

DEMO_STAFF_EMAIL = "staff@emporium.example"
DEMO_STAFF_PASSWORD = "emporium-demo"


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    created: bool


def clear_expired_sessions() -> None:
    """Delete sessions past their expiry date.

    Sessions live in the database in both modes (Redis only caches them), so they pile up
    unless something removes them; Celery beat runs this nightly.
    """
    engine = import_module(settings.SESSION_ENGINE)
    session_store: type[SessionBase] = engine.SessionStore
    session_store.clear_expired()


@transaction.atomic
def ensure_demo_staff_user() -> DemoCredentials:
    """Create (or reset) the demo superuser that `make run` prints, so a newcomer can log in.

    Refused in production: a known password must never guard a real shop.
    """
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("The demo staff account is never created in production.")
    user = User.objects.filter(email__iexact=DEMO_STAFF_EMAIL).first()
    created = user is None
    if user is None:
        user = User.objects.create_superuser(email=DEMO_STAFF_EMAIL, password=DEMO_STAFF_PASSWORD)
    elif not user.check_password(DEMO_STAFF_PASSWORD) or not (user.is_staff and user.is_superuser):
        user.set_password(DEMO_STAFF_PASSWORD)
        user.is_staff = user.is_superuser = user.is_active = True
        user.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
    return DemoCredentials(email=user.email, password=DEMO_STAFF_PASSWORD, created=created)
