"""The staff dashboard in Chromium: a TOTP login, reports that follow the period in the URL, a
CSV export, shipping an order from the orders table, customers refused, and screenshots of
every page on a desktop and a phone (kept in test-results/)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pyotp
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import RESULTS_DIR
from emporium.accounts.roles import ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory, activate_totp
from emporium.analytics.services import rebuild_all_rollups
from emporium.analytics.tests.factories import make_order
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.orders.models import Order, OrderStatus
from emporium.orders.services import mark_order_paid
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"
AFTER_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
PAGES = ["", "sales", "products", "customers", "funnel", "recommendations", "orders"]


@pytest.fixture
def shop(settings: Any) -> dict[str, Any]:
    """Sixty days of sales (one £10 order a day, £100 on day 5 ago), an order paid and waiting to
    ship, and an order manager with an authenticator app."""
    settings.STAFF_MFA_REQUIRED = True
    lamp = make_product("Lamp", category=CategoryFactory.create(name="Lighting"))
    today = timezone.localdate()
    customer = UserFactory.create(email="regular@example.com")
    for days_ago in range(60):
        total = "100.00" if days_ago == 5 else "10.00"
        make_order(day=today - timedelta(days=days_ago), total=total, customer=customer, product=lamp)
    waiting = mark_order_paid(
        order=make_unpaid_order(email="waiting@example.com", total_amount=Decimal("24.95"))
    )
    rebuild_all_rollups()
    manager = StaffUserFactory.create(email="manager@emporium.example")
    manager.groups.add(Group.objects.get(name=ORDER_MANAGER.name))
    return {"secret": activate_totp(user=manager), "waiting": waiting, "today": today}


def _log_in_with_totp(page: Page, base_url: str, *, secret: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next=/dashboard/")
    page.get_by_label("Email").fill("manager@emporium.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_staff_changes_the_period_and_the_figures_follow(
    page: Page, live_server: Any, shop: dict[str, Any]
) -> None:
    _log_in_with_totp(page, live_server.url, secret=shop["secret"])
    revenue = page.get_by_role("article", name="Revenue")
    today = shop["today"]
    # The last 30 days: 29 orders of £10, one of £100, and the £24.95 one paid today.
    expect(revenue.locator(".kpi__value")).to_have_text("£414.95")

    page.get_by_label("From").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("From").dispatch_event("change")

    expect(page).to_have_url(re.compile(rf"start={today - timedelta(days=3)}"))
    expect(revenue.locator(".kpi__value")).to_have_text("£64.95")
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Sales").click()
    # The period travels with the navigation: four days, four rows.
    expect(page.locator("table").first.locator("tbody tr")).to_have_count(4)


def test_staff_exports_a_report_as_csv(page: Page, live_server: Any, shop: dict[str, Any]) -> None:
    _log_in_with_totp(page, live_server.url, secret=shop["secret"])
    page.goto(f"{live_server.url}/dashboard/sales")

    with page.expect_download() as download_info:
        # By name: the country table's link is on the page before the revenue chart has loaded.
        page.get_by_role("link", name="Export net revenue as CSV").click()

    path = download_info.value.path()
    with open(path, encoding="utf-8") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[0].startswith("orders,placed_orders,cancelled_orders,revenue_amount,revenue_currency")
    assert len(lines) == 31  # the header and 30 days


def test_staff_ships_an_order_from_the_orders_table(
    page: Page, live_server: Any, shop: dict[str, Any]
) -> None:
    _log_in_with_totp(page, live_server.url, secret=shop["secret"])
    waiting: Order = shop["waiting"]
    page.get_by_role("navigation", name="Reports").get_by_role("link", name="Orders").click()
    page.get_by_label("Status").select_option("paid")
    page.get_by_role("link", name=waiting.number).click()

    page.get_by_role("button", name="Mark shipped").click()
    dialog = page.get_by_role("dialog", name="Ship this order?")
    dialog.get_by_label("Tracking number").fill("RM123456789GB")
    dialog.get_by_role("button", name="Mark shipped").click()

    expect(page.get_by_role("status").filter(has_text="Mark shipped: done.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("RM123456789GB")
    waiting.refresh_from_db()
    assert (waiting.status, waiting.tracking_number) == (OrderStatus.SHIPPED, "RM123456789GB")


def test_a_refused_transition_shows_the_apis_explanation(
    page: Page, live_server: Any, shop: dict[str, Any]
) -> None:
    _log_in_with_totp(page, live_server.url, secret=shop["secret"])
    waiting: Order = shop["waiting"]
    page.goto(f"{live_server.url}/dashboard/orders/{waiting.number}")
    expect(page.get_by_role("button", name="Mark shipped")).to_be_enabled()
    Order.objects.filter(pk=waiting.pk).update(status=OrderStatus.CANCELLED)  # someone else was quicker

    page.get_by_role("button", name="Mark shipped").click()
    dialog = page.get_by_role("dialog", name="Ship this order?")
    dialog.get_by_label("Tracking number").fill("RM1")
    dialog.get_by_role("button", name="Mark shipped").click()

    expect(dialog.get_by_role("alert")).to_be_visible()


def test_a_customer_who_opens_the_dashboard_is_refused(page: Page, live_server: Any) -> None:
    UserFactory.create(email="ann@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ann@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    response = page.goto(f"{live_server.url}/dashboard/")

    assert response is not None
    assert response.status == 403


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 812}], ids=["1280", "375"]
)
def test_every_page_renders_and_is_kept_as_a_screenshot(
    page: Page, live_server: Any, shop: dict[str, Any], viewport: dict[str, int]
) -> None:
    # A visitor who asked for less motion gets each chart drawn in its final state at once
    # (frontend/dashboard/charts.ts), so the picture is true without waiting out an animation.
    page.emulate_media(reduced_motion="reduce")
    _log_in_with_totp(page, live_server.url, secret=shop["secret"])
    RESULTS_DIR.mkdir(exist_ok=True)
    for name in [*PAGES, f"orders/{shop['waiting'].number}"]:
        page.goto(f"{live_server.url}/dashboard/{name}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("status").filter(has_text="Loading")).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_count(0)
        # Nothing wider than a phone's screen: tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.evaluate(AFTER_TWO_FRAMES)  # ECharts draws on the animation frame after its option
        slug = (name or "overview").replace("/", "-")
        page.screenshot(path=str(RESULTS_DIR / f"dashboard-{slug}-{viewport['width']}.png"), full_page=True)
