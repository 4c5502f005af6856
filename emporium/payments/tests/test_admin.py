"""Staff refund, capture and mark received from the admin; the provider log is read-only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.orders.models import OrderStatus
from emporium.orders.services import cancel_order, mark_order_shipped
from emporium.payments.models import PaymentLogEntry, PaymentState
from emporium.payments.services import confirm_payment, start_payment
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _paid(total: str = "20.00"):
    payment = start_payment(order=make_unpaid_order(total_amount=Decimal(total)), gateway_name="offline")
    return confirm_payment(payment=payment, details={"card_number": "4242424242424242"})


def test_staff_refund_part_of_a_payment_with_the_refund_form(admin_client):
    payment = _paid()

    response = admin_client.post(
        f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "7.50", "reason": "Late"}
    )

    payment.refresh_from_db()
    assert response.status_code == 302
    assert (payment.refunded_amount, payment.state, payment.order.status) == (
        Decimal("7.50"),
        PaymentState.PARTIALLY_REFUNDED,
        OrderStatus.PARTIALLY_REFUNDED,
    )


def test_the_refund_form_refuses_more_than_was_captured(admin_client):
    payment = _paid()

    response = admin_client.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "20.01"})

    payment.refresh_from_db()
    assert response.status_code == 200
    assert "At most £20.00 can be refunded." in response.content.decode()
    assert payment.refunded_amount == 0


def test_the_order_admins_refund_in_part_moves_the_money_through_the_payment(admin_client):
    payment = _paid()

    admin_client.post(
        "/admin/orders/order/",
        {"action": "refund_partially", "_selected_action": [payment.order.pk], "refund_amount": "4.00"},
    )

    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refunds.get().state) == (Decimal("4.00"), "succeeded")


def test_staff_mark_a_bank_transfer_received(admin_client):
    payment = start_payment(order=make_unpaid_order(), gateway_name="bank_transfer")

    admin_client.post(
        "/admin/payments/payment/", {"action": "mark_received", "_selected_action": [payment.pk]}
    )

    payment.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_the_payment_pages_show_the_log_and_never_the_client_secret(admin_client):
    payment = _paid()
    payment.client_secret = "pi_secret_do_not_show"
    payment.save()

    response = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "pi_secret_do_not_show" not in content
    assert "offline://confirm" in content


def test_the_log_cannot_be_edited_or_deleted(admin_client):
    entry = PaymentLogEntry.objects.create(gateway="stripe", direction="out", operation="start")

    assert (
        admin_client.post(f"/admin/payments/paymentlogentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert PaymentLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_payment_list_filters_flagged_payments(admin_client):
    flagged = PaymentFactory.create(flagged_for_review=True, review_reason="amount mismatch")
    unflagged = PaymentFactory.create()

    response = admin_client.get("/admin/payments/payment/?flagged_for_review__exact=1")

    content = response.content.decode()
    assert response.status_code == 200
    assert f"/admin/payments/payment/{flagged.pk}/change/" in content
    assert f"/admin/payments/payment/{unflagged.pk}/change/" not in content


def test_the_order_page_lists_its_payments(admin_client):
    payment = _paid()

    response = admin_client.get(f"/admin/orders/order/{payment.order.pk}/change/")

    assert f"/admin/payments/payment/{payment.pk}/change/" in response.content.decode()


def test_a_log_entry_cannot_be_changed_once_written():
    entry = PaymentLogEntry.objects.create(gateway="stripe", direction="out", operation="start")
    entry.operation = "rewritten"

    with pytest.raises(ValueError, match="never edited"):
        entry.save()


@pytest.mark.parametrize("typed", ["abc", "", "-2", "0"])
def test_the_order_admin_shows_an_invalid_partial_refund_amount_with_its_error(admin_client, typed):
    payment = _paid()

    response = admin_client.post(
        "/admin/orders/order/",
        {"action": "refund_partially", "_selected_action": [payment.order.pk], "refund_amount": typed},
    )

    payment.refresh_from_db()
    content = response.content.decode()
    assert (response.status_code, payment.refunded_amount, payment.refunds.count()) == (200, 0, 0)
    assert 'class="errorlist' in content
    assert f'name="refund_amount" value="{typed}"' in content or not typed


def test_the_partial_refund_page_refunds_once_the_amount_is_valid(admin_client):
    payment = _paid()
    admin_client.post(
        "/admin/orders/order/",
        {"action": "refund_partially", "_selected_action": [payment.order.pk], "refund_amount": "abc"},
    )

    admin_client.post(
        "/admin/orders/order/",
        {"action": "refund_partially", "_selected_action": [payment.order.pk], "refund_amount": "3.00"},
    )

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("3.00")


def test_marking_an_order_paid_in_the_order_admin_records_its_bank_transfer_as_received(
    admin_client, django_capture_on_commit_callbacks
):
    """The transfer the customer chose is what arrived: it must not be cancelled as a duplicate."""
    payment = start_payment(order=make_unpaid_order(), gateway_name="bank_transfer")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/orders/order/",
            {"action": "mark_paid", "_selected_action": [payment.order_id], "index": 0},
        )

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert (payment.state, payment.captured_amount, payment.order.status) == (
        PaymentState.CAPTURED,
        payment.amount,
        OrderStatus.PAID,
    )


def test_marking_a_cash_on_delivery_order_paid_in_the_order_admin_records_the_cash(
    admin_client, django_capture_on_commit_callbacks
):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="cash_on_delivery")
    mark_order_shipped(order=order, tracking_number="RM1")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/orders/order/", {"action": "mark_paid", "_selected_action": [order.pk], "index": 0}
        )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.state, order.status, order.is_paid) == (PaymentState.CAPTURED, OrderStatus.SHIPPED, True)


def test_the_order_admin_refuses_to_mark_a_cancelled_order_paid_and_its_transfer_stays_open(admin_client):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="bank_transfer")
    cancel_order(order=order)  # its open payment is closed only after the commit, not run here

    response = admin_client.post(
        "/admin/orders/order/",
        {"action": "mark_paid", "_selected_action": [order.pk], "index": 0},
        follow=True,
    )

    payment.refresh_from_db()
    assert "it cannot be marked paid" in response.content.decode()
    assert (payment.state, payment.flagged_for_review) == (PaymentState.PENDING, False)


def test_nothing_on_the_payment_page_can_be_typed_over(admin_client):
    """cancel_requested_at tells our own cancel from the provider's and stops captures: only
    the services set it."""
    payment = _paid()

    form = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").context["adminform"].form
    admin_client.post(
        f"/admin/payments/payment/{payment.pk}/change/",
        {"cancel_requested_at_0": "2026-01-01", "cancel_requested_at_1": "12:00:00"},
    )

    payment.refresh_from_db()
    assert (list(form.fields), payment.cancel_requested_at) == ([], None)
