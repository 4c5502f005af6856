"""Wishlist: saving and removing, a visitor's list merged at login, price and stock shown, the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.wishlist.models import WishlistItem

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _save(client, product_id, saved="1", **extra):
    return client.post(reverse("wishlist:save", args=[product_id]), {"saved": saved, "next": "/"}, **extra)


def test_a_visitors_saved_products_join_their_account_at_login(client):
    saved = VariantFactory.create().product
    already = VariantFactory.create().product
    customer = UserFactory.create()
    WishlistItem.objects.create(customer=customer, product=already)
    _save(client, saved.pk)
    _save(client, already.pk)

    client.post(reverse("account_login"), {"login": customer.email, "password": PASSWORD})

    assert set(WishlistItem.objects.filter(customer=customer).values_list("product_id", flat=True)) == {
        saved.pk,
        already.pk,
    }
    assert "wishlist" not in client.session


def test_the_save_button_shows_its_state_and_toggles_with_htmx(client):
    product = VariantFactory.create().product
    client.force_login(UserFactory.create())

    response = _save(client, product.pk, headers={"HX-Request": "true"})
    html = response.content.decode()

    assert 'aria-pressed="true"' in html
    assert ">Saved<" in html
    removed = _save(client, product.pk, saved="0", headers={"HX-Request": "true"}).content.decode()
    assert 'aria-pressed="false"' in removed
    assert not WishlistItem.objects.exists()


def test_the_product_page_says_saved_for_a_saved_product(client):
    product = VariantFactory.create().product
    customer = UserFactory.create()
    WishlistItem.objects.create(customer=customer, product=product)
    client.force_login(customer)

    html = client.get(product.get_absolute_url()).content.decode()

    assert 'aria-pressed="true"' in html


def test_without_javascript_saving_redirects_back(client):
    product = VariantFactory.create().product

    response = _save(client, product.pk)

    assert response.status_code == 302
    assert client.session["wishlist"] == [product.pk]


def test_the_wishlist_page_shows_price_stock_and_a_one_click_add_to_cart(client):
    in_stock = VariantFactory.create(price_amount="7.50", product__name="Tin lantern")
    sold_out = VariantFactory.create(stock_on_hand=0, product__name="Paper chain")
    customer = UserFactory.create()
    for variant in (in_stock, sold_out):
        WishlistItem.objects.create(customer=customer, product=variant.product)
    client.force_login(customer)

    html = client.get(reverse("wishlist:detail")).content.decode()

    assert "£7.50" in html
    assert "Out of stock" in html
    assert f'name="variant" value="{in_stock.pk}"' in html
    assert f'name="variant" value="{sold_out.pk}"' not in html


def _log_in_with_saved_products(client, count):
    customer = UserFactory.create()
    for variant in VariantFactory.create_batch(count):
        WishlistItem.objects.create(customer=customer, product=variant.product)
    client.force_login(customer)


@pytest.mark.parametrize("count", [2, 12])
def test_the_wishlist_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    _log_in_with_saved_products(client, count)
    client.get(reverse("wishlist:detail"))

    # session (read from Redis in service mode), user, items with their products, variants
    with django_assert_max_num_queries(4):
        client.get(reverse("wishlist:detail"))


def test_the_api_saves_lists_and_removes(client):
    product = VariantFactory.create().product
    client.force_login(UserFactory.create())

    created = client.post("/api/v1/wishlist/", {"product_id": product.pk}, content_type="application/json")
    listed = client.get("/api/v1/wishlist/")
    removed = client.delete(f"/api/v1/wishlist/{product.pk}/")

    assert created.status_code == 201
    assert [entry["product_id"] for entry in listed.json()["results"]] == [product.pk]
    assert removed.status_code == 204
    assert not WishlistItem.objects.exists()


def test_the_api_refuses_an_unknown_product_as_a_problem(client):
    client.force_login(UserFactory.create())

    response = client.post("/api/v1/wishlist/", {"product_id": 999999}, content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "product_not_found"


def test_removing_an_id_beyond_any_column_is_a_quiet_204(client):
    client.force_login(UserFactory.create())

    response = client.delete(f"/api/v1/wishlist/{2**100}/")

    assert response.status_code == 204


@pytest.mark.parametrize("count", [2, 30])
def test_the_api_list_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    _log_in_with_saved_products(client, count)
    client.get("/api/v1/wishlist/")

    # session (read from Redis in service mode), user, items with their products, variants
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/wishlist/", {"page_size": 24})

    assert len(response.json()["results"]) == min(count, 24)
