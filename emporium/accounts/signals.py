"""Receivers, connected in AccountsConfig.ready()."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import AppConfig, apps
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
    # Django sends post_migrate once per app, in INSTALLED_APPS order, and creates each app's
    # permissions on it just before this runs for the same app. Once the last app a role covers
    # has had its turn, every permission a role names exists: syncing then (not after each of
    # them, ten times over, on every migrate and every transactional test's flush) lets new
    # models' permissions reach the roles.
    if sender.label == _last_role_app():
        sync_staff_groups()


@cache
def _last_role_app() -> str:
    return [config.label for config in apps.get_app_configs() if config.label in _ROLE_APP_LABELS][-1]
