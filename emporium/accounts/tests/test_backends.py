"""Permissions read in one query (emporium.accounts.backends), the same as Django's ModelBackend."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from emporium.accounts.backends import PermissionsInOneQueryBackend
from emporium.accounts.models import User
from emporium.accounts.roles import ANALYST, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions remembered yet, as at a request's start


def _staff_with_roles_and_a_permission_of_their_own() -> User:
    staff = StaffUserFactory.create(roles=[ANALYST, ORDER_MANAGER])
    staff.user_permissions.add(Permission.objects.get(codename="change_product"))
    return staff


def test_a_staff_members_roles_and_own_permissions_come_in_one_query(django_assert_num_queries):
    staff = _fresh(_staff_with_roles_and_a_permission_of_their_own())

    with django_assert_num_queries(1):
        assert staff.has_perms(["orders.change_order", "catalog.view_product", "catalog.change_product"])
        assert not staff.has_perm("catalog.delete_product")  # asked of every backend, from the one read
        assert not staff.has_perm("webhooks.view_webhookendpoint")


@pytest.mark.parametrize(
    "make_user",
    [
        _staff_with_roles_and_a_permission_of_their_own,
        lambda: StaffUserFactory.create(roles=[ANALYST]),
        lambda: StaffUserFactory.create(is_superuser=True),
        lambda: StaffUserFactory.create(roles=[ORDER_MANAGER], is_active=False),
        UserFactory.create,
    ],
    ids=["roles and own", "one role", "superuser", "inactive", "customer"],
)
def test_the_permissions_are_those_django_reads_in_two_queries(make_user):
    user = make_user()

    assert PermissionsInOneQueryBackend().get_all_permissions(
        _fresh(user)
    ) == ModelBackend().get_all_permissions(_fresh(user))


def test_a_permission_taken_from_a_role_is_gone_on_the_next_request():
    staff = StaffUserFactory.create(roles=[ANALYST])
    assert _fresh(staff).has_perm("orders.view_order")

    Group.objects.get(name=ANALYST.name).permissions.remove(Permission.objects.get(codename="view_order"))

    assert not _fresh(staff).has_perm("orders.view_order")


def test_it_never_logs_anybody_in():
    customer = UserFactory.create()
    backend = PermissionsInOneQueryBackend()

    found = backend.authenticate(None, username=customer.email, password="correct-horse-battery")  # type: ignore[func-returns-value]

    assert found is None
    assert (
        authenticate(None, email=customer.email, password="correct-horse-battery") == customer
    )  # the others do
