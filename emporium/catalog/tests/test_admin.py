from decimal import Decimal

import pytest
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # these tests are about the catalog admin, not the login
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_create_a_product_with_a_variant_inline(admin_client):
    category = CategoryFactory.create()

    response = admin_client.post(
        reverse("admin:catalog_product_add"),
        {
            "name": "Glass star frosted T-light holder",
            "slug": "glass-star-frosted-t-light-holder",
            "category": category.pk,
            "description": "",
            "attributes": "{}",
            "is_published": "on",
            "seo_title": "",
            "seo_description": "",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-sku": "21733",
            "variants-0-name": "",
            "variants-0-price_amount": "2.95",
            "variants-0-currency": "GBP",
            "variants-0-stock_on_hand": "12",
            "variants-0-position": "0",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content
    product = Product.objects.get(slug="glass-star-frosted-t-light-holder")
    assert product.price_amount == Decimal("2.95")
    assert product.is_in_stock


def test_admin_lists_search_and_filter_products(admin_client):
    ProductFactory.create(name="Red retrospot cake stand")
    ProductFactory.create(name="Jumbo bag pink polkadot")

    response = admin_client.get(
        reverse("admin:catalog_product_changelist"), {"q": "retrospot", "stock": "in"}
    )

    assert response.status_code == 200
    assert b"Red retrospot cake stand" in response.content
    assert b"Jumbo bag" not in response.content


def test_category_tree_admin_opens(admin_client):
    root = CategoryFactory.create(name="Home")
    CategoryFactory.create(name="Candles", parent=root)

    tree = admin_client.get(reverse("admin:catalog_category_changelist"))
    found = admin_client.get(reverse("admin:catalog_category_changelist"), {"q": "candles"})

    assert tree.status_code == 200
    assert b"Home" in tree.content
    assert b"Candles" in found.content


def test_a_wrong_typed_attribute_is_shown_on_the_admin_form_not_a_500(admin_client):
    from emporium.catalog.tests.factories import make_clothing_type

    product_type = make_clothing_type()
    category = CategoryFactory.create()

    response = admin_client.post(
        reverse("admin:catalog_product_add"),
        {
            "name": "Tee",
            "slug": "tee",
            "category": category.pk,
            "product_type": product_type.pk,
            "description": "",
            "attributes": '{"weight": "heavy"}',
            "seo_title": "",
            "seo_description": "",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-sku": "TEE-1",
            "variants-0-name": "",
            "variants-0-price_amount": "9.00",
            "variants-0-currency": "GBP",
            "variants-0-stock_on_hand": "1",
            "variants-0-position": "0",
            "variants-0-options": '{"colour": "red", "size": "m"}',
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert b"weight: needs a number." in response.content
    assert not Product.objects.filter(slug="tee").exists()


def test_staff_add_a_typed_product_with_its_variants_options_in_the_admin(admin_client):
    from emporium.catalog.tests.factories import make_clothing_type

    product_type = make_clothing_type()
    category = CategoryFactory.create()

    response = admin_client.post(
        reverse("admin:catalog_product_add"),
        {
            "name": "Tee",
            "slug": "tee",
            "category": category.pk,
            "product_type": product_type.pk,
            "description": "",
            "attributes": '{"weight": "180"}',
            "is_published": "on",
            "seo_title": "",
            "seo_description": "",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-sku": "TEE-1",
            "variants-0-name": "",
            "variants-0-price_amount": "9.00",
            "variants-0-currency": "GBP",
            "variants-0-stock_on_hand": "1",
            "variants-0-position": "0",
            "variants-0-options": '{"colour": "Red", "size": "m"}',
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content
    variant = Product.objects.get(slug="tee").variants.get()
    assert (variant.options, variant.name) == ({"colour": "red", "size": "m"}, "Red, Medium")


def test_product_type_and_attribute_admin_pages_open(admin_client):
    from emporium.catalog.tests.factories import make_clothing_type

    product_type = make_clothing_type()

    assert (
        admin_client.get(reverse("admin:catalog_producttype_change", args=[product_type.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse("admin:catalog_attribute_changelist")).status_code == 200


def test_two_new_variants_with_the_same_options_are_refused_on_the_form(admin_client):
    from emporium.catalog.tests.factories import make_clothing_type

    product_type = make_clothing_type()
    category = CategoryFactory.create()
    variant = {
        "name": "",
        "price_amount": "9.00",
        "currency": "GBP",
        "stock_on_hand": "1",
        "position": "0",
        "options": '{"colour": "red", "size": "m"}',
    }

    response = admin_client.post(
        reverse("admin:catalog_product_add"),
        {
            "name": "Tee",
            "slug": "tee",
            "category": category.pk,
            "product_type": product_type.pk,
            "description": "",
            "attributes": "{}",
            "seo_title": "",
            "seo_description": "",
            "variants-TOTAL_FORMS": "2",
            "variants-INITIAL_FORMS": "0",
            **{f"variants-0-{field}": value for field, value in variant.items()},
            **{f"variants-1-{field}": value for field, value in variant.items()},
            "variants-0-sku": "TEE-1",
            "variants-1-sku": "TEE-2",
            "images-TOTAL_FORMS": "0",
            "images-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert b"Variant TEE-1 already has these options." in response.content
