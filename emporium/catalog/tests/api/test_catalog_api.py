"""The public catalog API: the storefront's listings, search and product pages, as JSON."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from emporium.catalog.api.serializers import PictureOutput, ProductCardOutput
from emporium.catalog.cache import get_catalog_version
from emporium.catalog.models import Product
from emporium.catalog.selectors import Picture, ProductCard
from emporium.catalog.tests.factories import Shop, VariantFactory, make_product
from emporium.core.money import Money

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _names(response) -> list[str]:
    return [card["name"] for card in response.json()["results"]]


def test_categories_list_the_tree_parents_first(api, shop: Shop):
    response = api.get("/api/v1/categories/")

    by_slug = {node["slug"]: node for node in response.json()}
    assert response.status_code == 200
    assert [node["slug"] for node in response.json()][:2] == ["bags", "home"]
    assert by_slug["candles-lanterns"]["parent_id"] == shop.home.pk
    assert by_slug["home"]["parent_id"] is None


def test_category_detail_has_ancestors_and_children(api, shop: Shop):
    home = api.get("/api/v1/categories/home/").json()
    candles = api.get("/api/v1/categories/candles-lanterns/").json()

    assert [child["slug"] for child in home["children"]] == ["candles-lanterns", "clocks"]
    assert [link["slug"] for link in candles["ancestors"]] == ["home"]


def test_unknown_category_is_a_404_problem(api):
    response = api.get("/api/v1/categories/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_products_filter_sort_and_paginate_like_the_storefront(api, shop: Shop):
    make_product("Cheap lantern", category=shop.candles, price="1.00")
    make_product("Dear lantern", category=shop.candles, price="9.00")
    make_product("Mid clock", category=shop.clocks, price="5.00")
    make_product("Sold-out clock", category=shop.clocks, price="4.00", stock=0)
    make_product("Bag", category=shop.bags, price="3.00")

    in_home = api.get("/api/v1/products/", {"category": "home", "sort": "price-asc"})
    cheap_in_stock = api.get(
        "/api/v1/products/",
        {"category": "home", "price_max": "5.00", "in_stock": "true", "sort": "price-desc"},
    )
    first_page = api.get("/api/v1/products/", {"sort": "name", "page_size": 2})
    last_page = api.get(first_page.json()["next"].replace("http://testserver", "")).json()

    assert _names(in_home) == ["Cheap lantern", "Sold-out clock", "Mid clock", "Dear lantern"]
    assert _names(cheap_in_stock) == ["Mid clock", "Cheap lantern"]
    assert first_page.json()["count"] == 5
    assert first_page.json()["num_pages"] == 3
    assert last_page["page"] == 2
    assert [card["name"] for card in last_page["results"]] == ["Dear lantern", "Mid clock"]


def test_product_search_ranks_like_the_storefront(api, shop: Shop):
    make_product("Red lantern", category=shop.candles)
    make_product("Wall clock", category=shop.clocks)

    response = api.get("/api/v1/products/", {"q": "lantern"})

    assert _names(response) == ["Red lantern"]


def test_unpublished_products_are_not_listed_or_shown(api, shop: Shop):
    make_product("Hidden", category=shop.bags, slug="hidden", is_published=False)

    assert _names(api.get("/api/v1/products/")) == []
    assert api.get("/api/v1/products/hidden/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "5", "price_max": "2"}, "price_max"),
        ({"page_size": "1000"}, "page_size"),
        ({"page": "0"}, "page"),
    ],
)
def test_invalid_list_parameters_are_a_problem_naming_the_field(api, params, field):
    response = api.get("/api/v1/products/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_product_detail_has_variants_with_their_stock_state(api, shop: Shop):
    product = make_product("Lantern", category=shop.candles, slug="lantern", price="4.00", stock=3)
    VariantFactory.create(product=product, name="Large", price_amount="7.50", stock_on_hand=0)

    body = api.get("/api/v1/products/lantern/").json()

    assert body["price"] == {"amount": "4.00", "currency": "GBP"}
    assert [(v["name"], v["is_in_stock"], v["is_low_stock"]) for v in body["variants"]] == [
        ("", True, True),
        ("Large", False, False),
    ]
    assert [link["slug"] for link in body["ancestors"]] == ["home"]


def test_catalog_reads_answer_304_until_the_catalog_changes(
    api, shop: Shop, django_capture_on_commit_callbacks
):
    product = make_product("Lantern", category=shop.candles, slug="lantern")
    first = api.get("/api/v1/products/")
    etag = first["ETag"]

    unchanged = api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Product.objects.get(pk=product.pk).save()  # any edit bumps the catalog version
    changed = api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag)

    assert etag
    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert str(get_catalog_version()) in changed["ETag"]


@pytest.mark.parametrize(
    "url", ["/api/v1/categories/", "/api/v1/categories/home/", "/api/v1/products/lantern/"]
)
def test_every_catalog_read_has_an_etag(api, shop: Shop, url):
    make_product("Lantern", category=shop.candles, slug="lantern")

    response = api.get(url)

    assert response.status_code == 200
    assert api.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/products/no-such-product/", 404),
        ("/api/v1/categories/no-such-category/", 404),
        ("/api/v1/products/?category=no-such-category", 404),
        ("/api/v1/products/?page_size=0", 400),
        ("/api/v1/products/?sort=cheapest", 400),
    ],
)
def test_a_current_etag_does_not_turn_an_invalid_request_into_a_304(api, shop: Shop, url, status):
    make_product("Lantern", category=shop.candles, slug="lantern")
    etag = api.get("/api/v1/products/")["ETag"]  # current: the catalog has not changed since

    response = api.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_a_current_etag_is_304_even_when_the_answer_is_no_longer_cached(api, shop: Shop):
    from django.core.cache import cache

    from emporium.catalog.api.conditional import stored_body_key

    make_product("Lantern", category=shop.candles, slug="lantern")
    etag = api.get("/api/v1/products/lantern/")["ETag"]
    cache.delete(stored_body_key("http://testserver/api/v1/products/lantern/"))  # evicted

    response = api.get("/api/v1/products/lantern/", HTTP_IF_NONE_MATCH=etag)  # validated again

    assert response.status_code == 304
    assert response["ETag"] == etag


@pytest.mark.parametrize("page_size", [2, 24])
def test_product_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    api, shop: Shop, page_size, django_assert_num_queries
):
    for number in range(30):
        make_product(f"Lantern {number}", category=shop.candles)
    # the category with its family (by slug), the count, the page (category joined, first pictures)
    with django_assert_num_queries(3):
        response = api.get("/api/v1/products/", {"category": "home", "page_size": page_size})
    with django_assert_num_queries(0):  # warm: served from the catalog cache
        api.get("/api/v1/products/", {"category": "home", "page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("keep_bodies", [True, False])
def test_the_body_cache_can_be_switched_off(api, shop: Shop, settings, keep_bodies):
    """Off (API_CATALOG_BODY_CACHE), each read is serialised again: what `bench --no-cache` measures."""
    from django.core.cache import cache

    from emporium.catalog.api.conditional import stored_body_key

    settings.API_CATALOG_BODY_CACHE = keep_bodies
    make_product("Lantern", category=shop.candles)

    first = api.get("/api/v1/products/")
    again = api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert (cache.get(stored_body_key("http://testserver/api/v1/products/")) is not None) is keep_bodies
    assert again.status_code == 304


@pytest.mark.parametrize("page_size", [2, 24])
def test_unfiltered_product_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    api, shop: Shop, page_size, django_assert_num_queries
):
    for number in range(30):
        make_product(f"Lantern {number}", category=shop.candles)
    # the count, the page (category joined, first pictures)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/products/", {"page_size": page_size})
    with django_assert_num_queries(0):  # warm: served from the catalog cache
        api.get("/api/v1/products/", {"page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [2, 24])
def test_product_search_runs_a_fixed_number_of_queries_whatever_the_page_size(
    api, shop: Shop, page_size, django_assert_num_queries, is_postgres
):
    for number in range(30):
        make_product(f"Lantern {number}", category=shop.candles)
    # the catalog's words (spelling correction, once per catalog version), the page of matches
    # (category joined, first pictures) with their count; the same on both databases (a catalog
    # word needs no fuzzy match, so PostgreSQL sets no trigram threshold)
    with django_assert_num_queries(2):
        response = api.get("/api/v1/products/", {"q": "lantern", "page_size": page_size})
    with django_assert_num_queries(0):  # warm: served from the catalog cache
        api.get("/api/v1/products/", {"q": "lantern", "page_size": page_size})

    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("slugs", [1, 20])
def test_category_list_runs_one_query_whatever_the_number_of_categories(
    api, slugs, django_assert_num_queries
):
    from emporium.catalog.tests.factories import CategoryFactory

    CategoryFactory.create_batch(slugs)
    with django_assert_num_queries(1):
        response = api.get("/api/v1/categories/")

    assert len(response.json()) == slugs


def test_a_compressed_answer_weakens_its_etag_and_still_earns_a_304(api, shop: Shop):
    make_product("Lantern", category=shop.candles, slug="lantern", description="A tin lantern. " * 20)
    url = "/api/v1/products/lantern/"

    compressed = api.get(url, HTTP_ACCEPT_ENCODING="gzip")

    assert compressed.status_code == 200
    assert compressed.get("Content-Encoding") == "gzip", compressed.content
    assert compressed["ETag"].startswith('W/"')  # GZipMiddleware's doing: the bytes differ
    assert api.get(url, HTTP_IF_NONE_MATCH=compressed["ETag"]).status_code == 304


@pytest.mark.parametrize("with_price_and_picture", [True, False])
def test_a_card_is_written_as_its_declared_fields_would_write_it(with_price_and_picture: bool):
    """ProductCardOutput and PictureOutput write a card in one expression (the schema is their
    declared fields): the same JSON as DRF's field-by-field path, null price and picture too."""
    picture = Picture(
        card_url="/media/products/lantern-card.webp",
        detail_url="/media/products/lantern-detail.webp",
        zoom_url="/media/products/lantern.jpg",
        alt_text="A white lantern",
        width=800,
        height=None,
        has_thumbnails=True,
    )
    card = ProductCard(
        id=7,
        name="WHITE METAL LANTERN",
        url="/p/white-metal-lantern/",
        price=Money("3.75", "GBP") if with_price_and_picture else None,
        is_in_stock=False,
        category_name="Candles & lanterns",
        picture=picture if with_price_and_picture else None,
        slug="white-metal-lantern",
    )

    written = ProductCardOutput(card).data
    by_fields = serializers.Serializer.to_representation(ProductCardOutput(), card)
    picture_by_fields = serializers.Serializer.to_representation(PictureOutput(), picture)

    assert JSONRenderer().render(written) == JSONRenderer().render(by_fields)
    assert PictureOutput(picture).data == picture_by_fields
    assert list(written) == list(ProductCardOutput().fields)
