from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
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


@transaction.atomic
def ensure_demo_staff_user() -> DemoCredentials:
    """Create (or reset) the demo superuser that `make run` prints, so a newcomer can log in.

    Its address is marked verified: e-mail verification is mandatory, and nobody reads the
    mailbox of staff@emporium.example. Refused in production: a known password must never
    guard a real shop.
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
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return DemoCredentials(email=user.email, password=DEMO_STAFF_PASSWORD, created=created)
