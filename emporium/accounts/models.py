from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from emporium.accounts.countries import list_country_choices
from emporium.accounts.managers import UserManager
from emporium.core.models import TimeStampedModel


class User(AbstractBaseUser, PermissionsMixin):
    """A customer or a member of staff, who logs in by e-mail.

    Custom from the first migration because Django cannot swap the user model later.
    """

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Designates whether the user can log into the staff admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Where the customer came from outside this shop (e.g. "online-retail:17850"): makes
    # imports idempotent. Null for customers who signed up here.
    external_ref = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # API access tokens carry the version they were issued under; logging out or changing the
    # password bumps it, and every access token issued before stops working at once.
    # db_default too: the data generator COPYs users in without naming this column.
    token_version = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,24}$",
    "Enter a phone number of digits, spaces and brackets, optionally starting with +.",
)


# An address's own fields, in the order forms show them. Orders keep a copy of an address as a
# plain dict of these (never a link), so editing the address book never rewrites an order.
ADDRESS_FIELDS = ("full_name", "company", "line1", "line2", "city", "region", "postcode", "country", "phone")


class Address(TimeStampedModel):
    """An entry in a customer's address book, for shipping and billing.

    Orders will copy the address they ship to, so editing or deleting an entry here never
    rewrites where a past order went.
    """

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses")
    full_name = models.CharField(max_length=150)
    company = models.CharField(max_length=150, blank=True)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField("town or city", max_length=100)
    region = models.CharField("county, state or region", max_length=100, blank=True)
    postcode = models.CharField(max_length=20)
    # A callable keeps the 250 codes out of every migration and follows Babel's data.
    country = models.CharField(max_length=2, choices=list_country_choices)
    phone = models.CharField(max_length=32, blank=True, validators=[phone_validator])
    is_default_shipping = models.BooleanField("default shipping address", default=False)
    is_default_billing = models.BooleanField("default billing address", default=False)

    # What a customer may edit, in form order: the address form and the API share it.
    EDITABLE_FIELDS: ClassVar[tuple[str, ...]] = (
        "full_name", "company", "line1", "line2", "city", "region",
        "postcode", "country", "phone", "is_default_shipping", "is_default_billing",
    )  # fmt: skip

    class Meta:
        verbose_name_plural = "addresses"
        ordering: ClassVar[list[str]] = ["-is_default_shipping", "-is_default_billing", "pk"]
        constraints = [
            # At most one default of each kind per customer, whatever the code above it does.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default_shipping=True),
                name="accounts_address_one_default_shipping",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(is_default_billing=True),
                name="accounts_address_one_default_billing",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.full_name, self.line1, self.city, self.postcode) if part)
