from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from emporium.accounts.managers import UserManager


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
