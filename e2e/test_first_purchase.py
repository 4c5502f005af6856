"""A newcomer's first purchase on the shop `make run` sets up, on a desktop and on a phone.

The shop is made exactly as `make run` makes it (`setup_demo` on an empty database: the demo
products, shipping methods, VAT and vouchers), so this test fails when the demo data cannot
sell, which is what a newcomer meets first. The shopper misspells the search, checks out as a
guest with a demo shipping method and voucher, pays with the test gateway's card, and opens
the order from the confirmation e-mail's link in a browser that never saw the shop. Every page
on the way must show the same totals and, on a phone, never scroll sideways.
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from emporium.orders.models import Order

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
# The rows every order summary shows, each with its amount (the first amount after the label).
# The demo's "Christmas: 3 for 2" promotion applies to the Christmas goods the newcomer buys.
THREE_FOR_TWO = "Christmas: 3 for 2"
SUMMARY_ROWS = ("Subtotal", THREE_FOR_TWO, "Discount", "Shipping", "Includes VAT", "Total")


@pytest.fixture
def demo_shop(transactional_db: None) -> None:
    call_command("setup_demo", stdout=StringIO())


def _assert_fits_the_screen(page: Page, viewport: dict[str, int]) -> None:
    page.wait_for_load_state()  # measured on a whole page, never on one still being replaced
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width} px wide on a {viewport['width']} px screen"


def _summary_in(text: str) -> dict[str, str]:
    """Each summary row's amount, read as a person reads it: the label, then its amount."""
    summary = {}
    for label in SUMMARY_ROWS:
        found = re.findall(rf"^{re.escape(label)}\b[^£\n]*(?:\n[^£\n]*)?(£[\d,]+\.\d\d)", text, re.MULTILINE)
        if found:
            summary[label] = found[-1]
    return summary


def _summary_on(page: Page) -> dict[str, str]:
    summary = _summary_in(page.locator("main").inner_text())
    assert "Total" in summary, f"no total on {page.url}"
    return summary


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_newcomer_finds_a_misspelt_product_buys_it_and_reopens_the_order_from_the_email(
    page: Page, browser: Browser, live_server, demo_shop: None, viewport: dict[str, int], settings
) -> None:
    settings.SITE_URL = live_server.url  # the address the e-mails link to
    summaries: dict[str, dict[str, str]] = {}

    page.goto(live_server.url)
    _assert_fits_the_screen(page, viewport)
    search = page.get_by_role("searchbox", name="Search the shop")
    if not search.is_visible():  # on a phone the search may sit behind the menu button
        page.get_by_role("button", name=re.compile("Menu", re.IGNORECASE)).click()
    search.fill("chrismas")
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("chrismas")
    expect(page.get_by_text(re.compile("Did you mean", re.IGNORECASE))).to_be_visible()
    _assert_fits_the_screen(page, viewport)
    # A result card, whose heading names the product (not the menu's Christmas category).
    page.get_by_role("heading", level=3, name=re.compile("Christmas")).first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/p/[\w-]+/$"))
    _assert_fits_the_screen(page, viewport)

    page.get_by_label("Quantity").fill("12")  # enough for the voucher's £20 minimum spend
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()
    page.goto(f"{live_server.url}/cart/")
    expect(page.get_by_role("row", name=re.compile(f"^{THREE_FOR_TWO}"))).to_be_visible()  # a third free
    _assert_fits_the_screen(page, viewport)
    page.get_by_role("link", name="Go to checkout").click()
    expect(page.get_by_label("E-mail")).to_be_visible()  # the checkout page has loaded
    _assert_fits_the_screen(page, viewport)

    page.get_by_label("E-mail").fill("newcomer@example.com")
    page.get_by_label("Full name").first.fill("Nina Newcomer")
    page.get_by_label("Address line 1").first.fill("1 High Street")
    page.get_by_label("Town or city").first.fill("Bristol")
    page.get_by_label("Postcode").first.fill("BS1 4DJ")
    page.get_by_label(re.compile("UK Standard")).check()
    page.get_by_label("Voucher code").fill("WELCOME10")
    page.get_by_label("Voucher code").press("Tab")
    expect(page.get_by_role("row", name=re.compile("Discount"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Includes VAT"))).to_be_visible()
    summaries["checkout"] = _summary_on(page)
    _assert_fits_the_screen(page, viewport)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order "))
    _assert_fits_the_screen(page, viewport)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Thank you: order "))
    expect(page.get_by_text("Status: Paid.")).to_be_visible()
    summaries["confirmation"] = _summary_on(page)
    _assert_fits_the_screen(page, viewport)

    order = Order.objects.get(email="newcomer@example.com")
    assert order.voucher_code == "WELCOME10"
    assert order.promotion_discount_amount > Decimal(0)
    assert order.tax_amount > Decimal(0)
    confirmation = next(message for message in mail.outbox if order.number in message.subject)
    summaries["e-mail"] = _summary_in(str(confirmation.body))
    link = re.search(rf"{re.escape(live_server.url)}/checkout/orders/\S+\?token=\S+", str(confirmation.body))
    assert link, "the confirmation e-mail carries no link to the order"

    elsewhere = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
    try:
        fresh = elsewhere.new_page()
        fresh.goto(link.group())
        expect(fresh.get_by_role("heading", level=1)).to_contain_text(order.number)
        summaries["order page from the e-mail"] = _summary_on(fresh)
        _assert_fits_the_screen(fresh, viewport)
    finally:
        elsewhere.close()

    expected = {
        "Subtotal": f"£{order.subtotal_amount:,.2f}",
        # Each shown as taken off, the sign aside: the promotion's part, then the voucher's.
        THREE_FOR_TWO: f"£{order.promotion_discount_amount:,.2f}",
        "Discount": f"£{order.discount_amount - order.promotion_discount_amount:,.2f}",
        "Shipping": f"£{order.shipping_amount:,.2f}",
        "Includes VAT": f"£{order.tax_amount:,.2f}",
        "Total": f"£{order.total_amount:,.2f}",
    }
    assert summaries == dict.fromkeys(summaries, expected)
