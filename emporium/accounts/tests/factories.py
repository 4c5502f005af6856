from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from emporium.accounts.models import Address, User
from emporium.accounts.roles import StaffRole


class UserFactory(DjangoModelFactory[User]):
    """A customer who can log in: a password and a verified, primary e-mail address.

    `UserFactory(email_address__verified=False)` makes one who never clicked the link.
    """

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password("correct-horse-battery")
    email_address = factory.RelatedFactory(
        "emporium.accounts.tests.factories.EmailAddressFactory",
        factory_related_name="user",
        email=factory.SelfAttribute("..email"),
    )


class StaffUserFactory(UserFactory):
    """A staff member; ``StaffUserFactory(roles=[ANALYST])`` puts them in those roles' groups."""

    email = factory.Sequence(lambda n: f"staff{n}@emporium.example")
    is_staff = True

    @factory.post_generation
    def roles(self, create: bool, extracted: Iterable[StaffRole] | None, **kwargs: object) -> None:
        if create and extracted:
            names = [role.name for role in extracted]
            groups = list(Group.objects.filter(name__in=names))
            assert len(groups) == len(names), f"no group for some of {names}: are the roles seeded?"
            cast(User, self).groups.add(*groups)  # factory-boy passes the user made


class EmailAddressFactory(DjangoModelFactory[EmailAddress]):
    class Meta:
        model = EmailAddress
        django_get_or_create = ("user", "email")

    user = factory.SubFactory(UserFactory, email_address=None)
    email = factory.LazyAttribute(lambda address: address.user.email)
    verified = True
    primary = True


class AddressFactory(DjangoModelFactory[Address]):
    class Meta:
        model = Address

    customer = factory.SubFactory(UserFactory)
    full_name = factory.LazyAttribute(lambda address: address.customer.full_name or "Ann Customer")
    line1 = factory.Sequence(lambda n: f"{n + 1} High Street")
    city = "Bristol"
    postcode = "BS1 4DJ"
    country = "GB"


class SocialAccountFactory(DjangoModelFactory[SocialAccount]):
    class Meta:
        model = SocialAccount

    user = factory.SubFactory(UserFactory)
    provider = "github"
    uid = factory.Sequence(str)
    extra_data = factory.LazyAttribute(lambda account: {"login": "octocat", "email": account.user.email})


def activate_totp(*, user: User, secret: str | None = None) -> str:
    """Turn on an authenticator app for the user, as allauth's enrolment page does; returns the secret."""
    secret = secret or generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def activate_recovery_codes(*, user: User) -> list[str]:
    return RecoveryCodes.activate(user).get_unused_codes()
