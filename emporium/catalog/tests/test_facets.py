"""Facets on category and search pages: counts that say what a click would show."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.catalog.facets import PRICE_BANDS, ListingFacets, get_listing_facets
from emporium.catalog.models import Product
from emporium.catalog.selectors import ALL_PRODUCTS, CategoryLink, ProductFilters, get_category_page
from emporium.catalog.selectors.search import SearchWords
from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import ProductFactory, Shop, make_product
from emporium.core.tests.compiles import counting_compiles

pytestmark = pytest.mark.django_db

HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


@pytest.fixture
def stocked(shop: Shop) -> Shop:
    """Home > Candles (3 products) and Clocks (2); prices across the bands; two sold out."""
    make_product(
        "ZINC LANTERN", category=shop.candles, price="3.00", attributes={"colour": "red", "material": "tin"}
    )
    make_product(
        "GLASS LANTERN",
        category=shop.candles,
        price="7.50",
        stock=0,
        attributes={"colour": "blue", "material": "glass"},
    )
    make_product(
        "BIG LANTERN", category=shop.candles, price="30.00", attributes={"colour": "red", "material": "glass"}
    )
    make_product("WALL CLOCK", category=shop.clocks, price="12.00", attributes={"colour": "blue"})
    make_product("ALARM CLOCK", category=shop.clocks, price="4.00", stock=0, attributes={"colour": "red"})
    make_product("JUMBO BAG", category=shop.bags, price="2.00", attributes={"colour": "red"})
    return shop


NO_FILTERS = ProductFilters()


def _facets(shop: Shop, filters: ProductFilters = NO_FILTERS, selected=None) -> ListingFacets:
    """The facets of Home's page, as its view asks for them (with its subtree's ids)."""
    home = get_category_page(slug="home")
    assert home is not None
    children = (CategoryLink.from_category(shop.candles), CategoryLink.from_category(shop.clocks))
    return get_listing_facets(
        scope=home.category,
        category_options=children,
        selected_category=selected,
        filters=filters,
        subtree=home.subtree,
    )


def _counts(values) -> dict[str, int]:
    return {value.label: value.count for value in values}


def _attribute(facets: ListingFacets, key: str) -> dict[str, int]:
    return next(_counts(facet.values) for facet in facets.attributes if facet.key == key)


# --- Counts ----------------------------------------------------------------------------------


def test_counts_of_a_category_without_filters(stocked: Shop):
    facets = _facets(stocked)

    assert _counts(facets.categories) == {"Candles & Lanterns": 3, "Clocks": 2}
    assert _counts(facets.price_bands) == {
        "Under £5.00": 2,
        "£5.00 to £9.99": 1,
        "£10.00 to £24.99": 1,
        "£25.00 to £49.99": 1,
    }
    assert facets.in_stock.count == 3
    assert _attribute(facets, "colour") == {"red": 3, "blue": 2}
    assert _attribute(facets, "material") == {"glass": 2, "tin": 1}


def test_in_stock_counts_in_every_facet_but_its_own(stocked: Shop):
    facets = _facets(stocked, ProductFilters(in_stock_only=True))

    assert _counts(facets.categories) == {"Candles & Lanterns": 2, "Clocks": 1}
    assert _counts(facets.price_bands) == {"Under £5.00": 1, "£10.00 to £24.99": 1, "£25.00 to £49.99": 1}
    assert facets.in_stock.count == 3
    assert facets.in_stock.is_selected


def test_a_price_band_counts_in_every_facet_but_its_own(stocked: Shop):
    facets = _facets(stocked, ProductFilters(price_max=Decimal("4.99")))

    assert _counts(facets.categories) == {"Candles & Lanterns": 1, "Clocks": 1}
    assert facets.in_stock.count == 1  # the zinc lantern; the alarm clock is sold out
    # Every band still counted as if none were chosen, and the chosen one marked.
    assert _counts(facets.price_bands)["£5.00 to £9.99"] == 1
    assert [value.label for value in facets.price_bands if value.is_selected] == ["Under £5.00"]
    # Both products under £5 are red: one colour to choose from narrows nothing, so none is offered.
    assert facets.attributes == ()


# Prices on each side of every band's edge, in stock and sold out, and a product with no price.
EDGE_PRICES = ["0.01", "4.99", "5.00", "9.99", "10.00", "24.99", "25.00", "49.99", "50.00", "120.00"]


@pytest.mark.parametrize(
    ("price_min", "price_max", "in_stock_only"),
    [
        (None, None, False),
        (None, None, True),
        ("5", "9.99", False),  # a band's own bounds
        ("4.99", "25", True),  # edges of two bands, both bounds included
        ("9.995", None, False),
        (None, "0.00", True),  # nothing priced that low
    ],
)
def test_band_and_stock_counts_agree_with_each_product_on_band_edges(
    shop: Shop, price_min, price_max, in_stock_only
):
    for index, price in enumerate(EDGE_PRICES):
        make_product(f"EDGE {index}", category=shop.candles, price=price, stock=index % 2)
    ProductFactory.create(name="NO PRICE YET", category=shop.candles, variant=None)
    lowest, highest = (None if v is None else Decimal(v) for v in (price_min, price_max))
    filters = ProductFilters(price_min=lowest, price_max=highest, in_stock_only=in_stock_only)

    facets = _facets(shop, filters)

    products = list(Product.objects.published().filter(category=shop.candles))
    assert len(products) == len(EDGE_PRICES) + 1

    def in_price_filter(product: Product) -> bool:
        price = product.price_amount
        if lowest is not None and (price is None or price < lowest):
            return False
        return highest is None or (price is not None and price <= highest)

    expected_bands = {}
    for band in PRICE_BANDS:
        count = sum(
            1
            for p in products
            if p.price_amount is not None
            and (band.minimum is None or p.price_amount >= band.minimum)
            and (band.maximum is None or p.price_amount <= band.maximum)
            and (p.is_in_stock or not in_stock_only)
        )
        if count or (band.minimum, band.maximum) == (lowest, highest):
            expected_bands[band.label] = count
    assert _counts(facets.price_bands) == expected_bands
    assert facets.in_stock.count == sum(1 for p in products if p.is_in_stock and in_price_filter(p))


def test_a_chosen_sub_category_narrows_the_other_facets_but_not_the_categories(stocked: Shop):
    facets = _facets(stocked, selected=CategoryLink.from_category(stocked.clocks))

    assert _counts(facets.categories) == {"Candles & Lanterns": 3, "Clocks": 2}
    assert [value.label for value in facets.categories if value.is_selected] == ["Clocks"]
    assert facets.in_stock.count == 1
    assert _attribute(facets, "colour") == {"red": 1, "blue": 1}


def test_values_of_one_attribute_are_alternatives_and_other_attributes_narrow(stocked: Shop):
    facets = _facets(stocked, ProductFilters(attributes=(("colour", ("red",)),)))

    # Colour counts as if no colour were chosen: choosing blue as well would add products.
    assert _attribute(facets, "colour") == {"red": 3, "blue": 2}
    assert _attribute(facets, "material") == {"glass": 1, "tin": 1}
    assert _counts(facets.categories) == {"Candles & Lanterns": 2, "Clocks": 1}
    assert facets.in_stock.count == 2


def test_two_attributes_each_count_under_the_other(stocked: Shop):
    facets = _facets(stocked, ProductFilters(attributes=(("colour", ("red",)), ("material", ("glass",)))))

    assert _attribute(facets, "colour") == {"red": 1, "blue": 1}
    assert _attribute(facets, "material") == {"glass": 1, "tin": 1}


def test_an_identifier_attribute_is_no_facet(shop: Shop):
    for number in range(20):
        make_product(
            f"LANTERN {number}",
            category=shop.candles,
            attributes={"stock_code": f"2{number:04d}", "size": "S" if number % 2 else "L"},
        )

    facets = _facets(shop)

    assert [facet.key for facet in facets.attributes] == ["size"]


def test_values_no_two_products_share_are_no_facet_even_in_few_results(shop: Shop):
    for number in range(4):
        make_product(f"LANTERN {number}", category=shop.candles, attributes={"stock_code": f"2{number:04d}"})

    assert _facets(shop).attributes == ()


def test_numbers_lists_and_nested_attributes_do_not_break_the_counts(shop: Shop):
    make_product("LANTERN A", category=shop.candles, attributes={"pieces": 12, "tags": ["a", "b"]})
    make_product("LANTERN B", category=shop.candles, attributes={"pieces": 6, "size": {"h": 1}})
    make_product("LANTERN C", category=shop.candles, attributes=["not", "an", "object"])
    make_product("LANTERN D", category=shop.candles, attributes={"pieces": 12})

    facets = _facets(shop)

    assert _attribute(facets, "pieces") == {"12": 2, "6": 1}
    assert [facet.key for facet in facets.attributes] == ["pieces"]


def test_a_number_attribute_filters_by_its_text(client, shop: Shop):
    make_product("LANTERN A", category=shop.candles, attributes={"pieces": 12})
    make_product("LANTERN B", category=shop.candles, attributes={"pieces": 6})

    html = client.get(shop.candles.get_absolute_url(), {"attr": "pieces:12"}).content.decode()

    assert "LANTERN A" in html
    assert "LANTERN B" not in html


def test_search_facets_count_the_matches_by_top_level_category(stocked: Shop):
    from emporium.catalog.selectors import check_search_query

    top = (CategoryLink.from_category(stocked.bags), CategoryLink.from_category(stocked.home))
    facets = get_listing_facets(
        scope=ALL_PRODUCTS,
        category_options=top,
        selected_category=None,
        filters=ProductFilters(),
        query=check_search_query(query="lantrn"),
    )

    assert _counts(facets.categories) == {"Home": 3}
    assert facets.in_stock.count == 2


# --- Compiled once a shape (ADR 19) ----------------------------------------------------------

PREPARED_CASES = {
    "category": (NO_FILTERS, None, None),
    "category in stock": (ProductFilters(in_stock_only=True), None, None),
    "category priced": (ProductFilters(price_min=Decimal("3.00"), price_max=Decimal("12.00")), None, None),
    "sub-category chosen": (ProductFilters(in_stock_only=True), "candles-lanterns", None),
    "search": (NO_FILTERS, None, "lantern"),
    "misspelt search": (ProductFilters(price_max=Decimal("9.99")), None, "lantrn"),
    "search with a half-typed word": (NO_FILTERS, None, "zinc lant"),
    "search in a category": (ProductFilters(in_stock_only=True), "home", "big lantern"),
}


@pytest.mark.parametrize("case", PREPARED_CASES)
def test_prepared_facets_count_as_the_orm_does(stocked: Shop, case: str, monkeypatch):
    """A category's and a search's facets run from SQL compiled once per shape, with the
    listing's ids, prices and words as values; the counts are the ORM's, exactly."""
    from emporium.catalog import facets as facets_module
    from emporium.catalog.selectors import check_search_query, list_nav_categories

    filters, chosen_slug, query = PREPARED_CASES[case]
    home = get_category_page(slug="home")
    chosen = get_category_page(slug=chosen_slug) if chosen_slug else None
    assert home is not None
    checked = check_search_query(query=query) if query else None
    selected = chosen.category if chosen else None
    if checked is None:
        scope, options, subtree = home.category, home.children, home.subtree
    else:  # a search: every product, the top-level categories offered
        scope, options, subtree = ALL_PRODUCTS, list_nav_categories(), chosen.subtree if chosen else ()

    def facets() -> ListingFacets:
        empty_caches()
        return get_listing_facets(
            scope=scope,
            category_options=options,
            selected_category=selected,
            filters=filters,
            query=checked,
            subtree=subtree,
        )

    prepared = facets()
    with monkeypatch.context() as patched:
        patched.setattr(facets_module, "_prepare", lambda **_: None)
        built_by_the_orm = facets()

    assert prepared == built_by_the_orm
    assert prepared.price_bands
    assert facets_module._prepare(
        scope=scope,
        selected_category=selected,
        with_categories=True,
        filters=filters,
        words=SearchWords.of(checked) if checked else None,
        subtree=subtree,
    )


def test_facets_of_another_category_or_search_of_the_same_shape_compile_nothing(stocked: Shop):
    from emporium.catalog.selectors import check_search_query

    def search(words: str) -> ListingFacets:
        return get_listing_facets(
            scope=ALL_PRODUCTS,
            category_options=(),
            selected_category=None,
            filters=ProductFilters(in_stock_only=True),
            query=check_search_query(query=words),
        )

    def leaf(slug: str, price_max: str) -> ListingFacets:
        page = get_category_page(slug=slug)
        assert page is not None
        return get_listing_facets(
            scope=page.category,
            category_options=page.children,
            selected_category=None,
            filters=ProductFilters(price_max=Decimal(price_max)),
            subtree=page.subtree,
        )

    leaf("clocks", "99.00")
    search("lantern")
    get_category_page(slug="candles-lanterns")
    with counting_compiles() as compiled:
        clock_counts = search("clock")
        candle_counts = leaf("candles-lanterns", "4.00")

    assert compiled == []
    assert clock_counts.in_stock.count == 1  # the wall clock; the alarm clock is sold out
    assert candle_counts.in_stock.count == 1  # the zinc lantern, £3.00


# --- Pages -----------------------------------------------------------------------------------


def _facet_links(html: str) -> dict[str, str]:
    """Facet label (with its count) -> href, as a shopper sees them."""
    region = html.split('id="facets"')[1].split("</div>")[0]
    links = re.findall(r'<a class="facet__link[^"]*" href="([^"]+)">(.*?)</a>', region, re.S)
    return {
        " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(text)).split()): html_lib.unescape(href)
        for href, text in links
    }


def _showing_count(html: str) -> int:
    found = re.search(r"of (\d+) products?", html)
    return int(found.group(1)) if found else 0


def test_category_page_lists_facets_with_counts_screen_readers_can_read(client, stocked: Shop):
    html = client.get(stocked.home.get_absolute_url()).content.decode()

    links = _facet_links(html)
    assert links["Clocks 2 products"] == "/c/home/?subcategory=clocks"
    assert links["In stock 3 products"] == "/c/home/?in_stock=on"
    assert links["red 3 products"] == "/c/home/?attr=colour%3Ared"
    assert links["Under £5.00 2 products"] == "/c/home/?price_max=4.99"
    assert '<h3 class="facet__title form-field__label" id="facet-1">Category</h3>' in html


@pytest.mark.parametrize(
    "label", ["Clocks 2 products", "In stock 3 products", "red 3 products", "Under £5.00 2 products"]
)
def test_following_a_facet_shows_as_many_products_as_it_counted(client, stocked: Shop, label):
    links = _facet_links(client.get(stocked.home.get_absolute_url()).content.decode())
    expected = int(label.split()[-2])

    html = client.get(links[label]).content.decode()

    assert _showing_count(html) == expected


def test_a_chosen_facet_links_to_taking_it_off_and_keeps_the_others(client, stocked: Shop):
    html = client.get(
        stocked.home.get_absolute_url(), {"attr": "colour:red", "in_stock": "on", "page": "1"}
    ).content.decode()

    links = _facet_links(html)
    assert links["Remove filter: red 2 products"] == "/c/home/?in_stock=on"
    assert links["Remove filter: In stock 2 products"] == "/c/home/?attr=colour%3Ared"
    assert links["blue 1 product"] == "/c/home/?attr=colour%3Ared&attr=colour%3Ablue&in_stock=on"


def test_the_filter_form_carries_the_chosen_attributes(client, stocked: Shop):
    html = client.get(stocked.home.get_absolute_url(), {"attr": "colour:red"}).content.decode()

    form = html.split('<form id="product-filters"')[1].split("</form>")[0]
    assert '<input type="hidden" name="attr" value="colour:red">' in form


def test_an_htmx_update_of_the_results_brings_the_facets_along(client, stocked: Shop):
    html = client.get(stocked.home.get_absolute_url(), {"in_stock": "on"}, **HTMX_RESULTS).content.decode()

    assert 'id="facets"' in html
    assert 'hx-swap-oob="true"' in html
    assert "<html" not in html


def test_a_boosted_facet_link_gets_the_whole_page_with_one_facets_region(client, stocked: Shop):
    # htmx boosts facet links into a whole-body swap: HX-Request is sent, HX-Target is not.
    html = client.get(
        stocked.home.get_absolute_url(), {"in_stock": "on"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "<html" in html
    assert html.count('id="facets"') == 1
    assert "hx-swap-oob" not in html


# --- The filter panel, printed once per listing state -------------------------------------------

PANEL_TEMPLATE = "catalog/_filters.html"


def _panel(html: str) -> str:
    return html.split('<form id="product-filters"')[1].split("</form>")[0]


def _printed(response) -> bool:
    return PANEL_TEMPLATE in {template.name for template in response.templates}


@pytest.fixture
def customer_client(client, stocked: Shop):
    # Logged in: every page is rendered, never a visitor's shared copy, so only the panel's own
    # cache decides what is printed.
    from emporium.accounts.tests.factories import UserFactory

    client.force_login(UserFactory.create())
    return client


def test_every_page_of_one_listing_state_shows_the_panel_printed_for_its_first(
    customer_client, stocked: Shop
):
    url = stocked.home.get_absolute_url()

    first = customer_client.get(url, {"in_stock": "on", "attr": "colour:red"})
    later = customer_client.get(url, {"in_stock": "on", "attr": "colour:red", "page": "2"})

    assert _printed(first)
    assert not _printed(later)
    assert _panel(later.content.decode()) == _panel(first.content.decode())
    # Its links lead to page 1 of the state they name, whichever page shows them.
    assert _facet_links(later.content.decode())["Remove filter: red 2 products"] == "/c/home/?in_stock=on"


def test_another_state_of_the_listing_gets_its_own_panel(customer_client, stocked: Shop):
    url = stocked.home.get_absolute_url()
    customer_client.get(url, {"in_stock": "on"})

    sorted_by_price = customer_client.get(url, {"in_stock": "on", "sort": "price-desc"})
    all_stock = customer_client.get(url)
    other_category = customer_client.get(stocked.candles.get_absolute_url(), {"in_stock": "on"})

    assert _printed(sorted_by_price)
    assert _printed(all_stock)
    assert _printed(other_category)
    assert '<option value="price-desc" selected>' in _panel(sorted_by_price.content.decode())
    assert '<option value="price-desc" selected>' not in _panel(all_stock.content.decode())
    assert _facet_links(all_stock.content.decode())["In stock 3 products"] == "/c/home/?in_stock=on"
    assert f'action="{stocked.candles.get_absolute_url()}"' in _panel(other_category.content.decode())
    assert _facet_links(other_category.content.decode())["Remove filter: In stock 2 products"] == (
        stocked.candles.get_absolute_url()
    )


def test_a_catalog_edit_shows_in_the_panel_of_the_next_page(
    customer_client, stocked: Shop, django_capture_on_commit_callbacks
):
    url = stocked.home.get_absolute_url()
    before = customer_client.get(url).content.decode()
    assert _facet_links(before)["Clocks 2 products"] == "/c/home/?subcategory=clocks"

    with django_capture_on_commit_callbacks(execute=True):
        make_product("CUCKOO CLOCK", category=stocked.clocks, price="40.00")
    after = customer_client.get(url, {"page": "2"})

    assert _printed(after)
    assert _facet_links(after.content.decode())["Clocks 3 products"] == "/c/home/?subcategory=clocks"


def test_a_wrong_value_is_named_in_the_panel_of_every_page_and_only_there(customer_client, stocked: Shop):
    url = stocked.home.get_absolute_url()

    wrong = customer_client.get(url, {"price_min": "abc"})
    wrong_later = customer_client.get(url, {"price_min": "abc", "page": "2"})
    right = customer_client.get(url, {"price_min": "1"})

    assert wrong.status_code == wrong_later.status_code == right.status_code == 200
    for response in (wrong, wrong_later):
        panel = _panel(response.content.decode())
        assert 'value="abc"' in panel
        assert "Enter a number." in panel
    assert "Enter a number." not in _panel(right.content.decode())


def test_search_page_offers_facets_and_filters_by_them(client, stocked: Shop):
    html = client.get("/search/", {"q": "lantern"}).content.decode()
    links = _facet_links(html)
    assert "Home 3 products" in links

    narrowed = client.get(links["red 2 products"]).content.decode()

    assert _showing_count(narrowed) == 2
    assert "GLASS LANTERN" not in narrowed


def test_search_can_be_narrowed_to_a_category(client, stocked: Shop):
    make_product("LANTERN BAG", category=stocked.bags)

    html = client.get("/search/", {"q": "lantern", "category": "bags"}).content.decode()

    assert _showing_count(html) == 1
    assert _facet_links(html)["Remove filter: Bags 1 product"] == "/search/?q=lantern"


@pytest.mark.parametrize(
    "params",
    [
        {"attr": ":"},
        {"attr": "colour:"},
        {"attr": "colour"},
        # A NUL in any parameter is a 400 before the view (emporium.core.hostile_input).
        {"attr": "x" * 5000 + ":red"},
        {"attr": [f"k{n}:v" for n in range(50)]},
        {"category": "<script>"},
        {"category": "no-such-category"},
        {"price_min": "abc", "price_max": "-1", "in_stock": "maybe"},
    ],
)
def test_odd_facet_parameters_give_a_normal_page(client, stocked: Shop, params):
    assert client.get(stocked.home.get_absolute_url(), params).status_code == 200
    assert client.get("/search/", {"q": "lantern", **params}).status_code == 200


# --- Query counts ----------------------------------------------------------------------------


def _cold_queries(client, url: str) -> int:
    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?in_stock=on&attr=colour:red&attr=material:glass&price_max=49.99",
        "?subcategory=clocks&attr=colour:blue",
    ],
)
def test_facets_cost_a_fixed_number_of_queries_whatever_the_page_size(client, stocked: Shop, query):
    joiner = "&" if query else "?"
    small = _cold_queries(client, f"/c/home/{query}{joiner}per_page=12")
    for number in range(40):
        make_product(f"TIN LANTERN {number}", category=stocked.candles, attributes={"colour": "green"})

    assert _cold_queries(client, f"/c/home/{query}{joiner}per_page=48") == small


def test_search_facets_cost_a_fixed_number_of_queries(client, stocked: Shop):
    few = _cold_queries(client, "/search/?q=lantern&attr=colour:red")
    for number in range(40):
        make_product(f"TIN LANTERN {number}", category=stocked.candles, attributes={"colour": "green"})

    assert _cold_queries(client, "/search/?q=lantern&attr=colour:red") == few


@pytest.mark.parametrize("per_page", [12, 48])
def test_a_cold_category_page_runs_five_queries(client, stocked: Shop, per_page, django_assert_num_queries):
    client.get("/")  # the header's categories, cached
    # The category with its family, the count, the page with each card's first picture, and two
    # for the facets: price bands with stock; attributes, options, typed values and categories in one.
    with django_assert_num_queries(5):
        assert client.get(f"/c/home/?per_page={per_page}&attr=colour:red").status_code == 200


@pytest.mark.parametrize("per_page", [2, 24])
def test_a_cold_search_page_runs_a_fixed_number_of_queries(
    client, stocked: Shop, per_page, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("emporium.catalog.views.SEARCH_PAGE_SIZE", per_page)
    client.get("/")  # the header's categories, cached
    # The catalog's words, the page with the count of all matches and the cards' pictures, and two for the
    # facets, on both databases: a misspelt word the catalog corrects needs no fuzzy match (no
    # trigram threshold to set), and the facets' counts find the matches by the stored documents.
    with django_assert_num_queries(4):
        assert client.get("/search/?q=lantrn&attr=colour:red").status_code == 200
