"""Staff catalog API with product types: typed values checked, refusals name the field."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from emporium.accounts.roles import ANALYST, CATALOG_MANAGER
from emporium.catalog.tests.factories import Shop, make_clothing_type, make_product_with_variants
from emporium.core.tests.api_clients import staff_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_without_two_factors")]


@pytest.fixture
def manager() -> APIClient:
    return staff_client(CATALOG_MANAGER)


def test_a_typed_product_and_its_variants_are_stored_normalised(manager, shop: Shop):
    make_clothing_type("T-shirt")
    created = manager.post(
        "/api/v1/staff/products/",
        {
            "category": "bags",
            "product_type": "t-shirt",
            "name": "Tee",
            "slug": "tee",
            "attributes": {"weight": "180", "material": "cotton"},
        },
        format="json",
    )
    product_id = created.json()["id"]
    variant = manager.post(
        f"/api/v1/staff/products/{product_id}/variants/",
        {"sku": "TEE-RED-M", "price_amount": "12.00", "options": {"colour": "Red", "size": "m"}},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["product_type"] == "t-shirt"
    assert created.json()["attributes"] == {"material": "cotton", "weight": 180}
    assert (variant.status_code, variant.json()["options"]) == (201, {"colour": "red", "size": "m"})


def test_a_wrong_typed_attribute_is_a_problem_naming_the_field(manager, shop: Shop):
    make_clothing_type("T-shirt")

    response = manager.post(
        "/api/v1/staff/products/",
        {
            "category": "bags",
            "product_type": "t-shirt",
            "name": "Tee",
            "slug": "tee",
            "attributes": {"weight": "x"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"attributes": ["weight: needs a number."]}


def test_twin_options_are_a_problem_naming_the_options(manager, shop: Shop):
    product = make_product_with_variants(
        "Tee", product_type=make_clothing_type(), options=[{"colour": "red", "size": "m"}], category=shop.bags
    )

    response = manager.post(
        f"/api/v1/staff/products/{product.pk}/variants/",
        {"sku": "TWIN", "price_amount": "1.00", "options": {"colour": "red", "size": "m"}},
        format="json",
    )

    assert (response.status_code, list(response.json()["errors"])) == (400, ["options"])


def test_changing_a_variant_s_options_is_checked_too(manager, shop: Shop):
    product = make_product_with_variants(
        "Tee",
        product_type=make_clothing_type(),
        options=[{"colour": "red", "size": "m"}, {"colour": "blue", "size": "m"}],
        category=shop.bags,
    )
    blue = product.variants.get(options__colour="blue")

    response = manager.patch(
        f"/api/v1/staff/variants/{blue.pk}/", {"options": {"colour": "red", "size": "m"}}, format="json"
    )
    moved = manager.patch(
        f"/api/v1/staff/variants/{blue.pk}/", {"options": {"colour": "pink", "size": "l"}}, format="json"
    )

    assert (response.status_code, list(response.json()["errors"])) == (400, ["options"])
    assert moved.json()["options"] == {"colour": "pink", "size": "l"}


def test_product_types_list_their_attributes_and_allowed_values(shop: Shop):
    make_clothing_type("T-shirt")

    response = staff_client(ANALYST).get("/api/v1/staff/product-types/")

    assert response.status_code == 200
    [tee] = response.json()
    assert (tee["slug"], [a["code"] for a in tee["attributes"]]) == (
        "t-shirt",
        ["colour", "size", "material", "weight"],
    )
    colour = tee["attributes"][0]
    assert (colour["kind"], colour["defines_variants"]) == ("colour", True)
    assert colour["values"][0] == {"code": "red", "name": "Red", "hex": "#c0392b"}
    assert tee["attributes"][3]["unit"] == "g"


def test_one_product_type_by_its_slug(manager, shop: Shop):
    make_clothing_type("T-shirt")

    assert manager.get("/api/v1/staff/product-types/t-shirt/").json()["name"] == "T-shirt"
    assert manager.get("/api/v1/staff/product-types/hat/").status_code == 404


def test_product_types_cost_a_fixed_number_of_queries(manager, shop: Shop, django_assert_max_num_queries):
    make_clothing_type("T-shirt")
    manager.get("/api/v1/staff/product-types/")  # the session and the staff member's groups, warm
    with CaptureQueriesContext(connection) as one_type:
        manager.get("/api/v1/staff/product-types/")
    make_clothing_type("Hoodie")
    make_clothing_type("Sweater")

    with django_assert_max_num_queries(len(one_type)):
        manager.get("/api/v1/staff/product-types/")
