"""Typed number attributes as bands ("Width: 10 to 20 cm") and yes/no attributes as facets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from emporium.catalog.attributes import AttributeKind
from emporium.catalog.facets import ListingFacets, _number_bands, get_listing_facets
from emporium.catalog.forms import parse_flag_filters, parse_range_filters
from emporium.catalog.models import Product
from emporium.catalog.selectors import CategoryLink, ProductFilters
from emporium.catalog.tests.caches import empty_caches
from emporium.catalog.tests.factories import AttributeFactory, ProductTypeFactory, Shop, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def mugs(shop: Shop) -> Shop:
    """Candles: four mugs of a type with a width (cm) and "dishwasher safe"; a free-form lantern
    whose width is text; a bag (outside Home)."""
    width = AttributeFactory.create(code="width", name="Width", kind=AttributeKind.NUMBER, unit="cm")
    safe = AttributeFactory.create(code="dishwasher_safe", name="Dishwasher safe", kind=AttributeKind.BOOLEAN)
    mug = ProductTypeFactory.create(name="Mug", slug="mug")
    mug.type_attributes.create(attribute=width, position=0)
    mug.type_attributes.create(attribute=safe, position=1)
    for name, cm, dishwasher, stock in (
        ("SMALL MUG", 8, True, 10),
        ("TALL MUG", 12.5, True, 0),
        ("BIG MUG", 18, False, 10),
        ("HUGE MUG", 31, True, 10),
    ):
        make_product(
            name, category=mug_category(shop), product_type=mug, stock=stock,
            attributes={"width": cm, "dishwasher_safe": dishwasher},
        )  # fmt: skip
    make_product("ODD LANTERN", category=shop.candles, attributes={"width": "wide", "dishwasher_safe": "yes"})
    make_product("BAG MUG", category=shop.bags, product_type=mug, attributes={"width": 10})
    return shop


def mug_category(shop: Shop):
    return shop.candles


def _facets(shop: Shop, filters: ProductFilters = ProductFilters()) -> ListingFacets:  # noqa: B008
    return get_listing_facets(
        scope=CategoryLink.from_category(shop.home),
        category_options=(CategoryLink.from_category(shop.candles), CategoryLink.from_category(shop.clocks)),
        selected_category=None,
        filters=filters,
    )


def _typed(facets: ListingFacets, key: str) -> dict[str, int]:
    facet = next(facet for facet in facets.typed if facet.key == key)
    return {value.label: value.count for value in facet.values}


def test_numbers_count_in_nice_bands_drawn_from_the_values_present(mugs: Shop):
    facets = _facets(mugs)

    assert _typed(facets, "width") == {
        "0\N{EN DASH}10 cm": 1,
        "10\N{EN DASH}20 cm": 2,
        "30\N{EN DASH}40 cm": 1,
    }
    assert next(facet.label for facet in facets.typed if facet.key == "width") == "Width"
    # Not also offered as free-form values, and the text "wide" is no number.
    assert [facet.key for facet in facets.attributes] == []


def test_yes_no_counts(mugs: Shop):
    assert _typed(_facets(mugs), "dishwasher_safe") == {"Yes": 3, "No": 1}


def test_a_chosen_band_narrows_the_others_but_not_itself(mugs: Shop):
    facets = _facets(mugs, ProductFilters(ranges=(("width", Decimal(10), Decimal(20)),)))

    assert _typed(facets, "width") == {
        "0\N{EN DASH}10 cm": 1,
        "10\N{EN DASH}20 cm": 2,
        "30\N{EN DASH}40 cm": 1,
    }
    assert _typed(facets, "dishwasher_safe") == {"Yes": 1, "No": 1}
    assert facets.in_stock.count == 1  # TALL MUG is sold out


def test_yes_and_in_stock_narrow_the_bands(mugs: Shop):
    facets = _facets(mugs, ProductFilters(flags=(("dishwasher_safe", True),), in_stock_only=True))

    assert _typed(facets, "width") == {"0\N{EN DASH}10 cm": 1, "30\N{EN DASH}40 cm": 1}


def test_bands_are_one_to_two_five_steps():
    counts = {Decimal(v): 1 for v in ("120", "480", "910")}

    assert [(int(low), int(high)) for low, high, _n in _number_bands(counts)] == [
        (0, 200), (400, 600), (800, 1000),
    ]  # fmt: skip
    assert _number_bands({Decimal("0.5"): 2, Decimal("0.75"): 1})[0][2] == 2


def test_the_category_page_links_bands_and_yes_no_and_filters_by_them(client, mugs: Shop):
    html = client.get("/c/home/").content.decode()

    assert 'href="/c/home/?range=width%3A10..20"' in html
    assert 'href="/c/home/?flag=dishwasher_safe%3Ayes"' in html
    assert "Dishwasher safe" in html

    html = client.get("/c/home/", {"range": "width:10..20", "flag": "dishwasher_safe:yes"}).content.decode()

    assert "TALL MUG" in html
    assert "BIG MUG" not in html
    assert "SMALL MUG" not in html
    assert "ODD LANTERN" not in html
    form = html.split('<form id="product-filters"')[1].split("</form>")[0]
    assert '<input type="hidden" name="range" value="width:10..20">' in form
    assert '<input type="hidden" name="flag" value="dishwasher_safe:yes">' in form


def test_another_band_replaces_the_chosen_one_and_keeps_other_filters(client, mugs: Shop):
    html = client.get("/c/home/", {"range": "width:10..20", "in_stock": "on"}).content.decode()

    assert 'href="/c/home/?range=width%3A30..40&amp;in_stock=on"' in html
    assert 'href="/c/home/?in_stock=on"' in html  # taking the band off


def test_open_ranges_typed_in_the_url_work_and_show_as_chosen(client, mugs: Shop):
    html = client.get("/c/home/", {"range": "width:15.."}).content.decode()

    assert "BIG MUG" in html
    assert "HUGE MUG" in html
    assert "TALL MUG" not in html
    assert "15 cm and over" in html


def test_search_offers_and_applies_typed_facets(client, mugs: Shop):
    html = client.get("/search/", {"q": "mug", "flag": "dishwasher_safe:yes"}).content.decode()

    assert "SMALL MUG" in html
    assert "BIG MUG" not in html
    assert "range=width%3A" in html


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["width:abc"], ()),
        (["width:10..abc"], ()),
        (["width:20..10"], ()),
        (["width:.."], ()),
        (["width:1e999..2e999"], ()),
        (["width:NaN..1"], ()),
        (["wi dth:1..2"], ()),
        (["width:1..2", "width:3..4"], (("width", Decimal(1), Decimal(2)),)),
        (["width:..5"], (("width", None, Decimal(5)),)),
    ],
)
def test_range_parameters_are_parsed_or_dropped(raw, expected):
    assert parse_range_filters(raw) == expected


def test_flag_parameters_are_parsed_or_dropped():
    assert parse_flag_filters(["a:yes", "b:no", "c:maybe", "d", "a:no"]) == (("a", True), ("b", False))


@pytest.mark.parametrize(
    "params",
    [
        {"range": "width:abc"},
        {"range": "nosuch:1..2"},
        {"range": "dishwasher_safe:1..2"},
        {"flag": "width:yes"},
        {"flag": "dishwasher_safe:perhaps"},
        {"range": ["width:" + "9" * 5000 + "..1"]},
        {"range": [f"k{n}:1..2" for n in range(50)]},
        {"width": "abc"},
    ],
)
def test_odd_typed_parameters_give_a_normal_page(client, mugs: Shop, params):
    assert client.get("/c/home/", params).status_code == 200
    assert client.get("/search/", {"q": "mug", **params}).status_code == 200


def _cold_queries(client, url: str) -> int:
    empty_caches()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query", ["", "?range=width:10..20&flag=dishwasher_safe:yes", "?flag=dishwasher_safe:no&in_stock=on"]
)
def test_typed_facets_cost_a_fixed_number_of_queries_whatever_the_products(client, mugs: Shop, query):
    joiner = "&" if query else "?"
    small = _cold_queries(client, f"/c/home/{query}{joiner}per_page=12")
    mug = Product.objects.get(name="SMALL MUG").product_type
    for number in range(30):
        make_product(
            f"MORE MUG {number}", category=mugs.candles, product_type=mug,
            attributes={"width": 5 + number, "dishwasher_safe": number % 2 == 0},
        )  # fmt: skip

    assert _cold_queries(client, f"/c/home/{query}{joiner}per_page=48") == small


def test_a_cold_category_page_with_typed_filters_runs_five_queries(
    client, mugs: Shop, django_assert_num_queries
):
    client.get("/")  # the header's categories, cached
    # As without them: the typed counts share the attribute facets' query.
    with django_assert_num_queries(5):
        assert client.get("/c/home/?range=width:10..20&flag=dishwasher_safe:yes").status_code == 200


@pytest.mark.parametrize(
    "condition",
    [
        ProductFilters(flags=(("dishwasher_safe", True),)),
        ProductFilters(ranges=(("width", Decimal(10), Decimal(20)),)),
    ],
    ids=["yes-no", "range"],
)
def test_typed_filters_can_use_the_gin_index(mugs: Shop, is_postgres, condition: ProductFilters):
    """``flag=`` compiles to JSON containment and ``range=`` to a key test, both of which the
    GIN index on the product attributes answers."""
    if not is_postgres:
        pytest.skip("GIN indexes exist on PostgreSQL only")
    sql, params = Product.objects.filter(condition.typed_q()).values("pk").query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "product_attributes_gin" in plan
