"""Staff catalog API: catalog managers create and edit products; caches follow at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from emporium.accounts.roles import CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory
from emporium.catalog.cache import get_catalog_version
from emporium.catalog.models import Product, Variant
from emporium.catalog.tests.factories import Shop, make_product
from emporium.core.tests.api_clients import bearer_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.STAFF_MFA_REQUIRED = False


def _staff(role_name: str) -> APIClient:
    user = StaffUserFactory.create()
    user.groups.add(Group.objects.get(name=role_name))
    return bearer_client(user)


@pytest.fixture
def manager() -> APIClient:
    return _staff(CATALOG_MANAGER.name)


def test_catalog_manager_creates_a_product_with_a_variant_then_publishes_it(
    manager, shop: Shop, django_capture_on_commit_callbacks
):
    created = manager.post(
        "/api/v1/staff/products/",
        {"category": "candles-lanterns", "name": "Tin lantern", "slug": "tin-lantern"},
    )
    product_id = created.json()["id"]
    variant = manager.post(
        f"/api/v1/staff/products/{product_id}/variants/",
        {"sku": "TIN-1", "price_amount": "6.50", "stock_on_hand": 4},
    )
    hidden = APIClient().get("/api/v1/products/tin-lantern/")
    version = get_catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        published = manager.patch(f"/api/v1/staff/products/{product_id}/", {"is_published": True})
    shown = APIClient().get("/api/v1/products/tin-lantern/")

    assert created.status_code == 201
    assert created.json()["is_published"] is False
    assert variant.status_code == 201
    assert hidden.status_code == 404
    assert published.json()["is_published"] is True
    assert get_catalog_version() > version  # caches and ETags move on
    assert shown.json()["price"] == {"amount": "6.50", "currency": "GBP"}


def test_price_and_stock_changes_reach_the_product_summary(manager, shop: Shop):
    product = make_product("Lantern", category=shop.candles, price="4.00", stock=0)
    variant = product.variants.get()

    response = manager.patch(
        f"/api/v1/staff/variants/{variant.pk}/", {"price_amount": "3.00", "stock_on_hand": 7}
    )

    product.refresh_from_db()
    assert response.status_code == 200
    assert (product.price_amount, product.is_in_stock) == (Decimal("3.00"), True)


def test_stock_cannot_drop_below_what_orders_hold(manager, shop: Shop):
    product = make_product("Lantern", category=shop.candles, stock=5)
    Variant.objects.filter(product=product).update(stock_allocated=3)
    variant = product.variants.get()

    response = manager.patch(f"/api/v1/staff/variants/{variant.pk}/", {"stock_on_hand": 2})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 5


def test_a_taken_slug_is_a_problem_naming_the_field(manager, shop: Shop):
    make_product("Lantern", category=shop.candles, slug="lantern")

    response = manager.post(
        "/api/v1/staff/products/", {"category": "bags", "name": "Other", "slug": "lantern"}
    )

    assert response.status_code == 400
    assert "slug" in response.json()["errors"]
    assert Product.objects.count() == 1


def test_order_managers_cannot_edit_the_catalog(shop: Shop):
    product = make_product("Lantern", category=shop.candles)

    response = _staff(ORDER_MANAGER.name).patch(f"/api/v1/staff/products/{product.pk}/", {"name": "Hacked"})

    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).name == "Lantern"
