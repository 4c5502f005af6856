"""Steps on the checkout page that browser tests share."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def choose_delivery(page: Page, name: str, *, javascript: bool = True) -> None:
    """Tick a shipping method and wait until the summary names it, as a shopper reads the new
    total before placing the order.

    With JavaScript the summary is re-rendered by htmx a moment after the change, and the new
    rows push the "Place order" button down the page. A click that lands as the swap happens
    (mouse down on the button, mouse up where it was) is lost, and the page never leaves the
    checkout: a rare failure under load in CI. Without JavaScript there is nothing to wait for."""
    page.get_by_label(name).check()
    if not javascript:
        return  # the summary changes with "Update totals" (a post) instead
    expect(page.get_by_role("row", name=re.compile(rf"^Shipping \({re.escape(name)}"))).to_be_visible()
