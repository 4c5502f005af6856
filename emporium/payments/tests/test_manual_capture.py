"""Manual capture: the card is only held at checkout. Staff shipping takes the money; a refund
or a cancel before that releases the hold. Against the Stripe HTTP fake, nothing of ours mocked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from emporium.core.money import Money
from emporium.orders.models import OrderStatus
from emporium.orders.services import refund_order
from emporium.payments.exceptions import PaymentActionNotAllowed
from emporium.payments.models import PaymentState
from emporium.payments.services import (
    capture_payment,
    confirm_payment,
    fulfil_order,
    refund_order_payment,
    ship_order,
    start_payment,
)
from emporium.payments.tests.conftest import intent_event, payment_intent, sign
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"


@pytest.fixture
def held(fake_stripe, settings):
    """An order paid on a held (authorized, not captured) card."""
    settings.STRIPE_CAPTURE_METHOD = "manual"
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )
    assert (payment.state, payment.order.status) == (PaymentState.AUTHORIZED, OrderStatus.PAID)
    return payment


def _captures(fake_stripe, payment):
    return fake_stripe.requests_to(f"/v1/payment_intents/{payment.provider_reference}/capture")


def test_refunding_an_order_whose_card_is_only_held_releases_the_hold(held, fake_stripe):
    order = refund_order_payment(order=held.order, reason="Out of stock")

    held.refresh_from_db()
    (cancel,) = fake_stripe.requests_to(f"/v1/payment_intents/{held.provider_reference}/cancel")
    assert (cancel.idempotency_key, cancel.form["cancellation_reason"]) == (
        f"{held.idempotency_key}:cancel",
        "requested_by_customer",
    )
    assert fake_stripe.intents[held.provider_reference]["status"] == "canceled"
    assert (held.state, held.flagged_for_review, order.status) == (
        PaymentState.CANCELLED,
        False,
        OrderStatus.REFUNDED,
    )
    assert fake_stripe.requests_to("/v1/refunds") == []


def test_a_held_card_is_not_refunded_in_part(held, fake_stripe):
    with pytest.raises(PaymentActionNotAllowed):
        refund_order_payment(order=held.order, amount=Money(Decimal("5.00"), "GBP"), partial=True)

    held.refresh_from_db()
    assert (held.state, held.order.status) == (PaymentState.AUTHORIZED, OrderStatus.PAID)
    assert fake_stripe.received[-1].path.endswith("/confirm")  # nothing sent since the payment


def test_stripes_cancelled_event_for_our_own_release_is_not_flagged(held, client):
    refund_order_payment(order=held.order)
    canceled = payment_intent(intent_id=held.provider_reference, amount=2495, status="canceled")
    payload = intent_event(event_id="evt_cancel", event_type="payment_intent.canceled", intent=canceled)

    client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )

    held.refresh_from_db()
    assert (held.state, held.flagged_for_review) == (PaymentState.CANCELLED, False)


def test_an_authorization_the_provider_cancels_on_its_own_is_still_flagged(held, client):
    canceled = payment_intent(intent_id=held.provider_reference, amount=2495, status="canceled")
    payload = intent_event(event_id="evt_expired", event_type="payment_intent.canceled", intent=canceled)

    client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )

    held.refresh_from_db()
    assert (held.state, held.flagged_for_review) == (PaymentState.CANCELLED, True)


def test_a_refunded_orders_held_card_is_never_captured(held, fake_stripe):
    refund_order(order=held.order)  # recorded by hand, the hold still on the card

    with pytest.raises(PaymentActionNotAllowed):
        capture_payment(payment=held)

    held.refresh_from_db()
    assert (held.state, _captures(fake_stripe, held)) == (PaymentState.AUTHORIZED, [])


def test_shipping_the_order_captures_the_held_card_after_the_commit(
    held, fake_stripe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order=held.order, tracking_number="RM1")

    held.refresh_from_db()
    (capture,) = _captures(fake_stripe, held)
    assert (held.state, held.captured_amount, capture.idempotency_key) == (
        PaymentState.CAPTURED,
        Decimal("24.95"),
        f"{held.idempotency_key}:capture",
    )


def test_fulfilling_then_shipping_captures_once(held, fake_stripe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fulfil_order(order=held.order)
    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order=held.order)

    held.refresh_from_db()
    assert (held.state, len(_captures(fake_stripe, held))) == (PaymentState.CAPTURED, 1)


def _ship_then_fail(order) -> None:
    with transaction.atomic():
        ship_order(order=order)
        raise RuntimeError("the rest of the shipment failed")


def test_a_shipment_that_rolls_back_captures_nothing(held, fake_stripe, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _ship_then_fail(held.order)

    held.refresh_from_db()
    assert (callbacks, held.state, _captures(fake_stripe, held)) == ([], PaymentState.AUTHORIZED, [])


def test_a_capture_the_provider_refuses_flags_the_payment(held, fake_stripe):
    fake_stripe.intents[held.provider_reference]["status"] = "canceled"  # the hold expired at Stripe

    with pytest.raises(Exception):  # noqa: B017, PT011  the provider's refusal, re-raised for the task
        capture_payment(payment=held)

    held.refresh_from_db()
    assert (held.state, held.flagged_for_review) == (PaymentState.AUTHORIZED, True)
    assert "capture" in held.review_reason


def test_the_test_gateway_releases_a_hold_with_a_canceled_event_like_stripe(settings):
    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "manual"
    payment = start_payment(order=make_unpaid_order(), gateway_name="offline")
    payment = confirm_payment(payment=payment, details={"card_number": "4242424242424242"})

    order = refund_order_payment(order=payment.order)

    payment.refresh_from_db()
    events = list(payment.provider_events.values_list("type", flat=True))
    assert (payment.state, payment.flagged_for_review, order.status) == (
        PaymentState.CANCELLED,
        False,
        OrderStatus.REFUNDED,
    )
    assert "payment_intent.canceled" in events
