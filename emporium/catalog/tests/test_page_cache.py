"""The shared page cache for visitors who are not logged in (catalog.cache.cache_page_for_visitors)."""

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import Shop, make_product

pytestmark = pytest.mark.django_db


def _rename_without_signals(product: Product, name: str) -> None:
    # A queryset update sends no signal, so the catalog version stays: what a visitor then
    # sees tells whether the page came from the cache.
    Product.objects.filter(pk=product.pk).update(name=name)


def test_second_anonymous_visit_is_served_from_the_page_cache(client, shop: Shop, django_assert_num_queries):
    product = make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())
    _rename_without_signals(product, "Renamed behind the cache's back")

    with django_assert_num_queries(0):
        response = client.get(shop.candles.get_absolute_url())

    assert b"Zinc T-light holder" in response.content


def test_an_edit_shows_on_the_next_anonymous_visit(client, shop: Shop, django_capture_on_commit_callbacks):
    product = make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Zinc T-light holder, large"
        product.save()

    assert b"Zinc T-light holder, large" in client.get(shop.candles.get_absolute_url()).content


def test_htmx_partial_and_full_page_are_cached_apart(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    url = shop.candles.get_absolute_url()

    full = client.get(url)
    partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "results"})

    assert b"<html" in full.content
    assert b"<html" not in partial.content


def test_logged_in_customers_never_get_the_shared_copy(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())  # cached for visitors
    client.force_login(UserFactory.create(full_name="Ann Example"))

    response = client.get(shop.candles.get_absolute_url())

    assert response.templates, "rendered afresh, not copied from the visitors' cache"
    assert b"Log out" in response.content


def test_a_page_with_a_csrf_token_is_not_shared(client, shop: Shop):
    product = make_product("Zinc T-light holder", category=shop.candles)
    client.get(product.get_absolute_url())  # the add-to-cart form prints a token

    assert client.get(product.get_absolute_url()).templates


def test_a_page_without_a_token_is_copied_not_rendered(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    assert not client.get(shop.candles.get_absolute_url()).templates
