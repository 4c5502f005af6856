"""Staff roles: groups created by a data migration, their permissions kept in step with the apps."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from emporium.accounts.roles import STAFF_ROLES, sync_staff_groups
from emporium.accounts.tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def _codenames(group_name: str) -> set[tuple[str, str]]:
    return set(
        Group.objects.get(name=group_name).permissions.values_list("content_type__app_label", "codename")
    )


def test_migrations_created_the_three_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {role.name for role in STAFF_ROLES}


def test_catalog_manager_manages_the_catalog_and_nothing_else():
    permissions = _codenames("Catalog manager")

    assert {
        ("catalog", "add_product"),
        ("catalog", "change_product"),
        ("catalog", "delete_product"),
    } <= permissions
    assert {app for app, _ in permissions} == {"catalog"}


def test_order_manager_manages_orders_and_their_returns_and_nothing_else():
    permissions = _codenames("Order manager")

    assert {
        ("orders", "change_order"),
        ("orders", "view_orderline"),
        ("returns", "change_return"),
    } <= permissions
    assert {app for app, _ in permissions} == {"orders", "returns"}


def test_analyst_only_views():
    permissions = _codenames("Analyst")

    assert {("catalog", "view_product"), ("orders", "view_order")} <= permissions
    assert all(codename.startswith("view_") for _, codename in permissions)


def test_a_member_gets_the_roles_permissions():
    manager = StaffUserFactory.create()
    manager.groups.add(Group.objects.get(name="Order manager"))

    assert manager.has_perm("orders.change_order")
    assert not manager.has_perm("catalog.change_product")
    assert not manager.has_perm("accounts.view_user")  # customers' accounts are no role's business


def test_a_permission_added_to_a_covered_app_reaches_the_roles_on_the_next_sync():
    content_type = ContentType.objects.get(app_label="catalog", model="product")
    Permission.objects.create(codename="view_margins", name="Can view margins", content_type=content_type)

    sync_staff_groups()

    assert ("catalog", "view_margins") in _codenames("Analyst")
    assert ("catalog", "view_margins") in _codenames("Catalog manager")


def test_a_migrate_gives_the_roles_every_permission_it_creates_syncing_once(monkeypatch):
    from django.core.management.sql import emit_post_migrate_signal

    from emporium.accounts import signals

    # What a migrate (or a transactional test's flush) meets: a covered app's permission gone.
    Permission.objects.filter(content_type__app_label="returns").delete()
    assert not [label for label, _ in _codenames("Order manager") if label == "returns"]
    syncs: list[None] = []

    def counted_sync() -> None:
        syncs.append(None)
        sync_staff_groups()

    monkeypatch.setattr(signals, "sync_staff_groups", counted_sync)

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert ("returns", "change_return") in _codenames("Order manager")
    assert len(syncs) == 1, "once, after the last covered app's permissions exist"
