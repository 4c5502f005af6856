"""Every storefront, account and dashboard page type passes axe-core with no serious or critical
violation (issue 15).

axe-core (e2e/axe.py) runs in each page as the browser shows it, after its scripts ran: the Vue
dashboard is checked as rendered, not as served.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from e2e.axe import axe_context, serious_violations
from emporium.accounts.roles import ORDER_MANAGER
from emporium.accounts.tests.factories import AddressFactory, StaffUserFactory, UserFactory
from emporium.analytics.services import rebuild_all_rollups
from emporium.catalog.tests.factories import make_product
from emporium.checkout.tests.factories import ShippingMethodFactory
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
DASHBOARD_PAGES = ["", "sales", "products", "customers", "funnel", "recommendations", "orders"]


@pytest.fixture
def shop(settings: Any) -> dict[str, Any]:
    settings.STAFF_MFA_REQUIRED = False  # the TOTP login is e2e/test_dashboard.py's; here, the pages
    ShippingMethodFactory.create(name="UK standard delivery", price_amount=Decimal("3.95"))
    product = make_product("Glass star T-light holder", price="12.75", description="Frosted glass. " * 10)
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Shopper")
    AddressFactory.create(customer=customer)
    order = OrderFactory.create(
        customer=customer,
        email=customer.email,
        shipping_address={"full_name": "Ann Shopper", "line1": "1 High Street", "city": "Bristol"},
    )
    OrderLineFactory.create(order=order, variant=product.variants.get(), quantity=2)
    rebuild_all_rollups()
    manager = StaffUserFactory.create(email="manager@emporium.example")
    manager.groups.add(Group.objects.get(name=ORDER_MANAGER.name))
    return {"product": product, "order": order}


@pytest.fixture
def axe_page(browser: Browser) -> Iterator[Page]:
    context = axe_context(browser)
    yield context.new_page()
    context.close()


def _log_in(page: Page, base: str, email: str, *, next_url: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_storefront_and_account_pages_have_no_serious_accessibility_violation(
    axe_page: Page, live_server: Any, shop: dict[str, Any]
) -> None:
    page, base = axe_page, live_server.url
    product, order = shop["product"], shop["order"]
    found: list[str] = []

    for path in (
        "/",
        product.category.get_absolute_url(),
        product.get_absolute_url(),
        "/search/?q=glass",
        "/search/?q=nothing-matches-this",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/checkout/orders/find/",
        "/wishlist/",
        "/no-such-page/",
    ):
        page.goto(base + path)
        found += serious_violations(page)

    page.goto(base + product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name=re.compile(r"^Cart \(1"))).to_be_visible()
    for path in ("/cart/", "/checkout/"):
        page.goto(base + path)
        found += serious_violations(page)

    _log_in(page, base, "ann@example.com")
    expect(page.get_by_role("link", name="My account")).to_be_attached()
    for path in (
        "/account/",
        "/account/profile/",
        "/account/addresses/",
        "/account/addresses/new/",
        "/account/orders/",
        f"/account/orders/{order.number}/",
        f"/account/orders/{order.number}/invoice/",
        "/account/privacy/",
        "/account/close/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        f"/checkout/orders/{order.number}/",
        f"/reviews/p/{product.slug}/write/",
    ):
        page.goto(base + path)
        found += serious_violations(page)

    assert found == [], "\n".join(found)


def test_dashboard_pages_have_no_serious_accessibility_violation(
    axe_page: Page, live_server: Any, shop: dict[str, Any]
) -> None:
    page, base = axe_page, live_server.url
    _log_in(page, base, "manager@emporium.example", next_url="/dashboard/")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    found: list[str] = []

    for name in DASHBOARD_PAGES:
        page.goto(f"{base}/dashboard/{name}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Loading")).to_have_count(0)  # reports in
        found += serious_violations(page)

    assert found == [], "\n".join(found)


def test_the_check_reports_what_axe_finds(axe_page: Page) -> None:
    """So a clean result means clean pages, not an axe that did not run."""
    axe_page.set_content(
        '<html lang="en"><body><main><img src="x.png"><button></button></main></body></html>'
    )

    found = serious_violations(axe_page)

    assert any("image-alt (critical)" in line for line in found), found
    assert any("button-name (critical)" in line for line in found), found
