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
