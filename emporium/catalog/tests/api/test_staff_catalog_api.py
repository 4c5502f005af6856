"""Staff catalog API: catalog managers create and edit products; caches follow at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER, ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.cache import get_catalog_version
from emporium.catalog.models import Product, Variant
from emporium.catalog.tests.factories import Shop, VariantFactory, make_product
from emporium.core.tests.api_clients import bearer_client, staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]


@pytest.fixture
def manager() -> APIClient:
    return staff_client(CATALOG_MANAGER)


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
    assert response.json()["errors"] == {
        "stock_on_hand": ["Orders hold 3 of these: there cannot be fewer in stock."]
    }
    assert Variant.objects.get(pk=variant.pk).stock_on_hand == 5


@pytest.mark.parametrize(
    "attributes", [{"colour": "re\u0000d"}, {"col\u0000our": "red"}, {"sizes": [["S\u0000"]]}]
)
def test_a_null_character_in_the_attributes_is_a_problem_naming_them(manager, shop: Shop, attributes):
    """PostgreSQL cannot store one in JSON: without the check it was a 500 there (and stored on SQLite)."""
    product = make_product("Lantern", category=shop.candles, attributes={"colour": "red"})

    response = manager.patch(f"/api/v1/staff/products/{product.pk}/", {"attributes": attributes})

    assert (response.status_code, list(response.json()["errors"])) == (400, ["attributes"])
    assert Product.objects.get(pk=product.pk).attributes == {"colour": "red"}


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

    response = staff_client(ORDER_MANAGER).patch(f"/api/v1/staff/products/{product.pk}/", {"name": "Hacked"})

    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).name == "Lantern"


# --- The staff product list ----------------------------------------------------------------------

LIST = "/api/v1/staff/products/"


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [product["slug"] for product in response.json()["results"]]


def test_the_staff_list_shows_every_product_newest_first_published_or_not(manager, shop: Shop):
    older = make_product("Lantern", category=shop.candles, slug="lantern")
    hidden = make_product("Clock", category=shop.clocks, slug="clock", is_published=False)

    body = manager.get(LIST).json()

    assert [product["slug"] for product in body["results"]] == [hidden.slug, older.slug]
    assert body["results"][0] == {
        "id": hidden.pk,
        "slug": "clock",
        "name": "Clock",
        "category": "clocks",
        "is_published": False,
        "price_amount": "2.95",
        "currency": "GBP",
        "is_in_stock": True,
        "units_sold": 0,
        "updated_at": body["results"][0]["updated_at"],
    }


def test_the_staff_list_is_cursor_paginated(manager, shop: Shop):
    products = [make_product(f"Lantern {n}", category=shop.candles) for n in range(5)]

    first = manager.get(LIST, {"page_size": 2}).json()
    second = manager.get(first["next"]).json()
    third = manager.get(second["next"]).json()

    seen = [p["slug"] for page in (first, second, third) for p in page["results"]]
    assert seen == [product.slug for product in reversed(products)]
    assert third["next"] is None


def test_the_staff_list_filters_by_publication(manager, shop: Shop):
    make_product("Shown", category=shop.candles, slug="shown")
    make_product("Hidden", category=shop.candles, slug="hidden", is_published=False)

    assert _slugs(manager.get(LIST, {"published": "true"})) == ["shown"]
    assert _slugs(manager.get(LIST, {"published": "false"})) == ["hidden"]


def test_the_staff_list_filters_by_category_and_the_ones_below_it(manager, shop: Shop):
    make_product("Lantern", category=shop.candles, slug="lantern")
    make_product("Clock", category=shop.clocks, slug="clock")
    make_product("Tote", category=shop.bags, slug="tote")

    assert _slugs(manager.get(LIST, {"category": "home"})) == ["clock", "lantern"]
    assert _slugs(manager.get(LIST, {"category": "bags"})) == ["tote"]


def test_an_unknown_category_filter_is_a_problem_naming_it(manager, shop: Shop):
    response = manager.get(LIST, {"category": "no-such-thing"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["category"]


def test_a_category_with_a_null_character_is_a_problem_not_a_server_error(manager, shop: Shop):
    """PostgreSQL refuses NUL in text: looking the slug up was a 500 there."""
    listed = manager.get(LIST, {"category": "bags\u0000"})
    created = manager.post(LIST, {"category": "bags\u0000", "name": "Tote", "slug": "tote"})

    assert (listed.status_code, list(listed.json()["errors"])) == (400, ["category"])
    assert (created.status_code, list(created.json()["errors"])) == (400, ["category"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("brass", ["brass-wall-clock", "brass-lantern"]),  # a word of the name
        ("brass LANTERN", ["brass-lantern"]),  # every word, any case
        ("wall-clock", ["brass-wall-clock"]),  # part of the slug
        ("tl-0042", ["tin-lantern"]),  # a SKU, exactly
        ("tl-004", []),  # not part of a SKU
    ],
)
def test_the_staff_list_searches_names_slugs_and_skus(manager, shop: Shop, query, expected):
    make_product("Brass lantern", category=shop.candles, slug="brass-lantern")
    tin = make_product("Tin lantern", category=shop.candles, slug="tin-lantern")
    VariantFactory.create(product=tin, sku="TL-0042")
    make_product("Brass wall clock", category=shop.clocks, slug="brass-wall-clock")

    assert _slugs(manager.get(LIST, {"q": query})) == expected


@pytest.mark.parametrize("page_size", [2, 20])
def test_the_staff_list_runs_a_fixed_number_of_queries(
    manager, shop: Shop, page_size, django_assert_num_queries
):
    for n in range(25):
        make_product(f"Lantern {n}", category=shop.candles, is_published=n % 2 == 0)

    # the token's user, their permissions (own and groups', one query), the category filter, one page
    with django_assert_num_queries(4):
        response = manager.get(LIST, {"page_size": page_size, "q": "lantern", "category": "home"})

    assert len(response.json()["results"]) == page_size


# --- Who may do what ---------------------------------------------------------------------------------


def _staff_with_permissions(*codenames: str) -> APIClient:
    """A member of staff in a shop's own group holding just these catalog permissions."""
    group = Group.objects.create(name=f"Catalog helpers: {', '.join(codenames) or 'none'}")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
    )
    user = StaffUserFactory.create()
    user.groups.add(group)
    return bearer_client(user)


def test_adding_a_variant_needs_the_add_variant_permission(shop: Shop):
    product = make_product("Lantern", category=shop.candles)
    first_sku = product.variants.get().sku
    editors = ("view_product", "add_product", "change_product", "change_variant")
    url = f"/api/v1/staff/products/{product.pk}/variants/"

    refused = _staff_with_permissions(*editors).post(url, {"sku": "LAN-2", "price_amount": "3.00"})
    added = _staff_with_permissions(*editors, "add_variant").post(
        url, {"sku": "LAN-3", "price_amount": "3.00"}
    )

    assert refused.status_code == 403
    assert added.status_code == 201
    assert set(product.variants.values_list("sku", flat=True)) == {first_sku, "LAN-3"}


@pytest.mark.parametrize(
    ("codenames", "method", "url", "body", "status"),
    [
        (("view_product",), "get", "products/{product}/", None, 200),
        (("view_product",), "get", "products/", None, 200),
        (("view_product",), "post", "products/", {"category": "bags", "name": "N", "slug": "n"}, 403),
        (
            ("view_product", "add_product"),
            "post",
            "products/",
            {"category": "bags", "name": "N", "slug": "n"},
            201,
        ),
        (("view_product",), "patch", "products/{product}/", {"name": "Renamed"}, 403),
        (("view_product", "change_product"), "patch", "products/{product}/", {"name": "Renamed"}, 200),
        (("view_product", "change_product"), "patch", "variants/{variant}/", {"price_amount": "1.00"}, 403),
        (("view_product", "change_variant"), "patch", "variants/{variant}/", {"price_amount": "1.00"}, 200),
        ((), "get", "products/", None, 403),
    ],
)
def test_each_staff_catalog_action_needs_its_own_permission(shop: Shop, codenames, method, url, body, status):
    product = make_product("Lantern", category=shop.candles)
    client = _staff_with_permissions(*codenames)
    path = "/api/v1/staff/" + url.format(product=product.pk, variant=product.variants.get().pk)

    response = getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)

    assert response.status_code == status


def test_analysts_read_the_catalog_but_do_not_change_it(shop: Shop):
    product = make_product("Lantern", category=shop.candles)
    analyst = staff_client(ANALYST)

    listed = analyst.get(LIST)
    read = analyst.get(f"/api/v1/staff/products/{product.pk}/")
    renamed = analyst.patch(f"/api/v1/staff/products/{product.pk}/", {"name": "Hacked"})

    assert (listed.status_code, read.status_code, renamed.status_code) == (200, 200, 403)


def test_customers_and_order_managers_do_not_list_the_catalog(shop: Shop):
    assert bearer_client(UserFactory.create()).get(LIST).status_code == 403
    assert staff_client(ORDER_MANAGER).get(LIST).status_code == 403
    assert APIClient().get(LIST).status_code == 401


def test_a_method_the_view_does_not_answer_is_405_for_staff(manager, shop: Shop):
    product = make_product("Lantern", category=shop.candles)

    response = manager.delete(f"/api/v1/staff/products/{product.pk}/")

    assert response.status_code == 405
