"""Refunds the provider never answered go out again by themselves, with the same key, for as
long as the provider remembers that key; staff see the provider's trouble in staff words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.core.money import Money
from emporium.payments.exceptions import GatewayUnavailable
from emporium.payments.models import Refund, RefundState
from emporium.payments.services import confirm_payment, refund_payment, start_payment
from emporium.payments.tasks import retry_pending_refunds_task
from emporium.payments.tests.factories import make_unpaid_order

pytestmark = pytest.mark.django_db

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"
CUSTOMER_WORDS = "held for you"


@pytest.fixture
def paid(fake_stripe):
    payment = start_payment(order=make_unpaid_order(total_amount=Decimal("20.00")), gateway_name="stripe")
    return confirm_payment(payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL)


@pytest.fixture
def stripe_down(fake_stripe, settings, closed_port_url):
    def go_down() -> None:
        settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES = closed_port_url, 0

    def come_back() -> None:
        settings.STRIPE_API_BASE = fake_stripe.url

    return go_down, come_back


def _unsent_refund(paid, stripe_down, *, age: timedelta) -> Refund:
    go_down, come_back = stripe_down
    go_down()
    with pytest.raises(GatewayUnavailable):
        refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    come_back()
    refund = paid.refunds.get()
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - age)
    return refund


def test_the_periodic_task_resends_an_unanswered_refund_with_its_key(paid, stripe_down, fake_stripe):
    refund = _unsent_refund(paid, stripe_down, age=timedelta(minutes=5))

    answered = retry_pending_refunds_task.delay().get()

    refund.refresh_from_db()
    paid.refresh_from_db()
    (sent,) = fake_stripe.requests_to("/v1/refunds")
    assert (answered, sent.idempotency_key, refund.state, paid.refunded_amount) == (
        1,
        str(refund.idempotency_key),
        RefundState.SUCCEEDED,
        Decimal("5.00"),
    )


def test_a_refund_still_waiting_for_its_first_answer_is_left_alone(paid, stripe_down, fake_stripe):
    refund = _unsent_refund(paid, stripe_down, age=timedelta(seconds=5))

    retry_pending_refunds_task.delay()

    refund.refresh_from_db()
    assert (refund.state, fake_stripe.requests_to("/v1/refunds")) == (RefundState.PENDING, [])


def test_a_refund_the_provider_accepted_as_pending_is_not_resent(paid, fake_stripe):
    fake_stripe.refund_status = "pending"
    refund = refund_payment(payment=paid, amount=Money(Decimal("5.00"), "GBP"))
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    retry_pending_refunds_task.delay()

    assert len(fake_stripe.requests_to("/v1/refunds")) == 1


def test_past_the_keys_lifetime_a_refund_is_not_resent_but_flagged(paid, stripe_down, fake_stripe):
    refund = _unsent_refund(paid, stripe_down, age=timedelta(hours=23, minutes=5))

    retry_pending_refunds_task.delay()

    refund.refresh_from_db()
    paid.refresh_from_db()
    assert (refund.state, paid.flagged_for_review, fake_stripe.requests_to("/v1/refunds")) == (
        RefundState.FAILED,
        True,
        [],
    )


def test_the_retry_runs_every_few_minutes():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["emporium.payments.tasks.retry_pending_refunds_task"] == 300.0


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def test_the_refund_page_tells_staff_the_refund_will_be_resent(admin_client, paid, stripe_down):
    stripe_down[0]()

    response = admin_client.post(
        f"/admin/payments/payment/{paid.pk}/refund/", {"amount": "5.00"}, follow=True
    )

    content = response.content.decode()
    assert CUSTOMER_WORDS not in content
    assert "sent again automatically" in content
    assert paid.refunds.get().state == RefundState.PENDING


def test_the_order_admins_refund_speaks_to_staff_when_the_provider_is_down(admin_client, paid, stripe_down):
    stripe_down[0]()

    response = admin_client.post(
        "/admin/orders/order/", {"action": "refund", "_selected_action": [paid.order.pk]}, follow=True
    )

    content = response.content.decode()
    assert CUSTOMER_WORDS not in content
    assert "sent again automatically" in content
