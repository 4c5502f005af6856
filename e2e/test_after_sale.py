"""After the sale: a customer reviews what they bought, a shopper waits for a sold-out product.

On a desktop and on a 375-pixel phone, by role and label as a screen reader would find them.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.alerts.models import AlertStatus, StockAlert
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import CategoryFactory, make_product
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.reviews.models import Review, ReviewStatus

PASSWORD = "correct-horse-battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def _fits_the_screen(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _log_in_to_the_admin(page: Page, base_url: str, email: str) -> None:
    """Staff log in on the shop's own login page (allauth guards the admin's), then land in it."""
    page.goto(f"{base_url}/accounts/login/?next=/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def _approve_in_the_admin(browser, base_url: str, staff_email: str) -> None:
    """A moderator, in their own browser, ticks the pending review and runs "Approve"."""
    context = browser.new_context(viewport=DESKTOP)
    staff_page = context.new_page()
    try:
        _log_in_to_the_admin(staff_page, base_url, staff_email)
        staff_page.goto(f"{base_url}/admin/reviews/review/?status__exact=pending")
        staff_page.get_by_role("checkbox", name="Select this object for an action").first.check()
        staff_page.get_by_label("Action:").select_option(label="Approve the selected reviews")
        staff_page.get_by_role("button", name="Go").click()
        expect(staff_page.get_by_text("1 review(s) now approved.")).to_be_visible()
    finally:
        context.close()


@VIEWPORTS
def test_a_customer_reviews_a_product_and_sees_it_after_moderation(
    page: Page, browser, live_server, transactional_db, viewport, settings
):
    settings.STAFF_MFA_REQUIRED = False  # two factors have their own tests (e2e/test_dashboard.py)
    StaffUserFactory.create(email="moderator@emporium.example", is_superuser=True)
    product = make_product("REGENCY CAKESTAND 3 TIER", category=CategoryFactory.create(name="Kitchen"))
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Baker")
    order = OrderFactory.create(customer=customer, email=customer.email, status="delivered")
    OrderLineFactory.create(order=order, variant=product.variants.get())
    _log_in(page, live_server.url, customer.email)

    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_text("No reviews yet.")).to_be_visible()
    reviews.get_by_role("link", name=re.compile("^Write a review")).click()
    page.get_by_label("4 stars").check()
    page.get_by_label("Title").fill("Sturdy <b>and</b> pretty")
    page.get_by_label("Your review").fill("Holds a whole Victoria sponge.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("your review will appear once our team has checked it")).to_be_visible()
    expect(page.get_by_role("region", name="Reviews").get_by_text("No reviews yet.")).to_be_visible()

    _approve_in_the_admin(browser, live_server.url, "moderator@emporium.example")
    assert Review.objects.get().status == ReviewStatus.APPROVED
    page.reload()

    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_role("heading", name="Sturdy <b>and</b> pretty")).to_be_visible()  # shown as text
    expect(reviews.get_by_text("Verified purchase")).to_be_visible()
    expect(reviews.get_by_text("Ann B.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"4\.0 out of 5 \(1 review\)"))).to_be_visible()
    _fits_the_screen(page)


@VIEWPORTS
def test_a_shopper_subscribes_to_a_sold_out_product_and_hears_when_it_is_back(
    page: Page, live_server, transactional_db, viewport
):
    product = make_product("WHITE METAL LANTERN", category=CategoryFactory.create(name="Lights"), stock=0)

    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    alert = page.get_by_role("region", name=re.compile("^Sold out"))
    alert.get_by_label("Your e-mail address").fill("shopper@example.com")
    alert.get_by_role("button", name="Notify me").click()
    expect(page.get_by_text("open the e-mail we sent to shopper@example.com")).to_be_visible()
    _fits_the_screen(page)

    confirm_link = re.search(r"http\S+/alerts/confirm/\S+/", str(mail.outbox[-1].body))
    assert confirm_link is not None
    page.goto(confirm_link.group(0).replace("http://127.0.0.1:8000", live_server.url))
    page.get_by_role("button", name="Confirm my alert").click()
    expect(page.get_by_text("Confirmed: we will e-mail shopper@example.com once")).to_be_visible()

    variant = Variant.objects.get(product=product)
    variant.stock_on_hand = 4
    variant.save()  # staff restock; the alert goes after the commit

    assert [m.to for m in mail.outbox if m.subject.startswith("Back in stock")] == [["shopper@example.com"]]
    assert StockAlert.objects.get().status == AlertStatus.SENT


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_alert_form_works_without_javascript_and_by_keyboard(
    browser, live_server, transactional_db, viewport
):
    product = make_product("PAPER CHAIN KIT", category=CategoryFactory.create(name="Party"), stock=0)
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{product.get_absolute_url()}")
        page.get_by_label("Your e-mail address").fill("ann@example.com")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the focused "Notify me" button
        expect(page.get_by_role("heading", level=1)).to_have_text("Back-in-stock alert")
        expect(page.get_by_text("open the e-mail we sent to ann@example.com")).to_be_visible()
    finally:
        context.close()


@pytest.fixture
def card_payments(settings):
    settings.PAYMENT_GATEWAYS = ["offline", "bank_transfer", "cash_on_delivery"]
    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "automatic"
    settings.OFFLINE_GATEWAY_WEBHOOK_SECRET = "whsec_offline_test_secret"


@pytest.mark.parametrize("viewport", [DESKTOP], ids=["desktop"])
def test_a_customer_returns_a_line_and_staff_approve_receive_and_refund_it_in_the_admin(
    page: Page, browser, live_server, transactional_db, viewport, settings, card_payments
):
    from emporium.payments.models import Payment
    from emporium.returns.models import Return, ReturnStatus
    from emporium.returns.tests.factories import make_delivered_order

    settings.STAFF_MFA_REQUIRED = False  # two factors have their own tests (e2e/test_dashboard.py)
    customer = UserFactory.create(email="ann@example.com", full_name="Ann Baker")
    order = make_delivered_order(lines=[("10.00", 2), ("5.00", 1)], customer=customer)
    mug = order.lines.order_by("pk").first()
    assert mug is not None
    assert mug.variant_id is not None
    StaffUserFactory.create(email="orders@emporium.example", is_superuser=True)

    _log_in(page, live_server.url, customer.email)
    page.goto(f"{live_server.url}/account/orders/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("link", name="Return items").click()
    page.get_by_label(f"Quantity of {mug.display_name} to return").fill("1")
    page.get_by_role("button", name="Request return").click()
    expect(page.get_by_text("Choose a reason for this item.")).to_be_visible()  # and keeps the 1
    expect(page.get_by_label(f"Quantity of {mug.display_name} to return")).to_have_value("1")
    page.get_by_label(f"Why are you returning {mug.display_name}?").select_option(label="Arrived damaged")
    page.get_by_role("button", name="Request return").click()
    expect(page.get_by_text(re.compile(r"Return \d+ requested"))).to_be_visible()

    context = browser.new_context(viewport=DESKTOP)
    staff = context.new_page()
    try:
        _log_in_to_the_admin(staff, live_server.url, "orders@emporium.example")
        ret = Return.objects.get()
        staff.goto(f"{live_server.url}/admin/returns/return/")
        for action in ("Approve the selected returns", "Mark received (restock the lines ticked resaleable)"):
            if action.startswith("Mark"):
                staff.goto(f"{live_server.url}/admin/returns/return/{ret.pk}/change/")
                # The inline's "Resaleable" column: a tabular inline's cells have no labels of their own.
                staff.locator("select[name$='-resaleable']").first.select_option(label="Yes")
                staff.get_by_role("button", name="Save", exact=True).click()
            staff.get_by_role("checkbox", name="Select this object for an action").first.check()
            staff.get_by_label("Action:").select_option(label=action)
            staff.get_by_role("button", name="Go").click()
            expect(staff.locator(".messagelist .success")).to_be_visible()
        staff.get_by_role("checkbox", name="Select this object for an action").first.check()
        staff.get_by_label("Action:").select_option(label="Refund the returned goods")
        staff.get_by_role("button", name="Go").click()
        expect(staff.get_by_text("1 return(s) refunded.")).to_be_visible()
    finally:
        context.close()

    ret.refresh_from_db()
    assert (ret.status, str(ret.refunded_amount)) == (ReturnStatus.REFUNDED, "10.00")
    assert str(Payment.objects.get(order=order).refunded_amount) == "10.00"
    assert Variant.objects.get(pk=mug.variant_id).stock_on_hand == 9  # 10, 2 shipped, 1 back resaleable
    page.goto(f"{live_server.url}/returns/")
    expect(page.get_by_role("cell", name="Refunded")).to_be_visible()
    _fits_the_screen(page)
