"""Choosing a colour and a size on the product page, with JavaScript (htmx) and without."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.axe import axe_context, serious_violations
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import CategoryFactory, make_clothing_type, make_product_with_variants


@pytest.fixture
def tee(transactional_db: None) -> Product:
    """A tee in red and blue, small and large; no red large is made, the blue small is sold out."""
    return make_product_with_variants(
        "Cotton tee",
        slug="cotton-tee",
        category=CategoryFactory.create(name="Clothes", slug="clothes"),
        product_type=make_clothing_type(),
        options=[
            {"colour": "red", "size": "s"},
            {"colour": "blue", "size": "s"},
            {"colour": "blue", "size": "l"},
        ],
        stock={1: 0},
    )


def _choose(page: Page, attribute: str, value: str) -> None:
    group = page.get_by_role("group", name=re.compile(rf"^{attribute}"))
    group.get_by_role("radio", name=re.compile(rf"^{value}")).check()


def test_a_shopper_picks_colour_and_size_and_buys_that_variant(page: Page, live_server, tee: Product):
    blue_large = tee.variants.get(options={"colour": "blue", "size": "l"})
    page.goto(f"{live_server.url}/p/cotton-tee/")
    expect(
        page.get_by_text("SKU " + tee.variants.get(options={"colour": "red", "size": "s"}).sku)
    ).to_be_visible()

    _choose(page, "Colour", "Blue")  # htmx swaps the buy box: blue small is sold out
    expect(page.get_by_role("group", name=re.compile("^Size")).get_by_text("Sold out")).to_be_visible()
    _choose(page, "Size", "Large")

    expect(page).to_have_url(re.compile(r"colour=blue&size=l"))
    expect(page.get_by_text(f"SKU {blue_large.sku}")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()


def test_the_picker_works_without_javascript(browser: Browser, live_server, tee: Product):
    blue_large = tee.variants.get(options={"colour": "blue", "size": "l"})
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/p/cotton-tee/")

    _choose(page, "Colour", "Red")
    _choose(page, "Size", "Large")
    page.get_by_role("button", name="Show this option").click()
    expect(page.get_by_text("Red, Large is not made.")).to_be_visible()
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled()

    _choose(page, "Colour", "Blue")
    page.get_by_role("button", name="Show this option").click()
    expect(page.get_by_text(f"SKU {blue_large.sku}")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()

    expect(page).to_have_url(re.compile(r"/cart/"))
    expect(page.get_by_text("Cotton tee").first).to_be_visible()
    context.close()


def test_the_picker_has_no_serious_accessibility_violation(browser: Browser, live_server, tee: Product):
    context = axe_context(browser)
    page = context.new_page()
    found = []
    for query in ("", "?colour=red&size=l", "?colour=blue&size=s"):  # in stock, not made, sold out
        page.goto(f"{live_server.url}/p/cotton-tee/{query}")
        found += serious_violations(page, query)
    context.close()

    assert found == [], "\n".join(found)


def test_a_keyboard_user_keeps_their_place_when_the_buy_box_is_swapped(page: Page, live_server, tee: Product):
    page.goto(f"{live_server.url}/p/cotton-tee/")
    colours = page.get_by_role("group", name=re.compile("^Colour"))
    colours.get_by_role("radio", name=re.compile("^Red")).focus()

    page.keyboard.press("ArrowRight")  # selects Blue: htmx swaps the whole buy box

    expect(page.get_by_role("group", name=re.compile("^Colour"))).to_contain_text("Colour: Blue")
    expect(page.get_by_role("radio", name=re.compile("^Blue"))).to_be_focused()
