"""Each category's published and in-stock products, counted by the database's triggers
(CategoryProductCount, migration 0012) whichever way a product is written, and the listings'
counts read from them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from emporium.catalog.models import CategoryProductCount, Product, Variant
from emporium.catalog.selectors import (
    ALL_PRODUCTS,
    ProductFilters,
    ProductSort,
    get_category_listing,
    get_category_page,
    list_products_for_category,
)
from emporium.catalog.services import update_variant
from emporium.catalog.tests.factories import CategoryFactory, make_product

pytestmark = pytest.mark.django_db(transaction=True)


def _true_counts() -> dict[int, tuple[int, int]]:
    rows = (
        Product.objects.published()
        .values("category_id")
        .annotate(published=Count("pk"), in_stock=Count("pk", filter=Q(is_in_stock=True)))
    )
    return {row["category_id"]: (row["published"], row["in_stock"]) for row in rows}


def _kept_counts() -> dict[int, tuple[int, int]]:
    return {
        row.category_id: (row.published, row.in_stock)
        for row in CategoryProductCount.objects.all()
        if row.published or row.in_stock
    }


@pytest.fixture
def home():
    root = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(name="Candles & Lanterns", slug="candles-lanterns", parent=root)
    clocks = CategoryFactory.create(name="Clocks", slug="clocks", parent=root)
    root.refresh_from_db()
    return root, candles, clocks


def test_the_counts_follow_every_way_a_product_is_written(home):
    root, candles, clocks = home
    lantern = make_product("WHITE METAL LANTERN", category=candles, stock=5)
    make_product("TEA LIGHT HOLDER", category=candles, stock=0)
    clock = make_product("IVORY KITCHEN WALL CLOCK", category=clocks)
    make_product("DRAFT CLOCK", category=clocks, is_published=False)
    assert _kept_counts() == _true_counts() == {candles.pk: (2, 1), clocks.pk: (1, 1)}

    # Stock running out through the service (the product's summary follows its variant).
    update_variant(variant=lantern.variants.get(), fields={"stock_on_hand": 0})
    assert _kept_counts() == _true_counts() == {candles.pk: (2, 0), clocks.pk: (1, 1)}

    # Moved to another category by save(); renamed (nothing counted changes).
    clock.category = candles
    clock.save()
    Product.objects.filter(pk=lantern.pk).update(name="LANTERN", units_sold=7, price_amount=Decimal("9.99"))
    assert _kept_counts() == _true_counts() == {candles.pk: (3, 1)}

    # A queryset's update, bulk_create and delete, which send no signals.
    Product.objects.filter(category=candles, is_in_stock=False).update(is_published=False)
    Product.objects.bulk_create(
        [Product(name=f"BAG {n}", slug=f"bag-{n}", category=root, is_in_stock=n % 2 == 0) for n in range(3)]
    )
    assert _kept_counts() == _true_counts() == {candles.pk: (1, 1), root.pk: (3, 2)}

    Variant.objects.filter(product=clock).delete()
    clock.delete()
    Product.objects.filter(category=root).update(is_published=True, is_in_stock=True)
    assert _kept_counts() == _true_counts() == {root.pk: (3, 3)}


def test_a_change_rolled_back_leaves_the_counts_as_they_were(home):
    _, candles, _ = home
    make_product("WHITE METAL LANTERN", category=candles)

    def change_then_fail() -> None:
        with transaction.atomic():
            make_product("TEA LIGHT HOLDER", category=candles)
            Product.objects.update(is_in_stock=False)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert _kept_counts() == _true_counts() == {candles.pk: (1, 1)}


@pytest.mark.parametrize("slug", ["home", "candles-lanterns", "clocks", None])
@pytest.mark.parametrize("in_stock_only", [False, True])
def test_a_listing_counts_from_the_kept_counts_what_counting_its_products_gives(home, slug, in_stock_only):
    _, candles, clocks = home
    for n in range(3):
        make_product(f"LANTERN {n}", category=candles, stock=n)
    make_product("IVORY KITCHEN WALL CLOCK", category=clocks, stock=0)
    make_product("BRASS CLOCK", category=clocks, stock=2)
    make_product("DRAFT CLOCK", category=clocks, is_published=False)
    make_product("RED RETROSPOT PEG BAG", category=CategoryFactory.create(name="Bags", slug="bags"))
    page = get_category_page(slug=slug) if slug else None
    category, subtree = (page.category, page.subtree) if page else (ALL_PRODUCTS, ())
    filters = ProductFilters(sort=ProductSort.NAME, in_stock_only=in_stock_only)

    with CaptureQueriesContext(connection) as captured:
        results = get_category_listing(
            category=category, filters=filters, page=1, per_page=2, subtree=subtree
        )

    assert (
        results.count
        == list_products_for_category(category=category, filters=filters, subtree=subtree).count()
    )
    assert results.count > 0
    assert not any("COUNT(" in query["sql"] for query in captured.captured_queries)  # nothing counted


def test_a_listing_with_a_price_bound_counts_its_products(home):
    _, candles, _ = home
    make_product("WHITE METAL LANTERN", category=candles, price="3.00")
    make_product("TEA LIGHT HOLDER", category=candles, price="12.00")
    page = get_category_page(slug="candles-lanterns")
    assert page is not None

    results = get_category_listing(
        category=page.category,
        filters=ProductFilters(price_max=Decimal("10")),
        page=1,
        per_page=24,
        subtree=page.subtree,
    )

    assert results.count == 1
