"""Permissions in one query: a backend that answers what a user may do, not who they are.

Every staff request (the admin, the staff and analytics API) asks whether the user holds some
permission. Django's ``ModelBackend`` answers from the permissions given to the user and those
of their groups, read in two queries the first time per request; staff hold theirs through the
roles' groups (emporium.accounts.roles), so both are read every time. This backend, listed
first, reads them in one and leaves them where ``ModelBackend`` keeps them for the request
(``user._perm_cache``), so the backends after it ask nothing more.

It never authenticates: logging in stays with ``ModelBackend`` and allauth's backend, whose
names the sessions of logged-in users carry (a session naming a backend no longer listed
would be logged out).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.http import HttpRequest


class PermissionsInOneQueryBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = (
                Permission.objects.all()
                if user_obj.is_superuser
                else Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            )
            rows = permissions.values_list("content_type__app_label", "codename").order_by().distinct()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
