"""Paying in Chromium with the test gateway: success, a decline then another card, and the
confirmation step (our stand-in for 3-D Secure). The shopper places the order as a guest first."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from e2e.checkout_page import choose_delivery, fill_guest_address
from emporium.catalog.tests.factories import make_product
from emporium.checkout.tests.factories import ShippingMethodFactory, TaxRateFactory
from emporium.orders.models import Order, OrderStatus
from emporium.payments.models import PaymentState


@pytest.fixture
def placed_order(page: Page, live_server, transactional_db: None, settings) -> Order:
    settings.PAYMENT_GATEWAYS = ["offline", "bank_transfer", "cash_on_delivery"]
    TaxRateFactory.create(country="GB", rate=Decimal("0.2"))
    ShippingMethodFactory.create(name="Standard delivery", price_amount=Decimal("3.95"))
    product = make_product("REGENCY CAKESTAND 3 TIER", price="12.75")
    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status").filter(has_text="Added to your cart")).to_be_visible()
    page.goto(f"{live_server.url}/checkout/")
    fill_guest_address(page, email="guest@example.com")
    choose_delivery(page, "Standard delivery")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay for order EM-"))
    return Order.objects.get()


def _pay_with(page: Page, card: str) -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()


def test_a_guest_pays_with_the_success_card(page: Page, placed_order: Order):
    _pay_with(page, "4242 4242 4242 4242")

    expect(page.get_by_text("Status: Paid.")).to_be_visible()
    expect(page.get_by_text("Thank you: your payment was received.")).to_be_visible()
    placed_order.refresh_from_db()
    assert placed_order.status == OrderStatus.PAID
    assert [m.subject for m in mail.outbox if "payment received" in m.subject] == [
        f"Emporium: payment received for order {placed_order.number}"
    ]


def test_a_declined_card_then_another_card(page: Page, placed_order: Order):
    _pay_with(page, "4000 0000 0000 0002")

    expect(page.get_by_role("alert")).to_have_text("Your card was declined. Try another card.")
    placed_order.refresh_from_db()
    assert placed_order.status == OrderStatus.UNPAID
    _pay_with(page, "4242 4242 4242 4242")

    expect(page.get_by_text("Status: Paid.")).to_be_visible()
    assert sorted(placed_order.payments.values_list("state", flat=True)) == [
        PaymentState.CAPTURED,
        PaymentState.FAILED,
    ]


def test_the_confirmation_step_approved(page: Page, placed_order: Order):
    _pay_with(page, "4000 0000 0000 3220")

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your payment")
    page.get_by_role("button", name="Approve payment").click()

    expect(page.get_by_text("Status: Paid.")).to_be_visible()
    placed_order.refresh_from_db()
    assert placed_order.status == OrderStatus.PAID


def test_the_confirmation_step_failed_lets_the_shopper_try_again(page: Page, placed_order: Order):
    _pay_with(page, "4000 0000 0000 3220")
    page.get_by_role("button", name="Fail confirmation").click()

    expect(page.get_by_text("The payment was not confirmed with your bank.")).to_be_visible()
    _pay_with(page, "4242 4242 4242 4242")

    expect(page.get_by_text("Status: Paid.")).to_be_visible()


def test_cash_on_delivery_waits_for_the_courier_with_the_items_held(page: Page, placed_order: Order):
    page.get_by_role("button", name="Pay cash on delivery").click()

    expect(page.get_by_text("Please have £")).to_contain_text("ready for the courier")
    placed_order.refresh_from_db()
    assert (placed_order.status, placed_order.pays_on_delivery, placed_order.reserved_until) == (
        OrderStatus.UNPAID,
        True,
        None,
    )
    assert placed_order.payments.get().state == PaymentState.PENDING
