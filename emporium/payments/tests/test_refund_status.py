"""A refund is money back only once the provider says it succeeded. Card refunds can stay
pending for days and can fail, even after succeeding; Stripe tells us with signed refund events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from emporium.core.money import Money
from emporium.orders.models import OrderStatus
from emporium.payments.models import PaymentState, ProviderEvent, Refund, RefundState
from emporium.payments.services import check_pending_refunds, confirm_payment, refund_payment, start_payment
from emporium.payments.tasks import retry_pending_refunds_task
from emporium.payments.tests.conftest import intent_event, sign
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"


@pytest.fixture
def paid(fake_stripe):
    payment = start_payment(order=make_unpaid_order(total_amount=Decimal("20.00")), gateway_name="stripe")
    return confirm_payment(payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL)


def _refund_object(
    refund, *, status: str, failure_reason: str | None = None, with_metadata: bool = True
) -> dict:
    """A Refund as Stripe sends it in refund.* events."""
    return {
        "id": refund.provider_reference or "re_unknown",
        "object": "refund",
        "amount": int(refund.amount * 100),
        "currency": "gbp",
        "payment_intent": refund.payment.provider_reference,
        "status": status,
        "failure_reason": failure_reason,
        "metadata": {"refund_id": str(refund.pk)} if with_metadata else {},
    }


def _post(client, *, event_id: str, event_type: str, obj: dict):
    payload = intent_event(event_id=event_id, event_type=event_type, intent=obj)
    return client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload),
    )


def test_a_pending_refund_is_not_yet_money_back(paid, fake_stripe):
    fake_stripe.refund_status = "pending"

    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))

    paid.refresh_from_db()
    paid.order.refresh_from_db()
    assert (refund.state, refund.provider_reference) == (RefundState.PENDING, "re_fake0001")
    assert (paid.state, paid.refunded_amount, paid.order.status, paid.order.refunded_amount) == (
        PaymentState.CAPTURED,
        Decimal("0"),
        OrderStatus.PAID,
        Decimal("0"),
    )
    assert fake_stripe.requests_to("/v1/refunds")[0].form["metadata[refund_id]"] == str(refund.pk)


def test_a_pending_refund_counts_once_stripe_says_it_succeeded(paid, fake_stripe, client):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))

    response = _post(
        client, event_id="evt_ok", event_type="refund.updated", obj=_refund_object(refund, status="succeeded")
    )

    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (response.status_code, refund.state, paid.state, paid.refunded_amount) == (
        200,
        RefundState.SUCCEEDED,
        PaymentState.PARTIALLY_REFUNDED,
        Decimal("5.00"),
    )
    assert paid.order.status == OrderStatus.PARTIALLY_REFUNDED


def test_a_pending_refund_that_fails_is_flagged_and_never_counted(paid, fake_stripe, client):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid)

    _post(
        client,
        event_id="evt_failed",
        event_type="refund.failed",
        obj=_refund_object(refund, status="failed", failure_reason="expired_or_canceled_card"),
    )

    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (refund.state, paid.state, paid.refunded_amount, paid.order.status) == (
        RefundState.FAILED,
        PaymentState.CAPTURED,
        Decimal("0"),
        OrderStatus.PAID,
    )
    assert paid.flagged_for_review is True
    assert "expired_or_canceled_card" in paid.review_reason


def test_a_refund_that_fails_after_succeeding_is_taken_back_off_the_payment_and_the_order(paid, client):
    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    paid.refresh_from_db()
    assert (paid.refunded_amount, paid.order.refunded_amount) == (Decimal("5.00"), Decimal("5.00"))

    _post(
        client,
        event_id="evt_late_fail",
        event_type="charge.refund.updated",
        obj=_refund_object(refund, status="failed", failure_reason="lost_or_stolen_card"),
    )

    refund.refresh_from_db()
    paid.refresh_from_db()
    paid.order.refresh_from_db()
    assert (refund.state, paid.state, paid.refunded_amount, paid.flagged_for_review) == (
        RefundState.FAILED,
        PaymentState.CAPTURED,
        Decimal("0"),
        True,
    )
    assert paid.order.refunded_amount == Decimal("0")
    assert paid.order.events.filter(message__startswith="£5.00 no longer refunded").exists()


def test_a_refund_event_that_beats_stripes_answer_finds_the_refund_by_our_metadata(
    paid, fake_stripe, client, settings
):
    from emporium.payments.exceptions import GatewayUnavailable

    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fake_stripe.delays = [1.5]  # Stripe refunds, but the answer comes too late for us
    with pytest.raises(GatewayUnavailable):
        refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    refund = paid.refunds.get()
    obj = {**_refund_object(refund, status="succeeded"), "id": "re_fake0001"}

    _post(client, event_id="evt_first", event_type="refund.updated", obj=obj)

    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (refund.state, refund.provider_reference, paid.refunded_amount) == (
        RefundState.SUCCEEDED,
        "re_fake0001",
        Decimal("5.00"),
    )


def test_the_same_refund_event_twice_changes_nothing_more(paid, fake_stripe, client):
    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    failed = _refund_object(refund, status="failed")

    _post(client, event_id="evt_f", event_type="refund.failed", obj=failed)
    _post(client, event_id="evt_f", event_type="refund.failed", obj=failed)

    paid.refresh_from_db()
    assert (
        paid.refunded_amount,
        paid.order.refunded_amount,
        ProviderEvent.objects.get(event_id="evt_f").deliveries,
    ) == (
        Decimal("0"),
        Decimal("0"),
        2,
    )


def test_a_refund_made_in_stripes_dashboard_is_counted_once_whatever_arrives_first(paid, client):
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": paid.provider_reference,
        "amount": 2000,
        "amount_captured": 2000,
        "captured": True,
        "amount_refunded": 700,
        "currency": "gbp",
    }
    dashboard = {
        "id": "re_dash",
        "object": "refund",
        "amount": 700,
        "currency": "gbp",
        "payment_intent": paid.provider_reference,
        "status": "succeeded",
        "metadata": {},
    }

    _post(client, event_id="evt_charge", event_type="charge.refunded", obj=charge)
    _post(client, event_id="evt_created", event_type="refund.created", obj=dashboard)
    _post(client, event_id="evt_failed", event_type="refund.failed", obj={**dashboard, "status": "failed"})

    paid.refresh_from_db()
    refund = paid.refunds.get()
    assert (refund.provider_reference, refund.state, paid.refunded_amount, paid.flagged_for_review) == (
        "re_dash",
        RefundState.FAILED,
        Decimal("0"),
        True,
    )


def test_the_test_gateway_sends_charge_refunded_like_stripe_and_counts_the_refund_once():
    payment = start_payment(order=make_unpaid_order(total_amount=Decimal("20.00")), gateway_name="offline")
    payment = confirm_payment(payment=payment, details={"card_number": "4242424242424242"})

    refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"))
    refund_payment(payment=payment, amount=Money(Decimal("3.00"), "GBP"))

    payment.refresh_from_db()
    events = ProviderEvent.objects.filter(payment=payment, type="charge.refunded").order_by("pk")
    assert [e.payload["data"]["object"]["amount_refunded"] for e in events] == [500, 800]
    assert all(e.processed_at is not None for e in events)
    assert (payment.refunds.count(), payment.refunded_amount, payment.order.refunded_amount) == (
        2,
        Decimal("8.00"),
        Decimal("8.00"),
    )


# --- When the refund's event never comes: the periodic task asks Stripe --------------------------


def test_a_pending_refund_whose_event_never_came_is_settled_by_asking_stripe(paid, fake_stripe):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    fake_stripe.refunds[refund.provider_reference]["status"] = "succeeded"  # no refund.updated sent
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(hours=2))

    settled = retry_pending_refunds_task.delay().get()

    refund.refresh_from_db()
    paid.refresh_from_db()
    paid.order.refresh_from_db()
    assert settled == 1
    assert fake_stripe.requests_to(f"/v1/refunds/{refund.provider_reference}")[0].method == "GET"
    assert (refund.state, paid.refunded_amount, paid.order.status) == (
        RefundState.SUCCEEDED,
        Decimal("5.00"),
        OrderStatus.PARTIALLY_REFUNDED,
    )
    assert check_pending_refunds(now=timezone.now() + timedelta(hours=2)) == 0  # counted once


def test_a_pending_refund_stripe_says_failed_is_flagged(paid, fake_stripe):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid)
    fake_stripe.refunds[refund.provider_reference].update(
        status="failed", failure_reason="lost_or_stolen_card"
    )

    check_pending_refunds(now=timezone.now() + timedelta(hours=2))

    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (refund.state, paid.refunded_amount, paid.flagged_for_review) == (
        RefundState.FAILED,
        Decimal("0"),
        True,
    )
    assert "lost_or_stolen_card" in paid.review_reason


def test_a_refund_still_pending_is_asked_about_again_an_hour_later_not_every_run(paid, fake_stripe):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid)
    later = timezone.now() + timedelta(hours=2)
    lookups = f"/v1/refunds/{refund.provider_reference}"

    check_pending_refunds(now=later)
    check_pending_refunds(now=later + timedelta(minutes=5))
    asked_twice_in_five_minutes = len(fake_stripe.requests_to(lookups))
    check_pending_refunds(now=later + timedelta(hours=1, minutes=5))

    refund.refresh_from_db()
    assert (asked_twice_in_five_minutes, len(fake_stripe.requests_to(lookups))) == (1, 2)
    assert refund.state == RefundState.PENDING
    assert (
        not paid.order.events.filter(message__contains="pending")
        .exclude(message__contains="accepted by the provider")
        .exists()
    )
