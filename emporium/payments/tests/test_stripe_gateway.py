"""The Stripe adapter against a local HTTP server shaped like Stripe's API (stripe_fake.py):
real SDK, real HTTP, real timeouts. Nothing of ours is mocked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emporium.core.money import Money
from emporium.orders.models import OrderStatus, StockState
from emporium.payments.exceptions import (
    GatewayError,
    GatewayUnavailable,
    PaymentDeclined,
    RefundExceedsCaptured,
)
from emporium.payments.models import LogDirection, PaymentLogEntry, PaymentState
from emporium.payments.services import complete_refund, confirm_payment, refund_payment, start_payment
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"


def test_starting_a_payment_creates_an_intent_for_the_orders_amount_in_minor_units(fake_stripe):
    order = make_unpaid_order(total_amount=Decimal("24.95"), currency="GBP")

    payment = start_payment(order=order, gateway_name="stripe")

    (request,) = fake_stripe.requests_to("/v1/payment_intents")
    assert (request.form["amount"], request.form["currency"], request.form["metadata[payment_id]"]) == (
        "2495",
        "gbp",
        str(payment.pk),
    )
    assert (payment.provider_reference, payment.client_secret, payment.state) == (
        "pi_fake0001",
        "pi_fake0001_secret_fake",
        PaymentState.PENDING,
    )


def test_a_successful_payment_marks_the_order_paid(
    fake_stripe, django_capture_on_commit_callbacks, mailoutbox
):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="stripe")

    with django_capture_on_commit_callbacks(execute=True):
        payment = confirm_payment(
            payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
        )

    order.refresh_from_db()
    assert (payment.state, payment.captured_amount, order.status) == (
        PaymentState.CAPTURED,
        order.total_amount,
        OrderStatus.PAID,
    )
    assert [m.subject for m in mailoutbox] == [f"Emporium: payment received for order {order.number}"]


def test_a_declined_card_leaves_the_order_unpaid_and_says_why(fake_stripe):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="stripe")

    with pytest.raises(PaymentDeclined) as declined:
        confirm_payment(
            payment=payment,
            details={"payment_method": "pm_card_chargeDeclinedInsufficientFunds"},
            return_url=RETURN_URL,
        )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert declined.value.details["decline_code"] == "insufficient_funds"
    assert (payment.state, payment.failure_code, order.status) == (
        PaymentState.PENDING,  # a Stripe intent takes another card after a decline
        "insufficient_funds",
        OrderStatus.UNPAID,
    )


def test_after_a_decline_another_card_pays_the_same_intent(fake_stripe):
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    with pytest.raises(PaymentDeclined):
        confirm_payment(
            payment=payment, details={"payment_method": "pm_card_chargeDeclined"}, return_url=RETURN_URL
        )

    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )

    assert (payment.state, payment.failure_code) == (PaymentState.CAPTURED, "")


def test_a_timeout_is_retried_by_the_sdk_with_the_same_idempotency_key(fake_stripe):
    fake_stripe.delays = [1.5]  # Stripe creates the intent, but answers after the 0.5 s timeout

    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")

    first, retry = fake_stripe.requests_to("/v1/payment_intents")
    assert first.idempotency_key == retry.idempotency_key == f"{payment.idempotency_key}:start"
    assert (len(fake_stripe.intents), payment.provider_reference) == (1, "pi_fake0001")


def test_a_timeout_is_logged_with_the_retry(fake_stripe):
    fake_stripe.delays = [1.5]

    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")

    entries = list(PaymentLogEntry.objects.filter(payment=payment).order_by("pk"))
    assert [(e.direction, e.operation, e.status_code, bool(e.error)) for e in entries] == [
        (LogDirection.OUTGOING, "start", None, True),
        (LogDirection.OUTGOING, "start", 200, False),
    ]
    assert entries[1].response["client_secret"] == "[redacted]"


def test_when_retries_run_out_the_customer_retries_later_with_the_same_key(fake_stripe, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    order = make_unpaid_order()
    fake_stripe.delays = [1.5]
    with pytest.raises(GatewayUnavailable):
        start_payment(order=order, gateway_name="stripe")

    payment = start_payment(order=order, gateway_name="stripe")

    keys = {r.idempotency_key for r in fake_stripe.requests_to("/v1/payment_intents")}
    assert keys == {f"{payment.idempotency_key}:start"}
    assert (len(fake_stripe.intents), order.payments.count(), payment.provider_reference) == (
        1,
        1,
        "pi_fake0001",
    )


def test_when_stripe_is_unreachable_the_order_stays_unpaid_with_its_stock_held(
    settings, fake_stripe, closed_port_url
):
    settings.STRIPE_API_BASE = closed_port_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    order = make_unpaid_order()

    with pytest.raises(GatewayUnavailable):
        start_payment(order=order, gateway_name="stripe")

    order.refresh_from_db()
    assert (order.status, order.stock_state, order.payments.get().state) == (
        OrderStatus.UNPAID,
        StockState.RESERVED,
        PaymentState.PENDING,
    )


def test_once_stripe_is_back_the_retry_works(settings, fake_stripe, closed_port_url):
    settings.STRIPE_API_BASE = closed_port_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    order = make_unpaid_order()
    with pytest.raises(GatewayUnavailable):
        start_payment(order=order, gateway_name="stripe")
    settings.STRIPE_API_BASE = fake_stripe.url

    payment = start_payment(order=order, gateway_name="stripe")
    payment = confirm_payment(
        payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL
    )

    order.refresh_from_db()
    assert (payment.state, order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def _paid_by_stripe(amount: str = "24.95"):
    payment = start_payment(order=make_unpaid_order(total_amount=Decimal(amount)), gateway_name="stripe")
    return confirm_payment(payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL)


def test_a_partial_refund_sends_the_amount_in_minor_units_and_partially_refunds_the_order(fake_stripe):
    payment = _paid_by_stripe()

    refund = refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"), reason="Chipped mug")

    payment.refresh_from_db()
    (request,) = fake_stripe.requests_to("/v1/refunds")
    assert (request.form["amount"], request.form["payment_intent"], request.idempotency_key) == (
        "500",
        payment.provider_reference,
        str(refund.idempotency_key),
    )
    assert (refund.provider_reference, payment.state, payment.refunded_amount, payment.order.status) == (
        "re_fake0001",
        PaymentState.PARTIALLY_REFUNDED,
        Decimal("5.00"),
        OrderStatus.PARTIALLY_REFUNDED,
    )


def test_refunding_the_rest_refunds_the_order_in_full(fake_stripe):
    payment = _paid_by_stripe()
    refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"))

    refund = refund_payment(payment=payment)

    payment.refresh_from_db()
    assert (refund.amount, payment.state, payment.refunded_amount, payment.order.status) == (
        Decimal("19.95"),
        PaymentState.REFUNDED,
        Decimal("24.95"),
        OrderStatus.REFUNDED,
    )


def test_refunding_more_than_was_captured_is_refused_before_calling_stripe(fake_stripe):
    payment = _paid_by_stripe()

    with pytest.raises(RefundExceedsCaptured):
        refund_payment(payment=payment, amount=Money(Decimal("25.00"), "GBP"))

    assert fake_stripe.requests_to("/v1/refunds") == []


def test_a_refund_that_times_out_is_retried_with_the_same_key_and_refunds_once(fake_stripe, settings):
    payment = _paid_by_stripe()
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake_stripe.delays = [1.5]
    with pytest.raises(GatewayUnavailable):
        refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"))
    refund = payment.refunds.get()

    complete_refund(refund=refund)  # what retry_pending_refunds_task does for each unanswered one

    refund.refresh_from_db()
    payment.refresh_from_db()
    keys = [r.idempotency_key for r in fake_stripe.requests_to("/v1/refunds")]
    assert keys == [str(refund.idempotency_key)] * 2
    assert (len(fake_stripe.refunds), refund.state, payment.refunded_amount) == (
        1,
        "succeeded",
        Decimal("5.00"),
    )


def test_manual_capture_authorizes_at_checkout_and_a_task_captures_later(fake_stripe, settings):
    settings.STRIPE_CAPTURE_METHOD = "manual"
    payment = _paid_by_stripe()
    assert (payment.state, payment.order.status) == (PaymentState.AUTHORIZED, OrderStatus.PAID)

    from emporium.payments.tasks import capture_payment_task

    capture_payment_task.delay(payment_id=payment.pk)

    payment.refresh_from_db()
    (capture,) = fake_stripe.requests_to(f"/v1/payment_intents/{payment.provider_reference}/capture")
    assert (payment.state, payment.captured_amount, capture.idempotency_key) == (
        PaymentState.CAPTURED,
        Decimal("24.95"),
        f"{payment.idempotency_key}:capture",
    )


def test_a_server_side_confirm_without_a_return_url_is_refused_like_stripe_does(fake_stripe):
    """Our intents accept redirect-based methods, so Stripe (and the fake) insist on a return_url."""
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")

    with pytest.raises(GatewayError):
        confirm_payment(payment=payment, details={"payment_method": "pm_card_visa"})

    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
