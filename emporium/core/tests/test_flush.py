"""The transactional tests' faster teardown (emporium/core/tests/flush.py) leaves what Django's does."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.test import TransactionTestCase

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import ProductFactory


def _reference_state() -> dict[str, set[tuple[str, ...]]]:
    """The rows post_migrate writes, by what they are rather than by id."""
    return {
        "content types": set(ContentType.objects.values_list("app_label", "model")),
        "permissions": set(Permission.objects.values_list("content_type__app_label", "codename")),
        "sites": set(Site.objects.values_list("domain", "name")),
        "role groups": set(Group.objects.values_list("name", "permissions__codename")),
    }


@pytest.mark.django_db(transaction=True)
def test_the_teardown_empties_the_shop_and_leaves_what_post_migrate_writes():
    call_command("flush", verbosity=0, interactive=False)  # Django's own: empty, then post_migrate
    expected = _reference_state()
    assert all(expected.values()), expected
    for _ in range(2):  # the first teardown of a run keeps the rows, later ones put them back
        ProductFactory.create()
        UserFactory.create()
        Group.objects.get(name="Analyst").permissions.clear()

        TransactionTestCase()._fixture_teardown()  # type: ignore[attr-defined]  # what pytest-django calls

        assert not Product.objects.exists()
        assert not UserFactory._meta.model.objects.exists()
        assert _reference_state() == expected
