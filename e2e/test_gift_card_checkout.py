"""A shopper pays part of an order with a gift card and the rest with the test card, with and
without JavaScript: the checkout summary shows the card's part and what is left to pay, the
pay page charges only the rest, and the order page shows both parts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.checkout_page import choose_delivery, fill_guest_address
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import make_product
from emporium.checkout.tests.factories import ShippingMethodFactory, TaxRateFactory
from emporium.giftcards.models import GiftCard
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.models import Order, OrderStatus
from emporium.payments.models import PaymentState

CODE = "7KQ2-M9XD-4RT8-PZ3A"
CARD = "Gift card (\N{HORIZONTAL ELLIPSIS}PZ3A)"


@pytest.fixture
def shop(transactional_db: None) -> Product:
    """A £20.00 product, £3.95 delivery (£23.95 in all), and a £15.00 gift card: £8.95 to pay."""
    TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
    ShippingMethodFactory.create(name="Standard delivery", price_amount=Decimal("3.95"))
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))
    return make_product("REGENCY CAKESTAND 3 TIER", price="20.00")


def _row(page: Page, label: str):
    return page.get_by_role("row", name=re.compile(rf"^{re.escape(label)}"))


def _fill_checkout(page: Page, *, javascript: bool = True) -> None:
    fill_guest_address(page, email="guest@example.com")
    choose_delivery(page, "Standard delivery", javascript=javascript)
    page.get_by_label("Gift card code").fill(CODE.lower())  # as typed from the card, any case


def _place_pay_and_check_the_order(page: Page) -> None:
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    expect(
        page.get_by_text("Your gift card (\N{HORIZONTAL ELLIPSIS}PZ3A) paid £15.00 of the £23.95 total.")
    ).to_be_visible()
    expect(page.get_by_text("Amount to pay: £8.95.")).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £8.95").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Thank you: order EM-"))
    expect(page.get_by_text("Status: Paid.")).to_be_visible()
    expect(_row(page, "Total")).to_contain_text("£23.95")
    expect(_row(page, CARD)).to_contain_text("£15.00")
    expect(_row(page, "Paid by other means")).to_contain_text("£8.95")  # the test card's part, paid

    order = Order.objects.get()
    payment = order.payments.get()
    assert order.status == OrderStatus.PAID
    assert (payment.state, payment.captured_amount) == (PaymentState.CAPTURED, Decimal("8.95"))
    assert GiftCard.objects.get().balance_amount == Decimal(0)


def test_a_shopper_pays_part_with_a_gift_card_and_the_rest_by_card(page: Page, live_server, shop: Product):
    page.goto(f"{live_server.url}{shop.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()
    page.goto(f"{live_server.url}/checkout/")
    _fill_checkout(page)
    page.get_by_label("Gift card code").press("Tab")  # a change: the summary updates by itself (htmx)

    expect(_row(page, CARD)).to_contain_text("\N{MINUS SIGN}£15.00")
    expect(_row(page, "To pay")).to_contain_text("£8.95")
    expect(_row(page, "Total")).to_contain_text("£23.95")
    _place_pay_and_check_the_order(page)


def test_without_javascript_the_gift_card_checkout_works_the_same(
    browser: Browser, live_server, shop: Product
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}{shop.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()  # a plain post, then the cart page
    expect(page).to_have_url(f"{live_server.url}/cart/")
    page.goto(f"{live_server.url}/checkout/")
    _fill_checkout(page, javascript=False)
    page.get_by_role("button", name="Update totals").click()  # what the live summary does, by a post

    expect(_row(page, CARD)).to_contain_text("\N{MINUS SIGN}£15.00")
    expect(_row(page, "To pay")).to_contain_text("£8.95")
    expect(page.get_by_label("Gift card code")).to_have_value(CODE.lower())
    _place_pay_and_check_the_order(page)
    context.close()
