"""Shopper journeys from the product page to a placed order, as a customer and as a guest."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from e2e.checkout_page import choose_delivery, fill_guest_address
from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import make_product
from emporium.checkout.tests.factories import ShippingMethodFactory, TaxRateFactory, VoucherFactory
from emporium.orders.models import Order

PASSWORD = "correct-horse-battery"


@pytest.fixture
def shop(transactional_db: None) -> list[Product]:
    TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
    ShippingMethodFactory.create(name="Standard delivery", price_amount=Decimal("3.95"))
    ShippingMethodFactory.create(name="Next day", price_amount=Decimal("7.95"))
    VoucherFactory.create(code="WELCOME10", value=Decimal(10))
    return [
        make_product("WHITE HANGING HEART T-LIGHT HOLDER", price="2.95"),
        make_product("REGENCY CAKESTAND 3 TIER", price="12.75"),
    ]


def _add_to_cart(page: Page, base_url: str, product: Product, quantity: int = 1) -> None:
    page.goto(f"{base_url}{product.get_absolute_url()}")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()


def _fill_address_and_pay(page: Page, *, voucher: str) -> None:
    fill_guest_address(page)
    page.get_by_label("Next day").check()
    page.get_by_label("Voucher code").fill(voucher)
    page.get_by_label("Voucher code").press("Tab")  # a change: the summary updates by itself (htmx)
    expect(page.get_by_role("row", name=re.compile("Discount"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Includes VAT"))).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Thank you: order EM-"))
    expect(page.get_by_text("Status: Paid.")).to_be_visible()


def test_shopper_fills_a_cart_logs_in_and_checks_out_with_a_voucher(page: Page, live_server, shop):
    UserFactory.create(email="ann@example.com")
    for product in shop:
        _add_to_cart(page, live_server.url, product)
    expect(page.get_by_role("link", name=re.compile(r"^Cart \(2"))).to_be_visible()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/cart/")
    expect(page.get_by_role("row", name=re.compile("WHITE HANGING HEART"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("REGENCY CAKESTAND"))).to_be_visible()

    page.get_by_role("link", name="Go to checkout").click()
    _fill_address_and_pay(page, voucher="welcome10")

    order = Order.objects.get()
    assert (order.customer.email, order.voucher_code, order.shipping_method_name) == (  # type: ignore[union-attr]
        "ann@example.com",
        "WELCOME10",
        "Next day",
    )
    page.goto(f"{live_server.url}/account/orders/")
    expect(page.get_by_role("link", name=order.number)).to_be_visible()


def test_guest_checks_out_with_a_voucher_and_a_shipping_method(page: Page, live_server, shop):
    for product in shop:
        _add_to_cart(page, live_server.url, product)

    page.goto(f"{live_server.url}/checkout/")
    page.get_by_label("E-mail").fill("guest@example.com")
    _fill_address_and_pay(page, voucher="WELCOME10")

    order = Order.objects.get()
    assert (order.customer, order.email, order.total_amount) == (None, "guest@example.com", Decimal("22.08"))
    expect(page.get_by_text(order.number)).to_be_visible()


def test_a_change_made_while_the_summary_is_on_its_way_is_still_priced(
    page: Page, live_server, shop, monkeypatch: pytest.MonkeyPatch
):
    """htmx waits 250 ms after a change before it asks for the summary, and drops the request if
    the element that waits is swapped out meanwhile. When the summary asked for by an earlier
    change arrived in those 250 ms, the last change (the voucher here) was never priced, and the
    page showed the earlier totals for good."""
    from emporium.checkout import views

    preview_totals = views._preview_totals
    first_answer = threading.Event()
    calls: list[int] = []

    def hold_the_first_answer(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            first_answer.wait(timeout=10)
        return preview_totals(*args, **kwargs)

    monkeypatch.setattr(views, "_preview_totals", hold_the_first_answer)
    _add_to_cart(page, live_server.url, shop[1])
    page.goto(f"{live_server.url}/checkout/")
    try:
        with page.expect_request(re.compile(r"/checkout/totals/$")):
            page.get_by_label("Next day").check()  # the summary asks for itself; the server holds it
        page.get_by_label("Voucher code").fill("WELCOME10")
        page.get_by_label("Voucher code").press("Tab")  # a change while that answer is on its way
    finally:
        first_answer.set()  # the first answer arrives before the voucher's 250 ms are up

    expect(page.get_by_role("row", name=re.compile("Discount"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"Shipping \(Next day\)"))).to_be_visible()
    assert len(calls) == 2


def test_a_second_click_while_the_first_answer_is_slow_lands_on_the_same_order(page: Page, live_server, shop):
    _add_to_cart(page, live_server.url, shop[0])
    page.goto(f"{live_server.url}/checkout/")
    fill_guest_address(page, email="guest@example.com")
    choose_delivery(page, "Standard delivery")
    first_submit: list[Route] = []

    def lose_the_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not first_submit:
            first_submit.append(route)
            route.fetch()  # the server places the order and commits, but the answer is lost:
            route.fulfill(status=204)  # the browser stays on the form, as after a timeout
        else:
            route.continue_()

    page.route(f"{live_server.url}/checkout/", lose_the_first_answer)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    order = Order.objects.get()

    page.get_by_role("button", name="Place order").click()  # the shopper clicks again

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {order.number}")
    assert Order.objects.count() == 1


def _ask_for_more_than_is_in_stock(page: Page, base_url: str, product: Product) -> None:
    page.goto(f"{base_url}/cart/")
    quantity = page.get_by_label(f"Quantity of {product.name}")
    quantity.fill("9")
    page.get_by_role("button", name=f"Update {product.name}").click()


def test_a_refused_quantity_stays_in_its_box_with_the_reason_beside_it(page: Page, live_server, shop):
    scarce = make_product("SET OF 3 CAKE TINS PANTRY DESIGN", price="4.95", stock=3)
    _add_to_cart(page, live_server.url, scarce)

    _ask_for_more_than_is_in_stock(page, live_server.url, scarce)

    expect(page.get_by_role("alert")).to_have_text("Only 3 left in stock; you asked for 9.")
    expect(page.get_by_label(f"Quantity of {scarce.name}")).to_have_value("9")
    expect(page.get_by_label(f"Quantity of {scarce.name}")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(f"{live_server.url}/cart/")  # swapped in place by htmx: no new page
    expect(page.get_by_role("link", name=re.compile(r"^Cart \(1"))).to_be_visible()


@pytest.fixture
def page_without_javascript(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_without_javascript_a_refused_quantity_stays_in_its_box_too(
    page_without_javascript: Page, live_server, shop
):
    page = page_without_javascript
    scarce = make_product("SET OF 3 CAKE TINS PANTRY DESIGN", price="4.95", stock=3)
    page.goto(f"{live_server.url}{scarce.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()  # a plain post, then the cart page

    _ask_for_more_than_is_in_stock(page, live_server.url, scarce)

    expect(page.get_by_role("alert")).to_have_text("Only 3 left in stock; you asked for 9.")
    expect(page.get_by_label(f"Quantity of {scarce.name}")).to_have_value("9")


def _billing_name(page: Page):
    return page.get_by_role("group", name="Billing address").get_by_label("Full name")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_billing_fields_show_only_while_not_billing_to_the_shipping_address(
    browser: Browser, live_server, shop, javascript: bool
):
    context = browser.new_context(locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    if javascript:
        _add_to_cart(page, live_server.url, shop[0])
    else:
        page.goto(f"{live_server.url}{shop[0].get_absolute_url()}")
        page.get_by_role("button", name="Add to cart").click()  # a plain post, then the cart page
        expect(page).to_have_url(f"{live_server.url}/cart/")
    page.goto(f"{live_server.url}/checkout/")
    same = page.get_by_label("Bill to the shipping address")

    expect(same).to_be_checked()
    expect(_billing_name(page)).to_be_hidden()  # CSS :has(), no script involved
    same.uncheck()
    expect(_billing_name(page)).to_be_visible()
    same.check()
    expect(_billing_name(page)).to_be_hidden()

    fill_guest_address(page, email="guest@example.com")
    choose_delivery(page, "Standard delivery", javascript=javascript)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    order = Order.objects.get()
    assert order.billing_address == order.shipping_address
    context.close()


def test_a_guest_opens_the_order_from_the_emails_link_in_a_fresh_browser(
    page: Page, browser: Browser, live_server, shop, settings
):
    from django.core import mail

    settings.SITE_URL = live_server.url
    _add_to_cart(page, live_server.url, shop[1])
    page.goto(f"{live_server.url}/checkout/")
    page.get_by_label("E-mail").fill("guest@example.com")
    _fill_address_and_pay(page, voucher="WELCOME10")
    order = Order.objects.get()
    confirmation = next(m for m in mail.outbox if order.number in m.subject and "your order" in m.subject)
    link = re.search(rf"{re.escape(live_server.url)}/checkout/orders/\S+\?token=\S+", str(confirmation.body))
    assert link is not None

    fresh = browser.new_context(locale="en-GB")  # no cookies: another browser, another device
    other = fresh.new_page()
    other.goto(link.group())

    expect(other.get_by_role("heading", level=1)).to_have_text(f"Thank you: order {order.number}")
    expect(other.get_by_role("row", name=re.compile(r"^Discount \(WELCOME10\)"))).to_be_visible()
    expect(other.get_by_role("row", name=re.compile(r"^Total £"))).to_contain_text(f"£{order.total_amount}")
    fresh.close()
    another = browser.new_context(locale="en-GB")
    altered = another.new_page()
    altered.goto(link.group()[:-3] + "xyz")
    expect(altered.get_by_role("heading", level=1)).to_have_text("This link no longer opens an order")
    expect(altered.get_by_text("WELCOME10")).to_have_count(0)
    another.close()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 800}], ids=["phone"])
def test_the_order_page_fits_a_phone_screen(page: Page, live_server, shop):
    from emporium.orders.links import make_order_link
    from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

    order = OrderFactory.create(
        customer=None, currency="GBP", subtotal_amount=Decimal("25.50"), shipping_amount=Decimal("4.95"),
        shipping_method_name="Standard delivery", discount_amount=Decimal("2.55"), voucher_code="WELCOME10",
        total_amount=Decimal("27.90"), tax_amount=Decimal("4.65"), tax_rate=Decimal("0.2"),
        shipping_address={"full_name": "Ann Shopper", "line1": "1 High Street", "city": "Bristol"},
    )  # fmt: skip
    OrderLineFactory.create(
        order=order, variant=None, product_name="WHITE HANGING HEART T-LIGHT HOLDER", sku="85123A", quantity=12,
        unit_price_amount=Decimal("2.125"), total_amount=Decimal("25.50"),
    )  # fmt: skip

    page.goto(f"{live_server.url}{make_order_link(order=order, absolute=False)}")

    expect(page.get_by_role("row", name=re.compile(r"^Total £27\.90"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}], ids=["desktop", "phone"]
)
def test_a_press_on_place_order_still_places_it_when_the_summary_updates_meanwhile(
    page: Page, live_server, shop, viewport
):
    """The summary above the button is re-rendered a moment after each change, and choosing a
    delivery adds rows to it. A press that began on the button before that swap and ended
    after it ended where the button had been: no click, and the shopper stayed on the page.
    The page now scrolls with the button while it is pressed (frontend/storefront/pressed-in-place.ts)."""
    _add_to_cart(page, live_server.url, shop[1])
    page.goto(f"{live_server.url}/checkout/")
    fill_guest_address(page, email="guest@example.com")
    page.wait_for_load_state("networkidle")  # the summary asked for by the last field, if any
    held: list[Route] = []
    released = threading.Event()

    def hold_until_pressed(route: Route) -> None:
        if released.is_set():
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/checkout/totals/$"), hold_until_pressed)
    with page.expect_request(re.compile(r"/checkout/totals/$")):
        page.get_by_label("Standard delivery").check()
    # The summary is on its way; the shopper reaches for the button meanwhile.
    place_order = page.get_by_role("button", name="Place order")
    place_order.scroll_into_view_if_needed()
    box = place_order.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    page.mouse.down()
    released.set()
    for route in held:  # the new summary, with its shipping, total and VAT rows, arrives
        route.continue_()
    expect(page.get_by_role("row", name=re.compile(r"^Shipping \(Standard delivery"))).to_be_visible()
    page.mouse.up()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    assert Order.objects.get().shipping_method_name == "Standard delivery"
