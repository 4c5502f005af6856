"""Shopper journeys through the catalogue, on a desktop and on a 375-pixel phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from emporium.catalog.models import Category
from emporium.catalog.tests.factories import CategoryFactory, make_product

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture
def catalogue(transactional_db: None) -> Category:
    """Home > Candles & Lanterns with 30 affordable holders in stock, plus products the filters drop."""
    home = CategoryFactory.create(name="Home", slug="home")
    candles = CategoryFactory.create(name="Candles & Lanterns", slug="candles-lanterns", parent=home)
    CategoryFactory.create(name="Bags", slug="bags")
    for number in range(30):
        make_product(
            f"ZINC T-LIGHT HOLDER STAR {number:02d}",
            category=candles,
            price=f"{2 + number % 4}.25",
            sold=number,
        )
    make_product("CANDLE HOLDER PINK HANGING HEART", category=candles, price="12.75", sold=500)
    make_product("WHITE METAL LANTERN", category=candles, price="3.75", stock=0, sold=400)
    return candles


def _open_filters(page: Page) -> None:
    """On a phone the filters fold away behind their heading, so the results come first."""
    min_price = page.get_by_label("Min price (£)")
    if not min_price.is_visible():
        page.get_by_text("Filters", exact=True).click()
    expect(min_price).to_be_visible()


def _showing(first: int, last: int, total: int) -> str:
    return f"Showing {first}\N{EN DASH}{last} of {total} products"


def _url_with(**params: str) -> re.Pattern[str]:
    """A URL that carries every one of these query parameters, in any order."""
    return re.compile(
        "".join(rf"(?=.*[?&]{re.escape(key)}={re.escape(value)}(&|$))" for key, value in params.items())
    )


def _results(page: Page):
    return page.get_by_role("region", name="Products")


@VIEWPORTS
def test_shopper_browses_filters_sorts_pages_and_opens_amake_product(
    page: Page, live_server, catalogue, viewport
):
    page.goto(live_server.url)
    page.get_by_role("region", name="Shop by category").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.get_by_text(_showing(1, 24, 32))).to_be_visible()

    _open_filters(page)
    page.get_by_label("Min price (£)").fill("2")
    page.get_by_label("Max price (£)").fill("6")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(_showing(1, 24, 30))).to_be_visible()
    expect(page).to_have_url(_url_with(price_min="2", price_max="6", in_stock="on"))
    expect(_results(page).get_by_role("link", name="WHITE METAL LANTERN")).to_have_count(0)

    page.get_by_label("Sort by").select_option(label="Price: low to high")
    expect(page).to_have_url(_url_with(sort="price-asc", price_min="2"))
    expect(_results(page).get_by_role("heading", level=3).first).to_have_text("ZINC T-LIGHT HOLDER STAR 00")

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text(_showing(25, 30, 30))).to_be_visible()
    expect(page).to_have_url(
        _url_with(price_min="2", price_max="6", in_stock="on", sort="price-asc", page="2")
    )

    _results(page).get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^ZINC T-LIGHT HOLDER STAR \d\d$"))
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
    expect(
        page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Candles & Lanterns")
    ).to_be_visible()


@VIEWPORTS
def test_a_shared_filtered_url_opens_the_same_results(page: Page, live_server, catalogue, viewport):
    page.goto(f"{live_server.url}/c/home/?in_stock=on&sort=price-desc&page=2")

    expect(page.get_by_text(_showing(25, 31, 31))).to_be_visible()
    expect(page.get_by_label("Sort by")).to_have_value("price-desc")
    _open_filters(page)
    expect(page.get_by_label("In stock only")).to_be_checked()


@VIEWPORTS
def test_search_suggestions_are_reachable_from_the_keyboard(page: Page, live_server, catalogue, viewport):
    page.goto(live_server.url)
    search = page.get_by_role("searchbox", name="Search the shop")

    search.press_sequentially("lantern", delay=30)
    suggestion = page.get_by_role("list", name="Suggestions").get_by_role("link", name="WHITE METAL LANTERN")
    expect(suggestion).to_be_visible()
    search.press("ArrowDown")
    expect(suggestion).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("WHITE METAL LANTERN")
    expect(page.get_by_text("Out of stock")).to_be_visible()


@VIEWPORTS
def test_a_misspelt_search_finds_candle_holders(page: Page, live_server, catalogue, viewport):
    if connection.vendor != "postgresql":
        pytest.skip(
            "PostgreSQL finds products with any of the words (full text, pg_trgm); SQLite needs every "
            "word, so it has no T-light holders for 'candel holder' (typos on both: see below)"
        )
    page.goto(live_server.url)

    search = page.get_by_role("searchbox", name="Search the shop")
    search.fill("candel holder")
    search.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “candel holder”")
    first = page.get_by_role("region", name="Results").get_by_role("heading", level=3).first
    expect(first).to_have_text("CANDLE HOLDER PINK HANGING HEART")
    expect(page.get_by_role("link", name="ZINC T-LIGHT HOLDER STAR 29")).to_be_visible()


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_filters_and_pages_work_without_javascript(page_without_javascript: Page, live_server, catalogue):
    page = page_without_javascript
    page.goto(f"{live_server.url}/c/home/")

    page.get_by_text("Filters", exact=True).click()  # closed: no script opens it on wide screens
    page.get_by_label("Max price (£)").fill("3")
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text(_showing(1, 8, 8))).to_be_visible()

    page.get_by_label("Max price (£)").fill("6")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name="Next page").click()

    expect(page.get_by_text(_showing(25, 30, 30))).to_be_visible()
    expect(page).to_have_url(_url_with(price_max="6", in_stock="on", page="2"))


@VIEWPORTS
def test_a_misspelt_search_offers_did_you_mean_on_any_database(page: Page, live_server, catalogue, viewport):
    page.goto(live_server.url)

    search = page.get_by_role("searchbox", name="Search the shop")
    search.fill("hart holdr")
    search.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “hart holdr”")
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("link", name="CANDLE HOLDER PINK HANGING HEART")).to_be_visible()
    page.get_by_role("link", name="heart holder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “heart holder”")
    expect(page.get_by_text("Did you mean")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@VIEWPORTS
def test_a_facet_narrows_the_listing_to_what_it_counted(page: Page, live_server, catalogue, viewport):
    page.goto(f"{live_server.url}/c/home/")

    _open_filters(page)
    in_stock = page.get_by_role("link", name=re.compile(r"^In stock \d+ products$"))
    count = int(re.findall(r"\d+", in_stock.inner_text())[0])
    in_stock.click()

    expect(page).to_have_url(_url_with(in_stock="on"))
    expect(page.get_by_text(_showing(1, 24, count))).to_be_visible()
    _open_filters(page)
    expect(page.get_by_label("In stock only")).to_be_checked()  # the form follows the facet
    page.get_by_role("link", name=re.compile(r"^Remove filter: In stock")).click()
    expect(page.get_by_text(_showing(1, 24, 32))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_facets_work_without_javascript(page_without_javascript: Page, live_server, catalogue):
    page = page_without_javascript
    page.goto(f"{live_server.url}/search/?q=holder")

    page.get_by_text("Refine", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^£10\.00 to £24\.99 1 product$")).click()

    expect(page.get_by_text("Showing 1\N{EN DASH}1 of 1 product for “holder”")).to_be_visible()
    expect(page).to_have_url(_url_with(q="holder", price_min="10", price_max="24.99"))
