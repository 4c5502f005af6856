"""Steps on the checkout page that browser tests share."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def choose_delivery(page: Page, name: str, *, javascript: bool = True) -> None:
    """Tick a shipping method and wait until the summary names it, as a shopper reads the new
    total before placing the order.

    With JavaScript the summary is re-rendered by htmx a moment after the change, and its new
    rows push the "Place order" button down the page. A click that landed as the swap happened
    (mouse down on the button, mouse up where it had been) was lost, and the page never left
    the checkout: a rare failure under load in CI. The page now keeps a pressed button in place
    (frontend/storefront/pressed-in-place.ts, and its test in test_checkout.py); the tests still
    read the totals they go on to pay. Without JavaScript there is nothing to wait for."""
    page.get_by_label(name).check()
    if not javascript:
        return  # the summary changes with "Update totals" (a post) instead
    expect(page.get_by_role("row", name=re.compile(rf"^Shipping \({re.escape(name)}"))).to_be_visible()


def fill_guest_address(page: Page, *, email: str | None = None) -> None:
    """A UK shipping address (billed to the same), and the guest's e-mail when given."""
    if email is not None:
        page.get_by_label("E-mail").fill(email)
    page.get_by_label("Full name").first.fill("Ann Shopper")
    page.get_by_label("Address line 1").first.fill("1 High Street")
    page.get_by_label("Town or city").first.fill("Bristol")
    page.get_by_label("Postcode").first.fill("BS1 4DJ")
