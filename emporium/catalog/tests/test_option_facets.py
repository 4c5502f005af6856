"""Variant options (a product type's colour and size) as facets on category and search pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.catalog.facets import ListingFacets, get_listing_facets
from emporium.catalog.selectors import CategoryLink, ProductFilters
from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import (
    Shop,
    make_clothing_type,
    make_product,
    make_product_with_variants,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clothes(shop: Shop) -> Shop:
    """Under Home: three typed tees and an untyped lantern. Only TEE A makes a red medium;
    TEE C's blue small is sold out."""
    clothing = make_clothing_type()
    make_product_with_variants(
        "TEE A", category=shop.candles, product_type=clothing,
        options=[{"colour": "red", "size": "m"}, {"colour": "blue", "size": "s"}],
    )  # fmt: skip
    make_product_with_variants(
        "TEE B", category=shop.candles, product_type=clothing,
        options=[{"colour": "red", "size": "s"}, {"colour": "blue", "size": "m"}],
    )  # fmt: skip
    make_product_with_variants(
        "TEE C", category=shop.clocks, product_type=clothing,
        options=[{"colour": "blue", "size": "s"}], stock={0: 0},
    )  # fmt: skip
    make_product("PLAIN LANTERN", category=shop.candles, attributes={"material": "tin"})
    return shop


def _facets(shop: Shop, filters: ProductFilters = ProductFilters()) -> ListingFacets:  # noqa: B008
    return get_listing_facets(
        scope=CategoryLink.from_category(shop.home),
        category_options=(CategoryLink.from_category(shop.candles), CategoryLink.from_category(shop.clocks)),
        selected_category=None,
        filters=filters,
    )


def _option(facets: ListingFacets, key: str) -> dict[str, int]:
    facet = next(facet for facet in facets.options if facet.key == key)
    return {value.label: value.count for value in facet.values}


def test_option_values_count_products_named_and_in_the_attribute_s_order(clothes: Shop):
    facets = _facets(clothes)

    assert _option(facets, "colour") == {"Red": 2, "Blue": 3}
    assert list(_option(facets, "size")) == ["Small", "Medium"]  # the size's order, not a-z
    assert next(facet.label for facet in facets.options if facet.key == "size") == "Size"


def test_a_chosen_option_counts_through_variants_that_have_it_too(clothes: Shop):
    facets = _facets(clothes, ProductFilters(options=(("colour", ("red",)),)))

    # Red in medium: only TEE A; red in small: only TEE B. Not "red somewhere, medium somewhere".
    assert _option(facets, "size") == {"Small": 1, "Medium": 1}
    assert _option(facets, "colour") == {"Red": 2, "Blue": 3}  # its own facet is not narrowed
    assert facets.in_stock.count == 2


def test_red_and_medium_is_one_variant_not_two(client, clothes: Shop):
    html = client.get("/c/home/?option=colour:red&option=size:m").content.decode()

    assert "TEE A" in html
    assert "TEE B" not in html


def test_in_stock_counts_only_variants_in_stock(clothes: Shop):
    facets = _facets(clothes, ProductFilters(in_stock_only=True, options=(("size", ("s",)),)))

    # TEE C's only small is sold out; TEE A's and TEE B's smalls are in stock.
    assert _option(facets, "colour") == {"Red": 1, "Blue": 1}


def test_options_and_attributes_narrow_each_other(clothes: Shop):
    facets = _facets(clothes, ProductFilters(attributes=(("material", ("tin",)),)))

    assert facets.options == ()  # the only tin product has no options


def test_the_category_page_links_each_option_value(client, clothes: Shop):
    html = client.get("/c/home/").content.decode()

    assert 'href="/c/home/?option=colour%3Ared"' in html
    assert "Colour" in html


def test_the_filter_form_carries_the_chosen_options(client, clothes: Shop):
    html = client.get("/c/home/", {"option": "colour:red"}).content.decode()

    form = html.split('<form id="product-filters"')[1].split("</form>")[0]
    assert '<input type="hidden" name="option" value="colour:red">' in form


def test_search_offers_option_facets(client, clothes: Shop):
    html = client.get("/search/", {"q": "tee", "option": "size:m"}).content.decode()

    assert "TEE A" in html
    assert "TEE C" not in html
    assert "?q=tee&amp;option=size%3Am&amp;option=colour%3Ared" in html


def _cold_queries(client, url: str) -> int:
    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?option=colour:red&option=size:m&in_stock=on", "?option=size:s&attr=material:tin"]
)
def test_option_facets_cost_a_fixed_number_of_queries_whatever_the_page_size(client, clothes: Shop, query):
    joiner = "&" if query else "?"
    small = _cold_queries(client, f"/c/home/{query}{joiner}per_page=12")
    clothing = make_clothing_type()
    for number in range(30):
        make_product_with_variants(
            f"MORE TEE {number}", category=clothes.candles, product_type=clothing,
            options=[{"colour": "red", "size": "m"}, {"colour": "pink", "size": "l"}],
        )  # fmt: skip

    assert _cold_queries(client, f"/c/home/{query}{joiner}per_page=48") == small


def test_a_cold_category_page_with_options_runs_five_queries(
    client, clothes: Shop, django_assert_num_queries
):
    client.get("/")  # the header's categories, cached
    # As without options: the option counts share the attribute facets' query.
    with django_assert_num_queries(5):
        assert client.get("/c/home/?option=colour:red").status_code == 200


def test_search_option_facets_cost_a_fixed_number_of_queries(client, clothes: Shop):
    few = _cold_queries(client, "/search/?q=tee&option=colour:blue")
    clothing = make_clothing_type()
    for number in range(20):
        make_product_with_variants(
            f"MORE TEE {number}", category=clothes.candles, product_type=clothing,
            options=[{"colour": "blue", "size": "m"}],
        )  # fmt: skip

    assert _cold_queries(client, "/search/?q=tee&option=colour:blue") == few


def test_the_option_filter_can_use_the_gin_index(clothes: Shop, is_postgres):
    """``option=colour:red`` must compile to JSON containment, which the GIN index answers."""
    if not is_postgres:
        pytest.skip("GIN indexes exist on PostgreSQL only")
    from emporium.catalog.models import Variant
    from emporium.catalog.selectors.filters import option_filter

    sql, params = (
        Variant.objects.filter(option_filter(key="colour", values=("red",)))
        .values("pk")
        .query.sql_with_params()
    )

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "variant_options_gin" in plan


def test_option_counts_read_only_the_variants_that_have_options(clothes: Shop, is_postgres):
    """Most catalogs' variants have no options: the option half of the facet query finds the few
    that do through the partial unique index on (product, options), not by reading every
    variant to join it to the matches."""
    if not is_postgres:
        pytest.skip("a plan is PostgreSQL's")
    from emporium.catalog.facets import _option_counts_sql
    from emporium.catalog.models import Product, Variant

    # As in such a catalog, most variants have no options; and the planner is given statistics
    # of these rows (ANALYZE in the test's transaction counts its own rows), so the plan does not
    # hang on whatever an autovacuum happened to read from the test database before.
    lantern = Product.objects.get(name="PLAIN LANTERN")
    Variant.objects.bulk_create(
        Variant(product=lantern, sku=f"PLAIN-{number}", price_amount=Decimal("1.00"))
        for number in range(2000)
    )
    sql, params = _option_counts_sql(Product.objects.published(), filters=ProductFilters())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product, catalog_variant")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "variant_options_unique_per_product" in plan, plan
