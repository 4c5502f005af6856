"""Receivers, connected in AccountsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest

from emporium.accounts.models import User
from emporium.accounts.roles import STAFF_ROLES, sync_staff_groups
from emporium.accounts.services import revoke_all_refresh_tokens

_ROLE_APP_LABELS = frozenset(label for role in STAFF_ROLES for label in role.app_labels)


def revoke_api_tokens_on_password_change(
    sender: type[User], request: HttpRequest, user: User, **kwargs: Any
) -> None:
    """A new password must lock out whoever had the old one, API clients included."""
    revoke_all_refresh_tokens(user=user)


def sync_staff_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Django creates an app's permissions on its own post_migrate signal, just before this
    # runs for the same app; syncing then lets new models' permissions reach the roles.
    if sender.label in _ROLE_APP_LABELS:
        sync_staff_groups()
