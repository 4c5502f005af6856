"""In a real browser, the Content-Security-Policy blocks nothing the shop itself serves: the
page's scripts run (htmx answers), and no violation is reported on the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from emporium.catalog.tests.factories import CategoryFactory, make_product


@pytest.fixture
def product_url(transactional_db: None) -> str:
    candles = CategoryFactory.create(name="Candles", slug="candles")
    product = make_product("WHITE HANGING HEART T-LIGHT HOLDER", category=candles, price="2.95")
    return product.get_absolute_url()


def test_pages_with_scripts_and_json_ld_raise_no_violation(page: Page, live_server, product_url):
    violations: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", record)
    for path in ("/", "/c/candles/", product_url):
        page.goto(live_server.url + path)
    page.goto(live_server.url + "/")
    # Search-as-you-type: the built script and htmx run under the policy.
    page.get_by_role("searchbox", name="Search the shop").press_sequentially("heart", delay=30)

    suggestions = page.get_by_role("list", name="Suggestions")
    expect(suggestions.get_by_role("link", name="WHITE HANGING HEART T-LIGHT HOLDER")).to_be_visible()
    assert violations == []
