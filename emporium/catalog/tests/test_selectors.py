import re
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from emporium.catalog.models import Product, ProductImage, Variant
from emporium.catalog.selectors import (
    ProductFilters,
    ProductSort,
    get_category_listing,
    get_category_page,
    get_product_page,
    is_purchasable,
    list_bestsellers,
    list_category_family_of_slug,
    list_new_arrivals,
    list_products_for_category,
    list_purchasable_variants,
)
from emporium.catalog.tests.factories import (
    CategoryFactory,
    ProductImageFactory,
    VariantFactory,
    make_product,
)

pytestmark = pytest.mark.django_db


def _names(products: Iterable[Product]) -> list[str]:
    return [product.name for product in products]


@pytest.fixture
def home():
    """Home > Candles & Lanterns, Home > Clocks, as the importer's taxonomy builds them."""
    root = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(name="Candles & Lanterns", slug="candles-lanterns", parent=root)
    clocks = CategoryFactory.create(name="Clocks", slug="clocks", parent=root)
    return root, candles, clocks


def test_a_category_lists_the_products_of_its_whole_subtree(home):
    root, candles, clocks = home
    make_product("WHITE METAL LANTERN", category=candles)
    make_product("IVORY KITCHEN WALL CLOCK", category=clocks)
    make_product("RED RETROSPOT PEG BAG", category=CategoryFactory.create(name="Bags"))
    root.refresh_from_db()  # "Bags" sorts before "Home": treebeard moved Home's path

    products = list_products_for_category(category=root, filters=ProductFilters(sort=ProductSort.NAME))

    assert _names(products) == ["IVORY KITCHEN WALL CLOCK", "WHITE METAL LANTERN"]


def test_unpublished_products_are_not_listed(home):
    _, candles, _ = home
    make_product("WHITE METAL LANTERN", category=candles)
    make_product("HIDDEN LANTERN", category=candles, is_published=False)

    products = list_products_for_category(category=candles, filters=ProductFilters())

    assert _names(products) == ["WHITE METAL LANTERN"]


def test_price_and_stock_filters_combine(home):
    _, candles, _ = home
    make_product("CHEAP IN STOCK", category=candles, price="0.85")
    make_product("MID IN STOCK", category=candles, price="2.95")
    make_product("MID SOLD OUT", category=candles, price="3.25", stock=0)
    make_product("DEAR IN STOCK", category=candles, price="12.75")

    filters = ProductFilters(price_min=Decimal("1"), price_max=Decimal("5"), in_stock_only=True)
    products = list_products_for_category(category=candles, filters=filters)

    assert _names(products) == ["MID IN STOCK"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (ProductSort.PRICE_ASC, ["BOTTLE", "ANCHOR", "CLOCK"]),
        (ProductSort.PRICE_DESC, ["CLOCK", "ANCHOR", "BOTTLE"]),
        (ProductSort.POPULAR, ["ANCHOR", "CLOCK", "BOTTLE"]),
        (ProductSort.NAME, ["ANCHOR", "BOTTLE", "CLOCK"]),
        (ProductSort.NEWEST, ["CLOCK", "BOTTLE", "ANCHOR"]),
    ],
)
def test_sorts(home, sort, expected):
    _, candles, _ = home
    make_product("ANCHOR", category=candles, price="2.00", sold=50)
    make_product("BOTTLE", category=candles, price="1.00", sold=1)
    make_product("CLOCK", category=candles, price="3.00", sold=20)

    products = list_products_for_category(category=candles, filters=ProductFilters(sort=sort))

    assert _names(products) == expected


def test_a_page_beyond_the_last_shows_the_last_page(home):
    _, candles, _ = home
    for number in range(5):
        make_product(f"LANTERN {number}", category=candles)

    page = get_category_listing(
        category=get_category_page(slug="candles-lanterns").category,  # type: ignore[union-attr]
        filters=ProductFilters(sort=ProductSort.NAME),
        page=99999,
        per_page=2,
    )

    assert (page.number, page.num_pages, page.count) == (3, 3, 5)
    assert [card.name for card in page.cards] == ["LANTERN 4"]


def test_page_links_leave_out_long_runs():
    from emporium.catalog.selectors import ResultsPage

    page = ResultsPage(cards=(), number=6, num_pages=20, count=480, per_page=24)

    assert page.page_links() == [1, None, 4, 5, 6, 7, 8, None, 20]


def test_category_page_has_breadcrumbs_and_children(home):
    _, candles, _ = home
    CategoryFactory.create(name="Tealights", slug="tealights", parent=candles)

    page = get_category_page(slug="candles-lanterns")

    assert page is not None
    assert [link.name for link in page.ancestors] == ["Home"]
    assert [link.name for link in page.children] == ["Tealights"]


def test_unknown_category_is_none():
    assert get_category_page(slug="no-such-thing") is None


def test_bestsellers_come_by_units_sold():
    make_product("SLOW", sold=3)
    make_product("FAST", sold=900)
    make_product("HIDDEN", sold=5000, is_published=False)

    assert _names(list_bestsellers(limit=2)) == ["FAST", "SLOW"]


def test_new_arrivals_come_newest_first():
    older = make_product("OLDER")
    make_product("NEWER")
    Product.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))

    assert _names(list_new_arrivals(limit=8)) == ["NEWER", "OLDER"]


def test_related_products_share_the_category_and_leave_out_the_product(home):
    _, candles, clocks = home
    white = make_product("WHITE METAL LANTERN", category=candles, sold=5)
    zinc = make_product("ZINC LANTERN", category=candles, sold=2)
    glass = make_product("GLASS LANTERN", category=candles, sold=9)
    make_product("KITCHEN CLOCK", category=clocks, sold=99)

    def related(product: Product, limit: int) -> list[str]:
        page = get_product_page(slug=product.slug, related_limit=limit)
        assert page is not None
        return [card.name for card in page.related]

    assert related(white, 4) == ["GLASS LANTERN", "ZINC LANTERN"]
    assert related(glass, 1) == ["WHITE METAL LANTERN"]  # the best seller is itself
    assert related(zinc, 1) == ["GLASS LANTERN"]


def test_products_of_one_category_share_its_breadcrumbs_and_best_sellers(home, django_assert_num_queries):
    _, candles, _ = home
    white, zinc, _ = (
        make_product(name, category=candles, sold=sold)
        for name, sold in [("WHITE METAL LANTERN", 5), ("ZINC LANTERN", 2), ("GLASS LANTERN", 9)]
    )
    get_product_page(slug=white.slug)

    # The product with its category, variants and images: its category's lineage and best
    # sellers were read for the first page.
    with django_assert_num_queries(3):
        page = get_product_page(slug=zinc.slug)

    assert page is not None
    assert [card.name for card in page.related] == ["GLASS LANTERN", "WHITE METAL LANTERN"]
    assert [link.name for link in page.ancestors] == ["Home"]


def test_product_page_of_an_unpublished_product_is_none():
    make_product("HIDDEN LANTERN", slug="hidden-lantern", is_published=False)

    assert get_product_page(slug="hidden-lantern") is None


def test_product_page_says_how_few_are_left():
    product = make_product("WHITE METAL LANTERN", slug="white-metal-lantern", stock=3)

    page = get_product_page(slug=product.slug)

    assert page is not None
    assert page.default_variant is not None
    assert page.default_variant.is_low_stock
    assert page.default_variant.quantity_available == 3


def test_listing_is_cached_until_the_catalog_changes(home, django_capture_on_commit_callbacks):
    _, candles, _ = home
    product = make_product("WHITE METAL LANTERN", category=candles)
    link = get_category_page(slug="candles-lanterns").category  # type: ignore[union-attr]

    def first_name() -> str:
        return (
            get_category_listing(category=link, filters=ProductFilters(), page=1, per_page=24).cards[0].name
        )

    before = first_name()
    Product.objects.filter(pk=product.pk).update(name="SILENTLY RENAMED")  # no signal: cache still holds
    cached = first_name()
    with django_capture_on_commit_callbacks(execute=True):
        product.name = "RENAMED LANTERN"
        product.save()

    assert (before, cached, first_name()) == ("WHITE METAL LANTERN", "WHITE METAL LANTERN", "RENAMED LANTERN")


def test_cached_page_shapes_keep_their_pickled_name_across_the_selectors_split():
    # The cache holds pickled shapes: processes before and after the module became a package
    # must read each other's entries while a deploy rolls out.
    import pickle

    from emporium.catalog import selectors

    shapes = [value for value in vars(selectors.shapes).values() if isinstance(value, type)]
    shapes = [shape for shape in shapes if shape.__dict__.get("__dataclass_fields__")]
    assert {shape.__module__ for shape in shapes} == {"emporium.catalog.selectors"}
    assert b"emporium.catalog.selectors.shapes" not in pickle.dumps(selectors.ALL_PRODUCTS)
    assert pickle.loads(pickle.dumps(selectors.ALL_PRODUCTS)) == selectors.ALL_PRODUCTS


def test_cards_load_what_a_card_shows_and_not_the_big_columns(django_assert_num_queries):
    from emporium.catalog.selectors.queries import cards_queryset
    from emporium.catalog.selectors.shapes import ProductCard

    category = CategoryFactory.create(name="Candles")
    product = make_product("Zinc T-light holder", category=category, attributes={"material": "zinc"})
    sql = str(cards_queryset().query)

    assert '"description"' not in sql
    assert '"attributes"' not in sql
    assert '"search_document"' not in sql
    with django_assert_num_queries(1):  # the products with their first picture: no field loaded later
        cards = [ProductCard.from_product(product) for product in cards_queryset()]
    assert [(card.name, card.category_name, card.url) for card in cards] == [
        ("Zinc T-light holder", "Candles", product.get_absolute_url())
    ]


def test_a_card_shows_the_first_picture_by_position(settings, tmp_path):
    from emporium.catalog.selectors.queries import cards_queryset
    from emporium.catalog.selectors.shapes import Picture, ProductCard

    settings.MEDIA_ROOT = tmp_path
    product = make_product("Zinc T-light holder")
    ProductImageFactory.create(product=product, position=2, alt_text="The back")
    first = ProductImageFactory.create(product=product, position=1, alt_text="")
    ProductImage.objects.filter(pk=first.pk).update(thumbnails_ready=True)
    first.refresh_from_db()
    bare = make_product("Plain candle")

    cards = {card.id: card for card in map(ProductCard.from_product, cards_queryset())}

    picture = cards[product.pk].picture
    assert picture == Picture.from_image(first, product_name="Zinc T-light holder")
    assert picture is not None
    assert picture.card_url.endswith("-400.webp")  # its thumbnail, made
    assert picture.alt_text == "Zinc T-light holder"  # it has no text of its own
    assert cards[bare.pk].picture is None


def test_a_category_page_holds_the_ids_of_its_whole_subtree(home):
    root, candles, clocks = home
    tealights = CategoryFactory.create(name="Tealights", slug="tealights", parent=candles)
    root.refresh_from_db()
    candles.refresh_from_db()

    root_page = get_category_page(slug="home")
    candles_page = get_category_page(slug="candles-lanterns")

    assert root_page is not None
    assert candles_page is not None
    assert {pk for _, pk in root_page.subtree} == {root.pk, candles.pk, tealights.pk, clocks.pk}
    assert {pk for _, pk in candles_page.subtree} == {candles.pk, tealights.pk}
    assert [link.name for link in root_page.children] == ["Candles & Lanterns", "Clocks"]  # not grandchildren


def _captured(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries]


def _product_queries(run) -> list[str]:
    return [sql for sql in _captured(run) if 'FROM "catalog_product"' in sql]


def test_a_listing_filters_on_the_products_own_category_not_a_join_on_the_path(home):
    """One category is then read in order from its own listing index (PostgreSQL misjudged
    a path join and walked the whole catalog's best sellers to fill a small category's page)."""
    _root, candles, clocks = home
    make_product("WHITE METAL LANTERN", category=candles)
    make_product("IVORY KITCHEN WALL CLOCK", category=clocks)
    root_page = get_category_page(slug="home")
    assert root_page is not None
    clocks_link = root_page.children[1]

    def listing(link):
        return get_category_listing(
            category=link, filters=ProductFilters(), page=1, per_page=24, subtree=root_page.subtree
        )

    leaf_queries = _product_queries(lambda: listing(clocks_link))
    root_queries = _product_queries(lambda: listing(root_page.category))

    assert _names(listing(clocks_link).cards) == ["IVORY KITCHEN WALL CLOCK"]
    assert {card.name for card in listing(root_page.category).cards} == {
        "WHITE METAL LANTERN",
        "IVORY KITCHEN WALL CLOCK",
    }
    assert leaf_queries
    # Compiled once for every category (catalog.selectors.queries.prepare_listing), the id is a
    # value of the query, which Django writes in parentheses.
    own_category = re.compile(rf'"catalog_product"\."category_id" = \(?{clocks.pk}\)?')
    assert all(own_category.search(sql) for sql in leaf_queries)
    assert all('"catalog_product"."category_id" IN (' in sql for sql in root_queries)
    assert not any("LIKE" in sql for sql in leaf_queries + root_queries)


def test_without_its_subtree_a_listing_still_finds_the_whole_subtree(home):
    """A category page cached before it carried its subtree reads an empty one: the listing
    then joins on the path, as it used to."""
    _root, candles, clocks = home
    make_product("WHITE METAL LANTERN", category=candles)
    make_product("IVORY KITCHEN WALL CLOCK", category=clocks)
    page = get_category_page(slug="home")
    assert page is not None
    del page.__dict__["subtree"]  # what unpickling an older copy gives

    results = get_category_listing(category=page.category, filters=ProductFilters(), page=1, per_page=24)

    assert page.subtree == ()
    assert results.count == 2


def test_a_category_is_counted_once_whatever_the_page_or_the_sort(home):
    _, candles, _ = home
    for n in range(3):
        make_product(f"LANTERN {n}", category=candles)
    page = get_category_page(slug="candles-lanterns")
    assert page is not None

    def listing(number: int, sort: ProductSort):
        return get_category_listing(
            category=page.category,
            filters=ProductFilters(sort=sort),
            page=number,
            per_page=2,
            subtree=page.subtree,
        )

    def counting(sql: str) -> bool:  # products counted, or their categories' kept counts read
        return "COUNT(" in sql or "catalog_categoryproductcount" in sql

    first = _captured(lambda: listing(1, ProductSort.POPULAR))
    later = _captured(lambda: listing(2, ProductSort.NAME))

    assert any(counting(sql) for sql in first)
    assert any('FROM "catalog_product"' in sql for sql in later)  # the page itself
    assert not any(counting(sql) for sql in later)
    assert listing(2, ProductSort.NAME).count == 3


def test_is_purchasable_says_what_list_purchasable_variants_lists():
    on_sale = VariantFactory.create()
    withdrawn = VariantFactory.create(product__is_published=False)

    listed = set(list_purchasable_variants().values_list("pk", flat=True))
    for variant in Variant.objects.select_related("product").filter(pk__in=[on_sale.pk, withdrawn.pk]):
        assert is_purchasable(variant) == (variant.pk in listed)
    assert on_sale.pk in listed
    assert withdrawn.pk not in listed


def test_a_categorys_family_is_read_by_its_slug_in_one_query(home, django_assert_num_queries):
    _root, candles, _clocks = home
    CategoryFactory.create(name="Tea lights", slug="tea-lights", parent=candles)
    garden = CategoryFactory.create(name="Garden", slug="garden")
    CategoryFactory.create(name="Pots", slug="pots", parent=garden)

    with django_assert_num_queries(1):
        family = list_category_family_of_slug(slug="candles-lanterns")

    assert [category.slug for category in family] == ["home", "candles-lanterns", "tea-lights"]
    assert [category.slug for category in list_category_family_of_slug(slug="garden")] == ["garden", "pots"]
    assert [category.slug for category in list_category_family_of_slug(slug="tea-lights")] == [
        "home",
        "candles-lanterns",
        "tea-lights",
    ]
    assert list_category_family_of_slug(slug="nope") == []
