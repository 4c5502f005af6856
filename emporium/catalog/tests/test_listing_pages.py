"""A listing page is found by its ids first (catalog.selectors.queries.page_of), from an index.

The page must be exactly the slice of the sorted listing, for every sort, filter and page, in
a category and across its sub-categories; on PostgreSQL each sort's index must hold the whole
ordering and the filtered columns, so finding a page sorts nothing and reads no table row.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.db import connection

from emporium.catalog.models import Product
from emporium.catalog.selectors import CategoryPage, get_category_listing, get_category_page
from emporium.catalog.selectors.filters import ProductFilters, ProductSort
from emporium.catalog.selectors.queries import list_products_for_category
from emporium.catalog.selectors.shapes import ProductCard
from emporium.catalog.tests.factories import ProductImageFactory, Shop, make_product
from emporium.core.tests.compiles import counting_compiles

PER_PAGE = 3


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    """Eleven candles and five clocks: prices that tie and one without a price, best sellers
    that tie, some out of stock."""
    for number in range(11):
        product = make_product(
            f"Lantern {number % 4}",  # names tie too: the id breaks every tie
            category=shop.candles,
            price=("2.95", "4.50", "2.95", "9.99")[number % 4],
            stock=0 if number % 3 == 0 else 5,
            sold=(number * 7) % 5,
        )
        if number == 5:
            Product.objects.filter(pk=product.pk).update(price_amount=None)
    for number in range(5):
        make_product(f"Clock {number}", category=shop.clocks, price=f"{10 + number}.00", stock=number % 2)
    return shop


def _expected(category_slug: str, filters: ProductFilters) -> list[int]:
    page = get_category_page(slug=category_slug)
    assert page is not None
    products = list_products_for_category(category=page.category, filters=filters, subtree=page.subtree)
    return [product.pk for product in products]


@pytest.mark.parametrize("sort", list(ProductSort))
@pytest.mark.parametrize("in_stock_only", [False, True])
@pytest.mark.parametrize("slug", ["candles-lanterns", "home"])
def test_every_page_is_the_slice_of_the_sorted_listing(
    stocked: Shop, slug: str, sort: ProductSort, in_stock_only: bool
):
    filters = ProductFilters(sort=sort, in_stock_only=in_stock_only)
    expected = _expected(slug, filters)
    page = get_category_page(slug=slug)
    assert page is not None

    shown: list[int] = []
    for number in range(1, math.ceil(len(expected) / PER_PAGE) + 1):
        results = get_category_listing(
            category=page.category, filters=filters, page=number, per_page=PER_PAGE, subtree=page.subtree
        )
        assert results.count == len(expected)
        shown += [card.id for card in results.cards]

    assert shown == expected
    assert len(expected) > PER_PAGE * 2  # several pages, so a wrong offset or order shows


@pytest.mark.parametrize("in_stock_only", [False, True])
def test_a_prepared_listings_cards_are_the_cards_of_the_orms_products(
    stocked: Shop, in_stock_only: bool, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pictured = Product.objects.filter(category=stocked.candles).order_by("pk")[1]  # in stock
    ProductImageFactory.create(product=pictured, alt_text="")  # the card says the product's name
    Product.objects.filter(pk=pictured.pk).update(rating_average=Decimal("4.50"), rating_count=2)
    filters = ProductFilters(sort=ProductSort.NAME, in_stock_only=in_stock_only)
    page = get_category_page(slug="home")
    assert page is not None

    results = get_category_listing(
        category=page.category, filters=filters, page=1, per_page=100, subtree=page.subtree
    )

    products = list_products_for_category(category=page.category, filters=filters, subtree=page.subtree)
    assert list(results.cards) == [ProductCard.from_product(product) for product in products]
    shown = {card.id: card for card in results.cards}
    picture = shown[pictured.pk].picture
    assert picture is not None
    assert picture.alt_text == pictured.name
    assert shown[pictured.pk].rating_average == Decimal("4.50")
    assert any(card.price is None for card in results.cards)


@pytest.mark.parametrize(
    ("price_min", "price_max"), [("2.95", None), (None, "4.50"), ("3.00", "12.00"), ("50.00", None)]
)
def test_a_price_range_pages_as_the_orm_lists(stocked: Shop, price_min: str | None, price_max: str | None):
    """The listing runs compiled once (catalog.selectors.queries.prepare_listing): the prices
    asked for are values of it, and the pages are still exactly the ORM's listing."""
    filters = ProductFilters(
        sort=ProductSort.PRICE_ASC,
        price_min=Decimal(price_min) if price_min else None,
        price_max=Decimal(price_max) if price_max else None,
    )
    expected = _expected("home", filters)
    page = get_category_page(slug="home")
    assert page is not None

    shown: list[int] = []
    for number in range(1, max(1, math.ceil(len(expected) / PER_PAGE)) + 1):
        results = get_category_listing(
            category=page.category, filters=filters, page=number, per_page=PER_PAGE, subtree=page.subtree
        )
        assert results.count == len(expected)
        shown += [card.id for card in results.cards]

    assert shown == expected
    assert bool(expected) == (price_min != "50.00")  # every range but the last holds products


def test_listings_of_any_category_and_page_compile_once_a_shape(stocked: Shop):
    """What varies between a shop's listings (the category, the page, the prices) is not
    compiled again: a category page read from scratch used to compile its listing and count."""
    candles, clocks = get_category_page(slug="candles-lanterns"), get_category_page(slug="clocks")
    assert candles is not None
    assert clocks is not None

    def listing(page: CategoryPage, number: int, price_max: str) -> list[int]:
        filters = ProductFilters(sort=ProductSort.NAME, price_max=Decimal(price_max))
        results = get_category_listing(
            category=page.category, filters=filters, page=number, per_page=PER_PAGE, subtree=page.subtree
        )
        return [card.id for card in results.cards]

    listing(candles, 1, "99.00")  # compiles the one-category shape: its page, its count
    with counting_compiles() as compiled:
        leaves = [listing(candles, 2, "9.99"), listing(clocks, 1, "12.00"), listing(candles, 3, "4.50")]

    assert compiled == []
    assert all(leaves[:2])
    names = list_products_for_category(
        category=clocks.category, filters=ProductFilters(sort=ProductSort.NAME, price_max=Decimal("12.00"))
    ).values_list("pk", flat=True)
    assert leaves[1] == list(names)[:PER_PAGE]


def _plan(slug: str, filters: ProductFilters, *, offset: int) -> str:
    page = get_category_page(slug=slug)
    assert page is not None
    products = list_products_for_category(category=page.category, filters=filters, subtree=page.subtree)
    sql, params = (
        products.prefetch_related(None).values("pk")[offset : offset + PER_PAGE].query.sql_with_params()
    )
    with connection.cursor() as cursor:
        # A few test rows fit one page of the table: rule out what a big catalog would never use
        # (reading the table, or any index and sorting what it found), so the plan shows which
        # index can serve the page by itself.
        cursor.execute("ANALYZE catalog_product")
        for method in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


INDEX_OF = {
    ProductSort.POPULAR: "product_cat_popular_idx",
    ProductSort.NEWEST: "product_cat_newest_idx",
    ProductSort.PRICE_ASC: "product_cat_price_idx",
    ProductSort.PRICE_DESC: "product_cat_price_desc_idx",
    ProductSort.NAME: "product_cat_name_idx",
}


@pytest.mark.parametrize("sort", list(ProductSort))
@pytest.mark.parametrize("in_stock_only", [False, True])
def test_a_page_of_ids_comes_from_its_sorts_index_alone(
    stocked: Shop, is_postgres: bool, sort: ProductSort, in_stock_only: bool
):
    if not is_postgres:
        pytest.skip("the covering and NULLS LAST indexes are PostgreSQL's; SQLite's embedded shop is small")
    plan = _plan(
        "candles-lanterns", ProductFilters(sort=sort, in_stock_only=in_stock_only), offset=PER_PAGE * 2
    )

    assert f"Index Only Scan using {INDEX_OF[sort]}" in plan, plan
    assert "Sort" not in plan, plan  # the index holds the whole ordering, tie-breakers too
