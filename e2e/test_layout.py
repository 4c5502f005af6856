"""Every storefront page type fits a phone's screen, with and without JavaScript.

A page wider than the screen scrolls sideways; the menu that opens and then collapses moves
everything below it (layout shift). Both are measured the way a browser reports them: the
document's scroll width against the window's, and the layout-shift entries of the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Category, Product
from emporium.catalog.tests.factories import make_product
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.models import Order
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

PASSWORD = "correct-horse-battery"
# Long names without spaces are what push a narrow layout wider than the screen.
LONG_NAME = "EXTRAORDINARILY-LONG-VINTAGE-CHRISTMAS-HANGING-DECORATION-SET-OF-TWELVE"

# Sum of the layout shifts the page reported so far (what Lighthouse's CLS adds up on one load).
LAYOUT_SHIFT_JS = """() => new Promise((resolve) => {
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  });
  observer.observe({ type: "layout-shift", buffered: true });
  requestAnimationFrame(() => requestAnimationFrame(() => { observer.disconnect(); resolve(total); }));
})"""


@pytest.fixture
def shop(transactional_db: None) -> tuple[Product, Order]:
    ShippingMethodFactory.create(name="UK standard delivery", price_amount=Decimal("3.95"))
    product = make_product(LONG_NAME, price="12.75", description="Twelve glass baubles. " * 20)
    make_product("WHITE HANGING HEART T-LIGHT HOLDER", category=product.category, price="2.95")
    customer = UserFactory.create(email="ann@example.com")
    order = OrderFactory.create(customer=customer, email=customer.email)
    OrderLineFactory.create(order=order, variant=product.variants.get(), product_name=LONG_NAME, quantity=2)
    return product, order


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, locale="en-GB", java_script_enabled=request.param
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _assert_fits_the_screen(page: Page, *, width: int) -> None:
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, f"{page.url} is {scroll_width}px wide at {inner_width}px"


def _assert_menu_collapsed_without_shift(page: Page, *, has_javascript: bool) -> None:
    expect(page.locator("details.nav-menu")).not_to_have_attribute("open", "")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    # Layout shifts are read with an observer whose callbacks need the page's event loop, which
    # a page without JavaScript does not run; there no script can move anything either.
    if has_javascript:
        assert page.evaluate(LAYOUT_SHIFT_JS) < 0.05, f"{page.url} shifted its layout while loading"


def _visit(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)
    # nav-toggle.ts adds aria-expanded, so it is there exactly when the page runs its script.
    has_javascript = page.locator("summary.nav-toggle").get_attribute("aria-expanded") is not None
    _assert_menu_collapsed_without_shift(page, has_javascript=has_javascript)
    for width in (320, 375):
        page.set_viewport_size({"width": width, "height": 640})
        _assert_fits_the_screen(page, width=width)


def test_every_storefront_page_fits_a_phone_screen(phone: BrowserContext, live_server, shop, request):
    product, order = shop
    page = phone.new_page()
    page.goto(live_server.url)
    # The script enhances the menu button when it runs, and only then.
    expected = "false" if request.node.callspec.params["phone"] else None
    assert page.locator("summary.nav-toggle").get_attribute("aria-expanded") == expected
    base = live_server.url
    category: Category = product.category

    for path in ("/", category.get_absolute_url(), product.get_absolute_url(), "/search/?q=hanging"):
        _visit(page, base + path)

    # Without JavaScript the form posts and lands on the cart; with it, it stays on the page.
    page.goto(base + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name=re.compile(r"^Cart \(1"))).to_be_visible()
    _visit(page, f"{base}/cart/")
    expect(page.get_by_role("row", name=LONG_NAME)).to_be_visible()
    _visit(page, f"{base}/checkout/")
    expect(page.get_by_label("UK standard delivery")).to_be_attached()

    _visit(page, f"{base}/accounts/login/")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_attached()
    for path in (
        "/account/",
        "/account/profile/",
        "/account/addresses/",
        "/account/orders/",
        "/account/privacy/",
    ):
        _visit(page, base + path)
    _visit(page, f"{base}/account/orders/{order.number}/")
    _visit(page, f"{base}/checkout/orders/{order.number}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 812}])
def test_the_menu_opens_from_its_button_without_javascript(
    browser: Browser, live_server, transactional_db, viewport
):
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()

    page.locator("summary.nav-toggle").click()

    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    context.close()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 812}])
def test_the_menu_button_says_whether_it_is_expanded_and_escape_closes_it(page: Page, live_server, viewport):
    page.goto(live_server.url)
    menu = page.locator("summary.nav-toggle")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()

    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav).to_be_hidden()


def test_the_menu_is_always_shown_on_a_wide_screen(page: Page, live_server):
    page.goto(live_server.url)

    expect(page.locator("summary.nav-toggle")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")).to_be_visible()
