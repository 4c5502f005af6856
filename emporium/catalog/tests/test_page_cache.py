"""The shared page cache for visitors who are not logged in (catalog.cache.cache_page_for_visitors)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.models import CartLine
from emporium.catalog.cache import CSRF_PLACEHOLDER
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import Shop, VariantFactory, make_product

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


def _form_tokens(response) -> set[bytes]:
    return set(re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content))


def test_a_product_page_is_shared_with_each_visitor_given_their_own_csrf_token(shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    first = Client(enforce_csrf_checks=True).get(url)  # rendered, stored with a placeholder
    visitor = Client(enforce_csrf_checks=True)

    second = visitor.get(url)

    assert first.templates
    assert not second.templates, "the second visitor gets the stored copy"
    assert CSRF_PLACEHOLDER.encode() not in first.content + second.content
    assert len(_form_tokens(first)) == 1, "one token, wherever the page's forms print it"
    assert len(_form_tokens(second)) == 1
    assert _form_tokens(first) != _form_tokens(second), "each visitor has a token of their own"
    assert "csrftoken" in second.cookies, "and the cookie that goes with it"
    # The copied form works without JavaScript: it posts with the token it printed.
    (token,) = _form_tokens(second)
    added = visitor.post(
        reverse("cart:add"), {"csrfmiddlewaretoken": token.decode(), "variant": variant.pk, "quantity": 1}
    )
    assert added.status_code == 302
    assert CartLine.objects.filter(variant=variant, quantity=1).exists()


def test_a_visitor_with_a_session_gets_a_product_page_rendered_with_a_real_token(client, shop: Shop):
    variant = VariantFactory.create(product__name="Zinc T-light holder", product__category=shop.candles)
    url = variant.product.get_absolute_url()
    client.get(url)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})  # a cart: a session

    response = client.get(url)

    assert response.templates, "rendered afresh: the page shows their cart"
    assert CSRF_PLACEHOLDER.encode() not in response.content
    assert len(_form_tokens(response)) >= 1


def test_a_page_without_a_token_is_copied_not_rendered(client, shop: Shop):
    make_product("Zinc T-light holder", category=shop.candles)
    client.get(shop.candles.get_absolute_url())

    assert not client.get(shop.candles.get_absolute_url()).templates
