"""Sign-up and e-mail verification for API clients, through allauth like the sign-up page.

The checks are the page's: allauth's sign-up form (password validators, unique address),
its per-IP sign-up limit, and no account enumeration: signing up with an address that has an
account answers exactly like a new sign-up, and the owner gets an e-mail saying so.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.account.internal.flows.email_verification import send_verification_email_to_address
from allauth.account.models import EmailAddress, get_emailconfirmation_model
from allauth.core.ratelimit import consume
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from emporium.accounts.exceptions import InvalidVerificationKey, TooManySignups
from emporium.accounts.models import User

# The sign-up form's field names, as the API names them.
_FIELD_NAMES = {"password1": "password", "password2": "password"}


def register_customer(*, request: HttpRequest, email: str, password: str, full_name: str = "") -> User | None:
    """Create an unverified account and e-mail its verification link.

    Returns None when the address already has an account (its owner is told by e-mail); the
    caller must answer the same either way.
    """
    if not consume(request, action="signup"):
        raise TooManySignups()
    form = SignupForm(
        data={"email": email, "password1": password, "password2": password, "full_name": full_name}
    )
    if not form.is_valid():
        errors: dict[str, list[str]] = {}
        for field, messages in form.errors.items():
            errors.setdefault(_FIELD_NAMES.get(field, field), []).extend(messages)
        raise ValidationError({field: list(dict.fromkeys(messages)) for field, messages in errors.items()})
    user, _ = form.try_save(request)
    if user is None:
        return None
    address = EmailAddress.objects.get_for_user(user, email)
    send_verification_email_to_address(request, address, signup=True)
    assert isinstance(user, User)
    return user


def verify_email_with_key(*, request: HttpRequest, key: str) -> EmailAddress:
    """Confirm an address with the key from its verification e-mail. Does not log anybody in:
    the client asks for tokens next, with the password."""
    confirmation = get_emailconfirmation_model().from_key(key)
    if confirmation is None:
        raise InvalidVerificationKey()
    address = confirmation.confirm(request)
    if not address:
        raise InvalidVerificationKey()
    return address
