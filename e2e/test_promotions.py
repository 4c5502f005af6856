"""A shopper meets automatic promotions: a sale price on the listing and the product page, a
buy-X-get-Y earned in the cart, and the same figures on the order; with JavaScript and without."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.axe import axe_context, serious_violations
from e2e.checkout_page import choose_delivery, fill_guest_address
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.models import Order
from emporium.promotions.models import Promotion
from emporium.promotions.tests.factories import PromotionFactory


@pytest.fixture
def sale(transactional_db: None) -> dict[str, Product]:
    ShippingMethodFactory.create(name="Standard delivery", price_amount=Decimal("3.95"))
    garden = CategoryFactory.create(name="Garden", slug="garden")
    christmas = CategoryFactory.create(name="Christmas", slug="christmas")
    PromotionFactory.create(name="Garden week", applies_to_all_products=False, categories=[garden], value=20)
    PromotionFactory.create(
        name="3 for 2", kind=Promotion.Kind.BUY_X_GET_Y, value=100, buy_quantity=2, get_quantity=1,
        applies_to_all_products=False, categories=[christmas],
    )  # fmt: skip
    return {
        "trowel": make_product("Garden trowel", category=garden, price="10.00"),
        "chain": make_product("Paper chain kit", category=christmas, price="2.95"),
    }


def _buy(page: Page, base_url: str, product: Product, quantity: int, *, javascript: bool = True) -> None:
    page.goto(f"{base_url}{product.get_absolute_url()}")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    if javascript:
        expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()


def _check_out(page: Page, *, javascript: bool = True) -> None:
    fill_guest_address(page, email="guest@example.com")
    choose_delivery(page, "Standard delivery", javascript=javascript)


def test_a_shopper_sees_the_sale_price_earns_three_for_two_and_pays_what_was_shown(
    page: Page, live_server, sale
):
    page.goto(f"{live_server.url}/c/garden/")
    card = page.get_by_role("listitem").filter(has_text="Garden trowel")
    expect(card.locator(".price--sale")).to_have_text("£8.00")
    expect(card.locator(".price--was")).to_have_text("£10.00")
    expect(card.get_by_text("Garden week")).to_be_visible()

    _buy(page, live_server.url, sale["trowel"], 1)
    expect(page.locator(".product__price .price--sale")).to_have_text("£8.00")
    _buy(page, live_server.url, sale["chain"], 3)

    page.goto(f"{live_server.url}/cart/")
    expect(
        page.get_by_role("row", name=re.compile("Paper chain kit")).get_by_text(
            "3 for 2: \N{MINUS SIGN}£2.95"
        )
    ).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("Garden trowel")).get_by_text(
            "Garden week: \N{MINUS SIGN}£2.00"
        )
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Total after offers"))).to_contain_text("£13.90")

    page.get_by_role("link", name="Go to checkout").click()
    _check_out(page)
    expect(page.locator("tfoot").get_by_role("row", name=re.compile("3 for 2"))).to_contain_text(
        "\N{MINUS SIGN}£2.95"
    )
    expect(page.get_by_role("row", name=re.compile("^Total"))).to_contain_text("£17.85")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    expect(page.get_by_role("button", name=re.compile(r"^Pay £17\.85"))).to_be_visible()

    order = Order.objects.get()
    assert (order.subtotal_amount, order.promotion_discount_amount, order.total_amount) == (
        Decimal("18.85"), Decimal("4.95"), Decimal("17.85"),
    )  # fmt: skip


def test_promotions_work_without_javascript(browser: Browser, live_server, sale):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()

    _buy(page, live_server.url, sale["chain"], 3, javascript=False)

    expect(page).to_have_url(re.compile(r"/cart/"))
    expect(page.get_by_text("3 for 2: \N{MINUS SIGN}£2.95")).to_be_visible()
    page.get_by_role("link", name="Go to checkout").click()
    _check_out(page, javascript=False)
    page.get_by_role("button", name="Update totals").click()
    expect(page.locator("tfoot").get_by_role("row", name=re.compile("3 for 2"))).to_contain_text(
        "\N{MINUS SIGN}£2.95"
    )
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    assert Order.objects.get().promotion_discount_amount == Decimal("2.95")
    context.close()


def test_sale_prices_and_the_cart_explanations_have_no_serious_accessibility_violation(
    browser: Browser, live_server, sale
):
    context = axe_context(browser)
    page = context.new_page()
    _buy(page, live_server.url, sale["chain"], 3)
    found = []
    for path in ("/c/garden/", sale["trowel"].get_absolute_url(), "/cart/"):
        page.goto(f"{live_server.url}{path}")
        found += serious_violations(page, path)
    context.close()

    assert found == [], "\n".join(found)
