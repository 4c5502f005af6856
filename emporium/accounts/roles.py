"""Staff roles: Django groups whose permissions follow from the rules below.

The rules are the source of truth. A data migration creates the groups, and after every
``migrate`` their permissions are set again from the rules, so a model added to the catalog
or orders app later reaches the right groups without a migration of its own. A shop that
wants a different role makes a group of its own in the admin rather than editing these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.models import Q

CRUD = ("add", "change", "delete", "view")


@dataclass(frozen=True)
class StaffRole:
    name: str
    app_labels: tuple[str, ...]
    actions: tuple[str, ...]


CATALOG_MANAGER = StaffRole("Catalog manager", app_labels=("catalog",), actions=CRUD)
ORDER_MANAGER = StaffRole("Order manager", app_labels=("orders", "returns"), actions=CRUD)
ANALYST = StaffRole("Analyst", app_labels=("catalog", "orders"), actions=("view",))
# Webhook endpoints carry signing secrets and send the shop's events elsewhere: a role of its own.
INTEGRATION_MANAGER = StaffRole("Integration manager", app_labels=("webhooks",), actions=CRUD)
STAFF_ROLES = (CATALOG_MANAGER, ORDER_MANAGER, ANALYST, INTEGRATION_MANAGER)


def sync_staff_groups(*, apps: Apps = global_apps) -> None:
    """Create the role groups and give each exactly the permissions its rule names.

    Takes the app registry so that the data migration can pass its historical one.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in STAFF_ROLES:
        group, _ = group_model.objects.get_or_create(name=role.name)
        by_action = Q()
        for action in role.actions:
            by_action |= Q(codename__startswith=f"{action}_")
        permissions = permission_model.objects.filter(by_action, content_type__app_label__in=role.app_labels)
        group.permissions.set(permissions)
