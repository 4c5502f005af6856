"""Stripe's webhook endpoint with real signatures computed from a test secret (conftest.sign)."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from emporium.orders.models import OrderEvent, OrderStatus
from emporium.payments.models import PaymentLogEntry, PaymentState, ProviderEvent
from emporium.payments.services import refund_payment, start_payment
from emporium.payments.tests.conftest import intent_event, payment_intent, sign
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/payments/webhooks/stripe/"


def _post(client, payload: str, signature: str | None = None):
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature or sign(payload)
    )


def _stripe_payment(**overrides):
    return PaymentFactory.create(gateway="stripe", provider_reference="pi_123", **overrides)


def _succeeded(payment, *, event_id: str = "evt_1", amount: int = 2495, currency: str = "gbp") -> str:
    intent = payment_intent(intent_id=payment.provider_reference, amount=amount, currency=currency)
    return intent_event(event_id=event_id, event_type="payment_intent.succeeded", intent=intent)


def test_a_signed_succeeded_event_marks_the_order_paid(client):
    payment = _stripe_payment()

    response = _post(client, _succeeded(payment))

    payment.refresh_from_db()
    assert (response.status_code, payment.state, payment.order.status) == (200, "captured", OrderStatus.PAID)


def test_a_forged_signature_is_refused_with_400_and_changes_nothing(client):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    response = _post(client, payload, signature=sign(payload, secret="whsec_somebody_else"))

    payment.refresh_from_db()
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        400,
        "application/problem+json",
        "invalid_webhook",
    )
    assert (payment.state, payment.order.status, ProviderEvent.objects.count()) == (
        "pending",
        OrderStatus.UNPAID,
        0,
    )


def test_a_tampered_body_is_refused(client):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    response = _post(client, payload.replace("2495", "1"), signature=sign(payload))

    assert (response.status_code, ProviderEvent.objects.count()) == (400, 0)


def test_a_stale_signature_is_refused_with_400(client):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    response = _post(client, payload, signature=sign(payload, timestamp=int(time.time()) - 301))

    payment.refresh_from_db()
    assert (response.status_code, payment.state, ProviderEvent.objects.count()) == (400, "pending", 0)


def test_a_signature_from_the_future_is_refused_with_400(client):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    response = _post(client, payload, signature=sign(payload, timestamp=int(time.time()) + 3600))

    payment.refresh_from_db()
    assert (response.status_code, payment.state, ProviderEvent.objects.count()) == (400, "pending", 0)


def test_a_signature_a_little_ahead_of_our_clock_is_accepted(client):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    response = _post(client, payload, signature=sign(payload, timestamp=int(time.time()) + 60))

    assert response.status_code == 200


def test_a_missing_signature_is_refused(client):
    payload = _succeeded(_stripe_payment())

    response = client.post(URL, data=payload, content_type="application/json")

    assert response.status_code == 400


def test_the_same_event_three_times_pays_once_and_sends_one_email(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    payment = _stripe_payment()
    payload = _succeeded(payment)

    with django_capture_on_commit_callbacks(execute=True):
        responses = [_post(client, payload) for _ in range(3)]

    event = ProviderEvent.objects.get()
    paid = OrderEvent.objects.filter(order=payment.order, to_status=OrderStatus.PAID)
    assert [r.json()["duplicate"] for r in responses] == [False, True, True]
    assert (event.deliveries, paid.count(), len(mailoutbox)) == (3, 1, 1)
    assert mailoutbox[0].alternatives[0][1] == "text/html"


def test_the_same_payment_succeeding_in_two_events_still_pays_once(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    payment = _stripe_payment()

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _succeeded(payment, event_id="evt_1"))
        _post(client, _succeeded(payment, event_id="evt_2"))

    assert (
        OrderEvent.objects.filter(order=payment.order, to_status=OrderStatus.PAID).count(),
        len(mailoutbox),
    ) == (1, 1)


def test_succeeded_arriving_before_the_payment_knows_its_intent_still_ends_paid(client, fake_stripe):
    """The webhook beats our own request: Stripe's answer to "create the intent" is not saved
    yet. Our payment id travels in the intent's metadata, so the event still finds it."""
    order = make_unpaid_order()
    payment = PaymentFactory.create(order=order, gateway="stripe", provider_reference="")
    intent = payment_intent(intent_id="pi_early", amount=2495, payment_id=payment.pk)

    _post(client, intent_event(event_id="evt_early", event_type="payment_intent.succeeded", intent=intent))

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.state, payment.provider_reference, order.status) == (
        "captured",
        "pi_early",
        OrderStatus.PAID,
    )


def test_succeeded_before_the_customer_returns_and_then_the_return_page_keeps_it_paid_once(
    client, fake_stripe
):
    order = make_unpaid_order()
    session = client.session
    session["placed_orders"] = [order.number]
    session.save()
    payment = start_payment(order=order, gateway_name="stripe")
    intent = fake_stripe.succeed(payment.provider_reference)  # Stripe.js confirmed in the browser

    _post(client, intent_event(event_id="evt_fast", event_type="payment_intent.succeeded", intent=intent))
    response = client.get(f"/payments/orders/{order.number}/{payment.pk}/return/")

    order.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, f"/checkout/orders/{order.number}/")
    assert (order.status, OrderEvent.objects.filter(order=order, to_status=OrderStatus.PAID).count()) == (
        OrderStatus.PAID,
        1,
    )


def test_an_amount_that_does_not_match_the_order_flags_the_payment_and_leaves_the_order_unpaid(
    client, mailoutbox
):
    payment = _stripe_payment()

    response = _post(client, _succeeded(payment, amount=100))

    payment.refresh_from_db()
    assert (response.status_code, payment.flagged_for_review, payment.state, payment.order.status) == (
        200,
        True,
        "pending",
        OrderStatus.UNPAID,
    )
    assert "£1.00" in payment.review_reason
    assert mailoutbox == []


def test_a_currency_that_does_not_match_the_order_flags_the_payment(client):
    payment = _stripe_payment()

    _post(client, _succeeded(payment, currency="usd"))

    payment.refresh_from_db()
    assert (payment.flagged_for_review, payment.order.status) == (True, OrderStatus.UNPAID)


def test_a_late_processing_event_does_not_move_a_captured_payment_back(client):
    payment = _stripe_payment()
    _post(client, _succeeded(payment, event_id="evt_succeeded"))
    processing = payment_intent(intent_id="pi_123", amount=2495, status="processing")

    _post(
        client,
        intent_event(event_id="evt_processing", event_type="payment_intent.processing", intent=processing),
    )

    payment.refresh_from_db()
    assert (payment.state, ProviderEvent.objects.filter(processed_at__isnull=False).count()) == (
        "captured",
        2,
    )


def test_a_refund_made_in_stripes_dashboard_is_recorded_on_the_payment_and_the_order(client):
    payment = _stripe_payment()
    _post(client, _succeeded(payment))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_123",
        "amount": 2495,
        "amount_captured": 2495,
        "amount_refunded": 500,
        "currency": "gbp",
        "refunds": {"object": "list", "data": [{"id": "re_dash", "object": "refund", "amount": 500}]},
    }

    _post(client, intent_event(event_id="evt_refund", event_type="charge.refunded", intent=charge))

    payment.refresh_from_db()
    refund = payment.refunds.get()
    assert (refund.provider_reference, refund.amount, payment.state, payment.order.status) == (
        "re_dash",
        Decimal("5.00"),
        PaymentState.PARTIALLY_REFUNDED,
        OrderStatus.PARTIALLY_REFUNDED,
    )


def test_charge_refunded_for_our_own_refund_is_not_counted_twice(client, fake_stripe):
    payment = start_payment(order=make_unpaid_order(), gateway_name="stripe")
    fake_stripe.succeed(payment.provider_reference)
    _post(client, _succeeded(payment))
    refund_payment(payment=payment)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": payment.provider_reference,
        "amount": 2495,
        "amount_captured": 2495,
        "amount_refunded": 2495,
        "currency": "gbp",
    }

    _post(client, intent_event(event_id="evt_refund", event_type="charge.refunded", intent=charge))

    payment.refresh_from_db()
    assert (payment.refunds.count(), payment.refunded_amount, payment.state) == (
        1,
        Decimal("24.95"),
        "refunded",
    )


def test_charge_refunded_arriving_before_succeeded_ends_refunded_not_paid(client):
    payment = _stripe_payment()
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_123",
        "amount": 2495,
        "amount_captured": 2495,
        "amount_refunded": 2495,
        "currency": "gbp",
    }

    _post(client, intent_event(event_id="evt_refund", event_type="charge.refunded", intent=charge))
    _post(client, _succeeded(payment))

    payment.refresh_from_db()
    assert (payment.state, payment.order.status) == ("refunded", OrderStatus.REFUNDED)


def test_an_event_about_an_intent_we_do_not_know_is_acknowledged_and_kept_unprocessed(client):
    intent = payment_intent(intent_id="pi_not_ours", amount=100)

    response = _post(
        client, intent_event(event_id="evt_x", event_type="payment_intent.succeeded", intent=intent)
    )

    assert (response.status_code, ProviderEvent.objects.get().processed_at) == (200, None)


def test_events_of_other_types_are_recorded_once(client):
    payload = json.dumps(
        {"id": "evt_c", "type": "customer.created", "data": {"object": {"object": "customer"}}}
    )

    _post(client, payload)
    _post(client, payload)

    event = ProviderEvent.objects.get()
    assert (event.type, event.deliveries, event.processed_at is not None) == ("customer.created", 2, True)


def test_money_arriving_for_a_cancelled_order_flags_the_payment(client):
    from emporium.orders.services import cancel_order

    payment = _stripe_payment()
    cancel_order(order=payment.order, reason="Not paid in time")

    _post(client, _succeeded(payment))

    payment.refresh_from_db()
    assert (payment.flagged_for_review, payment.order.status) == (True, OrderStatus.CANCELLED)


def test_the_offline_gateways_webhook_takes_events_signed_with_its_own_secret(client):
    from emporium.payments.tests.conftest import OFFLINE_WEBHOOK_SECRET

    payment = PaymentFactory.create(gateway="offline", provider_reference="off_pi_1")
    payload = _succeeded(payment)

    forged = client.post(
        "/api/v1/payments/webhooks/offline/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )
    signed = client.post(
        "/api/v1/payments/webhooks/offline/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret=OFFLINE_WEBHOOK_SECRET),
    )

    payment.refresh_from_db()
    assert (forged.status_code, signed.status_code, payment.state) == (400, 200, "captured")


def test_the_offline_webhook_is_closed_where_the_test_gateway_is_off(client, settings):
    from emporium.payments.tests.conftest import OFFLINE_WEBHOOK_SECRET

    settings.PAYMENT_GATEWAYS = ["stripe"]
    payment = PaymentFactory.create(gateway="offline", provider_reference="off_pi_1")
    payload = _succeeded(payment)

    response = client.post(
        "/api/v1/payments/webhooks/offline/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret=OFFLINE_WEBHOOK_SECRET),
    )

    assert (response.status_code, ProviderEvent.objects.count()) == (400, 0)


def test_stored_events_do_not_keep_the_client_secret(client):
    _stripe_payment()
    intent = {**payment_intent(intent_id="pi_123", amount=2495), "client_secret": "pi_123_secret_abc"}

    _post(client, intent_event(event_id="evt_s", event_type="payment_intent.succeeded", intent=intent))

    assert "pi_123_secret_abc" not in json.dumps(ProviderEvent.objects.get().payload)


def _charge(*, intent_id: str = "pi_123", captured: int = 2495, refunded: int = 2495, **extra) -> dict:
    """A Charge as current API versions send it in charge.refunded: no refunds list."""
    return {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": intent_id,
        "amount": 2495,
        "amount_captured": captured,
        "captured": captured > 0,
        "amount_refunded": refunded,
        "currency": "gbp",
        **extra,
    }


def test_a_released_authorization_is_not_taken_for_a_capture(client):
    """Cancelling an intent in requires_capture makes Stripe send charge.refunded for a charge
    that was never captured (amount_captured 0). Nothing was taken, so nothing was refunded."""
    order = make_unpaid_order(status=OrderStatus.PAID)
    payment = PaymentFactory.create(
        order=order, gateway="stripe", provider_reference="pi_123", state=PaymentState.AUTHORIZED
    )

    response = _post(
        client, intent_event(event_id="evt_rel", event_type="charge.refunded", intent=_charge(captured=0))
    )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert response.status_code == 200
    assert (payment.state, payment.captured_amount, payment.refunds.count(), order.status) == (
        PaymentState.AUTHORIZED,
        Decimal("0"),
        0,
        OrderStatus.PAID,
    )
    assert ProviderEvent.objects.get().payment == payment


def test_a_refund_reported_before_the_payment_never_marks_the_order_paid_or_emails(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    payment = _stripe_payment()

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, intent_event(event_id="evt_refund", event_type="charge.refunded", intent=_charge()))

    payment.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.REFUNDED, OrderStatus.UNPAID)
    assert not OrderEvent.objects.filter(order=payment.order, to_status=OrderStatus.PAID).exists()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _succeeded(payment))

    payment.refresh_from_db()
    history = list(
        OrderEvent.objects.filter(order=payment.order, type="status_changed").values_list(
            "to_status", flat=True
        )
    )
    assert (payment.state, payment.order.status, history) == (
        PaymentState.REFUNDED,
        OrderStatus.REFUNDED,
        [OrderStatus.PAID, OrderStatus.REFUNDED],
    )
    assert [m.subject for m in mailoutbox if "payment received" in m.subject] == []


def test_the_captured_amount_is_what_the_provider_received(client):
    """A partial capture: the intent is for 24.95 but Stripe received 20.00 (amount_received)."""
    payment = _stripe_payment()
    intent = {**payment_intent(intent_id="pi_123", amount=2495), "amount_received": 2000}

    _post(client, intent_event(event_id="evt_partial", event_type="payment_intent.succeeded", intent=intent))

    payment.refresh_from_db()
    assert (payment.state, payment.captured_amount) == (PaymentState.CAPTURED, Decimal("20.00"))


def test_a_payment_failed_event_after_succeeded_leaves_the_order_paid(client):
    payment = _stripe_payment()
    _post(client, _succeeded(payment, event_id="evt_ok"))
    failed = {
        **payment_intent(intent_id="pi_123", amount=2495, status="requires_payment_method"),
        "last_payment_error": {"code": "card_declined", "decline_code": "generic_decline", "message": "No"},
    }

    _post(
        client,
        intent_event(event_id="evt_late_fail", event_type="payment_intent.payment_failed", intent=failed),
    )

    payment.refresh_from_db()
    assert (payment.state, payment.failure_code, payment.order.status) == (
        PaymentState.CAPTURED,
        "",
        OrderStatus.PAID,
    )


_INTENT_WITHOUT_AMOUNT = {
    "object": "payment_intent",
    "id": "pi_123",
    "currency": "gbp",
    "status": "succeeded",
}


@pytest.mark.parametrize(
    "body",
    [
        {"id": "evt_m1", "type": "payment_intent.succeeded", "data": {"object": _INTENT_WITHOUT_AMOUNT}},
        {"id": "evt_m2", "type": "payment_intent.succeeded", "data": {"object": ["not", "an", "object"]}},
        {
            "id": "evt_m3",
            "type": "payment_intent.succeeded",
            "data": {"object": {**_INTENT_WITHOUT_AMOUNT, "amount": "lots"}},
        },
        {
            "id": "evt_m4",
            "type": "payment_intent.succeeded",
            "data": {"object": {**_INTENT_WITHOUT_AMOUNT, "amount": 2495, "metadata": "payment 7"}},
        },
        {"id": "e" * 300, "type": "customer.created", "data": {"object": {"object": "customer"}}},
        ["a", "list"],
    ],
    ids=[
        "no-amount",
        "object-is-a-list",
        "amount-not-a-number",
        "metadata-not-an-object",
        "id-too-long",
        "list",
    ],
)
def test_a_signed_event_we_cannot_read_is_a_400_problem_and_logged(client, body):
    _stripe_payment()
    payload = json.dumps(body)

    response = _post(client, payload)

    entry = PaymentLogEntry.objects.get()
    assert (response.status_code, response["Content-Type"], response.json()["code"]) == (
        400,
        "application/problem+json",
        "invalid_webhook",
    )
    assert (entry.direction, entry.operation, entry.status_code) == ("in", "event (unreadable)", 400)
    assert ProviderEvent.objects.count() == 0
