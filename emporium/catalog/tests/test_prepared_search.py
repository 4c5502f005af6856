"""A search's results run from SQL compiled once per shape (catalog.selectors.search.prepare_search).

The words, the category's ids and the prices are values of the prepared query; its pages must
be exactly the ORM's ranked matches (``search_products(...).filter(...)``), counted the same,
for catalog words, corrections, half-typed words and, on PostgreSQL, words matched fuzzily.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from emporium.catalog.selectors import get_category_page, get_search_results, search_products
from emporium.catalog.selectors.filters import ProductFilters
from emporium.catalog.selectors.queries import in_category_subtree
from emporium.catalog.selectors.search import check_search_query, prepare_search
from emporium.catalog.tests.factories import Shop, make_product
from emporium.core.tests.compiles import counting_compiles

pytestmark = pytest.mark.django_db

PER_PAGE = 2


@pytest.fixture
def shelves(shop: Shop) -> Shop:
    """Candles and clocks whose names share words, at prices across a few pounds, some sold out."""
    names = [
        ("WHITE HANGING HEART T-LIGHT HOLDER", shop.candles),
        ("CANDLE HOLDER PINK HANGING HEART", shop.candles),
        ("SET OF 3 CANDLE HOLDERS SILVER", shop.candles),
        ("HEART OF WICKER LARGE", shop.candles),
        ("WHITE METAL LANTERN", shop.candles),
        ("HEART ALARM CLOCK", shop.clocks),
        ("WHITE WALL CLOCK", shop.clocks),
        ("JUMBO BAG RED HEART", shop.bags),
    ]
    for index, (name, category) in enumerate(names):
        make_product(name, category=category, price=f"{2 + index}.50", stock=index % 3, sold=index % 4)
    return shop


def _expected(query: str, filters: ProductFilters, category_slug: str | None) -> list[int]:
    products = search_products(query=query).filter(filters.q)
    if category_slug:
        page = get_category_page(slug=category_slug)
        assert page is not None
        products = products.filter(in_category_subtree(page.category, subtree=page.subtree))
    return list(products.values_list("pk", flat=True))


@pytest.mark.parametrize(
    "query",
    [
        "heart",  # a catalog word
        "white heart",  # two: any of them, best matches first
        "hart",  # misspelt: matched by its correction too
        "hold",  # the start of catalog words
        "clock zqxvjk",  # a word near nothing: fuzzily on PostgreSQL, no match elsewhere
    ],
)
@pytest.mark.parametrize(
    ("filters", "category_slug"),
    [
        (ProductFilters(), None),
        (ProductFilters(in_stock_only=True), None),
        (ProductFilters(price_min=Decimal("3.00"), price_max=Decimal("7.50")), None),
        (ProductFilters(), "home"),  # a category and the one below it
        (ProductFilters(in_stock_only=True, price_max=Decimal("6.50")), "clocks"),
    ],
)
def test_every_page_of_a_prepared_search_is_the_orm_s(
    shelves: Shop, query: str, filters: ProductFilters, category_slug: str | None
):
    expected = _expected(query, filters, category_slug)
    page = get_category_page(slug=category_slug) if category_slug else None
    category, subtree = (page.category, page.subtree) if page else (None, ())
    assert prepare_search(
        checked=check_search_query(query=query), filters=filters, category=category, subtree=subtree
    )

    shown: list[int] = []
    for number in range(1, max(1, math.ceil(len(expected) / PER_PAGE)) + 1):
        search = get_search_results(
            query=query, page=number, per_page=PER_PAGE, filters=filters, category=category, subtree=subtree
        )
        assert search.results is not None
        assert search.results.count == len(expected)
        assert search.results.number == number
        shown += [card.id for card in search.results.cards]

    assert shown == expected


def test_a_page_past_the_end_shows_the_last(shelves: Shop):
    search = get_search_results(query="heart", page=99, per_page=PER_PAGE)
    expected = _expected("heart", ProductFilters(), None)

    assert search.results is not None
    last = math.ceil(len(expected) / PER_PAGE)
    assert (search.results.number, search.results.count) == (last, len(expected))
    assert [card.id for card in search.results.cards] == expected[(last - 1) * PER_PAGE :]


def test_an_attribute_filter_stays_with_the_orm(shelves: Shop):
    """A query of its own shape per choice: nothing to gain from preparing it."""
    filters = ProductFilters(attributes=(("colour", ("red",)),))
    assert (
        prepare_search(checked=check_search_query(query="heart"), filters=filters, category=None, subtree=())
        is None
    )


def test_searches_of_one_shape_compile_once(shelves: Shop):
    """Other words, pages and prices of the same shape are values, not a query compiled again."""

    def results(query: str, number: int, price_max: str) -> list[int]:
        search = get_search_results(
            query=query, page=number, per_page=PER_PAGE, filters=ProductFilters(price_max=Decimal(price_max))
        )
        assert search.results is not None
        return [card.id for card in search.results.cards]

    results("heart", 1, "99.00")  # compiles the one-word shape
    with counting_compiles() as compiled:
        found = [results("lantern", 1, "9.00"), results("clock", 1, "99.00"), results("heart", 2, "99.00")]

    assert compiled == []
    assert found[1] == _expected("clock", ProductFilters(price_max=Decimal("99.00")), None)[:PER_PAGE]
    assert all(found)
