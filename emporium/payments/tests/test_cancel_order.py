"""Cancelling an order gives its money back first: one service for the admin and the staff API.
Attempts left open (a Stripe intent waiting for a card) are cancelled at the provider once the
order is paid another way, cancelled or expired."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from emporium.accounts.roles import ORDER_MANAGER
from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.core.tests.api_clients import bearer_client
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import mark_order_shipped
from emporium.orders.tests.factories import OrderLineFactory
from emporium.payments.exceptions import GatewayUnavailable
from emporium.payments.models import PaymentState
from emporium.payments.services import (
    cancel_order_and_refund,
    confirm_payment,
    mark_payment_received,
    release_expired_orders,
    start_payment,
)
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"


def _order_holding(variant, quantity: int = 2, **fields):
    order = make_unpaid_order(total_amount=Decimal("20.00"), **fields)
    OrderLineFactory.create(order=order, variant=variant, quantity=quantity)
    variant.stock_allocated += quantity
    variant.save(update_fields=["stock_allocated"])
    return order


def _paid_by_test_card(**fields):
    payment = start_payment(
        order=make_unpaid_order(total_amount=Decimal("20.00"), **fields), gateway_name="offline"
    )
    return confirm_payment(payment=payment, details={"card_number": "4242424242424242"})


def test_cancelling_a_paid_order_refunds_its_payment_then_cancels_it():
    variant = VariantFactory.create(stock_on_hand=5)
    order = _order_holding(variant)
    payment = confirm_payment(
        payment=start_payment(order=order, gateway_name="offline"),
        details={"card_number": "4242424242424242"},
    )

    order = cancel_order_and_refund(order=order, reason="Customer asked")

    payment.refresh_from_db()
    variant.refresh_from_db()
    refund = payment.refunds.get()
    assert (order.status, order.stock_state, order.refunded_amount) == (
        OrderStatus.CANCELLED,
        StockState.RELEASED,
        Decimal("20.00"),
    )
    assert (payment.state, refund.state, refund.amount) == (
        PaymentState.REFUNDED,
        "succeeded",
        Decimal("20.00"),
    )
    assert variant.stock_allocated == 0


def test_an_order_the_state_machine_will_not_cancel_keeps_its_money():
    from emporium.core.money import Money
    from emporium.orders.exceptions import TransitionNotAllowed
    from emporium.payments.services import refund_payment

    payment = _paid_by_test_card()
    refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"))  # now partially refunded

    with pytest.raises(TransitionNotAllowed):
        cancel_order_and_refund(order=payment.order)

    payment.refresh_from_db()
    assert (payment.refunds.count(), payment.refunded_amount) == (1, Decimal("5.00"))


def test_cancelling_an_order_paid_on_a_held_card_releases_the_hold(fake_stripe, settings):
    settings.STRIPE_CAPTURE_METHOD = "manual"
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )

    order = cancel_order_and_refund(order=payment.order)

    payment.refresh_from_db()
    assert fake_stripe.intents[payment.provider_reference]["status"] == "canceled"
    assert (payment.state, payment.flagged_for_review, order.status) == (
        PaymentState.CANCELLED,
        False,
        OrderStatus.CANCELLED,
    )


def test_when_stripe_is_down_the_paid_order_is_not_cancelled(fake_stripe, settings, closed_port_url):
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )
    settings.STRIPE_API_BASE = closed_port_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0

    with pytest.raises(GatewayUnavailable):
        cancel_order_and_refund(order=payment.order)

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_the_retried_cancel_resends_the_unsent_refund_with_its_key(fake_stripe, settings, closed_port_url):
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )
    settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = closed_port_url, 0
    with pytest.raises(GatewayUnavailable):
        cancel_order_and_refund(order=payment.order)
    settings.STRIPE_API_BASE = fake_stripe.url

    order = cancel_order_and_refund(order=payment.order)

    refund = payment.refunds.get()
    (sent,) = fake_stripe.requests_to("/v1/refunds")
    assert (sent.idempotency_key, refund.state, order.status) == (
        str(refund.idempotency_key),
        "succeeded",
        OrderStatus.CANCELLED,
    )


def test_the_order_admins_cancel_refunds_the_payment(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    payment = _paid_by_test_card()

    client.post("/admin/orders/order/", {"action": "cancel", "_selected_action": [payment.order.pk]})

    payment.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.REFUNDED, OrderStatus.CANCELLED)


def test_the_staff_apis_cancel_refunds_the_payment(settings):
    settings.STAFF_MFA_REQUIRED = False
    manager = StaffUserFactory.create()
    manager.groups.add(Group.objects.get(name=ORDER_MANAGER.name))
    payment = _paid_by_test_card()

    response = bearer_client(manager).post(f"/api/v1/staff/orders/{payment.order.number}/cancel/", {})

    payment.refresh_from_db()
    assert (response.status_code, response.json()["status"], payment.state) == (
        200,
        OrderStatus.CANCELLED,
        PaymentState.REFUNDED,
    )


def test_an_expired_orders_open_stripe_intent_is_cancelled_at_stripe(
    fake_stripe, django_capture_on_commit_callbacks
):
    order = make_unpaid_order(reserved_until=timezone.now() - timedelta(minutes=1))
    payment = start_payment(order=order, gateway_name="stripe")

    with django_capture_on_commit_callbacks(execute=True):
        release_expired_orders()

    payment.refresh_from_db()
    (cancel,) = fake_stripe.requests_to(f"/v1/payment_intents/{payment.provider_reference}/cancel")
    assert (cancel.form["cancellation_reason"], payment.state) == ("abandoned", PaymentState.CANCELLED)


def test_an_order_paid_another_way_cancels_its_open_stripe_intent(
    fake_stripe, django_capture_on_commit_callbacks
):
    order = make_unpaid_order()
    card = start_payment(order=order, gateway_name="stripe")
    transfer = start_payment(order=order, gateway_name="bank_transfer")

    with django_capture_on_commit_callbacks(execute=True):
        mark_payment_received(payment=transfer, actor=None)

    card.refresh_from_db()
    transfer.refresh_from_db()
    assert fake_stripe.intents[card.provider_reference]["cancellation_reason"] == "duplicate"
    assert (card.state, transfer.state) == (PaymentState.CANCELLED, PaymentState.CAPTURED)


def test_the_payment_that_paid_is_left_alone(django_capture_on_commit_callbacks):
    order = make_unpaid_order()

    with django_capture_on_commit_callbacks(execute=True):
        payment = confirm_payment(
            payment=start_payment(order=order, gateway_name="offline"),
            details={"card_number": "4242424242424242"},
        )

    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED


def _guest_with(client, order):
    session = client.session
    session["placed_orders"] = [order.number]
    session.save()
    return client


def test_a_cancelled_orders_stripe_page_shows_no_payment_element(client, fake_stripe):
    from emporium.orders.services import cancel_order

    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="stripe")
    cancel_order(order=order, reason="Not paid in time")

    page = _guest_with(client, order).get(f"/payments/orders/{order.number}/{payment.pk}/").content.decode()

    assert "js.stripe.com" not in page
    assert payment.client_secret not in page


def test_the_api_gives_no_client_secret_for_a_cancelled_order(fake_stripe):
    from rest_framework.test import APIClient

    from emporium.orders.services import cancel_order

    customer = UserFactory.create()
    order = make_unpaid_order(customer=customer)
    payment = start_payment(order=order, gateway_name="stripe")
    cancel_order(order=order)
    api = APIClient()
    api.force_authenticate(customer)

    body = api.get(f"/api/v1/payments/{payment.pk}/").json()

    assert (body["client_secret"], body["next_action"]) == ("", None)


def test_a_cash_on_delivery_parcel_refused_on_delivery_is_cancelled_with_its_cash_payment(
    django_capture_on_commit_callbacks,
):
    """The courier brings it back unpaid: staff cancel it; the goods return to stock and the cash
    nobody will collect is no longer expected."""
    variant = VariantFactory.create(stock_on_hand=5)
    order = _order_holding(variant)
    payment = start_payment(order=order, gateway_name="cash_on_delivery")
    mark_order_shipped(order=order, tracking_number="RM1")

    with django_capture_on_commit_callbacks(execute=True):
        order = cancel_order_and_refund(order=order, reason="Refused on delivery")

    payment.refresh_from_db()
    variant.refresh_from_db()
    assert (order.status, order.stock_state, payment.state) == (
        OrderStatus.CANCELLED,
        StockState.RETURNED,
        PaymentState.CANCELLED,
    )
    assert (variant.stock_on_hand, variant.stock_allocated) == (5, 0)
