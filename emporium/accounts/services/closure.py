from __future__ import annotations

import logging
from uuid import uuid4

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from emporium.accounts.models import User
from emporium.accounts.personal_data import registered_holders
from emporium.accounts.services.tokens import revoke_all_refresh_tokens

logger = logging.getLogger(__name__)

# RFC 2606 reserves .invalid: an address there can never receive mail nor belong to anybody.
ANONYMISED_EMAIL_DOMAIN = "deleted.invalid"


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Close a customer's account at their request and erase what identifies them.

    Addresses, e-mail addresses, connected social accounts, authenticators and the name go.
    The user row stays, deactivated, with an unusable password and an address at
    ``deleted.invalid`` that nobody can log in with or reset. Orders stay too, because the
    books must keep every sale: they keep pointing at the anonymised row, so order counts per
    customer still add up, and lose their e-mail address (the orders app's holder of personal
    data does that, emporium.accounts.personal_data, in this transaction). Changing the
    password hash also ends every session the customer still had open elsewhere.
    """
    revoke_all_refresh_tokens(user=user)
    user.addresses.all().delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()  # their tokens go with them
    Authenticator.objects.filter(user=user).delete()
    for holder in registered_holders():  # the apps above accounts: orders lose their e-mail
        holder.erase(user=user)
    user.email = f"deleted-{uuid4().hex}@{ANONYMISED_EMAIL_DOMAIN}"
    user.full_name = ""
    user.external_ref = None
    user.last_login = None
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    logger.info("Closed the account of user %s at their request", user.pk)
