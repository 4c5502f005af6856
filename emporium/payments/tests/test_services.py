"""The payment services with the offline test gateway and the manual methods."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from emporium.core.money import Money
from emporium.orders.exceptions import RefundAmountRequired, RefundExceedsOrderTotal
from emporium.orders.models import OrderStatus, StockState
from emporium.orders.services import cancel_order
from emporium.payments.exceptions import (
    GatewayNotAvailable,
    OrderNotPayable,
    PaymentActionNotAllowed,
    PaymentDeclined,
    RefundExceedsCaptured,
)
from emporium.payments.models import LogDirection, PaymentLogEntry, PaymentState, ProviderEvent
from emporium.payments.services import (
    clear_review_flag,
    confirm_payment,
    mark_payment_received,
    refund_order_payment,
    refund_payment,
    start_payment,
)
from emporium.payments.tasks import send_payment_confirmation_task
from emporium.payments.tests.factories import PaymentFactory, make_unpaid_order

pytestmark = pytest.mark.django_db

SUCCEEDS, DECLINED, NO_FUNDS, CONFIRM = (
    "4242 4242 4242 4242",
    "4000 0000 0000 0002",
    "4000 0000 0000 9995",
    "4000 0000 0000 3220",
)


def _pay(order, card: str):
    payment = start_payment(order=order, gateway_name="offline")
    return confirm_payment(payment=payment, details={"card_number": card})


def test_the_success_card_pays_the_order(django_capture_on_commit_callbacks, mailoutbox):
    order = make_unpaid_order()

    with django_capture_on_commit_callbacks(execute=True):
        payment = _pay(order, SUCCEEDS)

    order.refresh_from_db()
    assert (payment.state, payment.captured_amount, order.status, order.reserved_until) == (
        PaymentState.CAPTURED,
        order.total_amount,
        OrderStatus.PAID,
        None,
    )
    assert len(mailoutbox) == 1


def test_the_test_gateway_goes_through_the_signed_event_path_like_stripe():
    payment = _pay(make_unpaid_order(), SUCCEEDS)

    event = ProviderEvent.objects.get()
    incoming = PaymentLogEntry.objects.get(direction=LogDirection.INCOMING)
    assert (event.gateway, event.type, event.payment, event.processed_at is not None) == (
        "offline",
        "payment_intent.succeeded",
        payment,
        True,
    )
    assert incoming.response["duplicate"] is False


@pytest.mark.parametrize(("card", "code"), [(DECLINED, "card_declined"), (NO_FUNDS, "insufficient_funds")])
def test_a_declined_card_fails_the_attempt_and_leaves_the_order_unpaid(card, code):
    order = make_unpaid_order()

    with pytest.raises(PaymentDeclined) as declined:
        _pay(order, card)

    order.refresh_from_db()
    payment = order.payments.get()
    assert (declined.value.details["decline_code"], payment.state, payment.failure_code) == (
        code,
        PaymentState.FAILED,
        code,
    )
    assert (order.status, order.stock_state) == (OrderStatus.UNPAID, StockState.RESERVED)


def test_after_a_decline_another_card_pays_in_a_new_attempt():
    order = make_unpaid_order()
    with pytest.raises(PaymentDeclined):
        _pay(order, DECLINED)

    payment = _pay(order, SUCCEEDS)

    order.refresh_from_db()
    assert sorted(order.payments.values_list("state", flat=True)) == ["captured", "failed"]
    assert (payment.state, order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_the_confirmation_card_waits_for_the_customer():
    payment = _pay(make_unpaid_order(), CONFIRM)

    assert (payment.state, payment.order.status) == (PaymentState.REQUIRES_ACTION, OrderStatus.UNPAID)


def test_approving_the_confirmation_step_pays_the_order():
    payment = _pay(make_unpaid_order(), CONFIRM)

    payment = confirm_payment(payment=payment, details={"authentication": "approve"})

    payment.order.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_failing_the_confirmation_step_declines_the_payment():
    payment = _pay(make_unpaid_order(), CONFIRM)

    with pytest.raises(PaymentDeclined):
        confirm_payment(payment=payment, details={"authentication": "fail"})

    payment.refresh_from_db()
    assert (payment.state, payment.failure_code) == (PaymentState.FAILED, "authentication_failed")


def test_the_amount_is_the_orders_whatever_is_asked():
    order = make_unpaid_order(total_amount=Decimal("12.34"))

    payment = start_payment(order=order, gateway_name="offline")

    assert (payment.amount, payment.currency) == (Decimal("12.34"), "GBP")


def test_starting_twice_reuses_the_open_payment_and_its_key():
    order = make_unpaid_order()
    first = start_payment(order=order, gateway_name="offline")

    second = start_payment(order=order, gateway_name="offline")

    assert (second.pk, second.idempotency_key, order.payments.count()) == (first.pk, first.idempotency_key, 1)


def test_a_paid_order_cannot_be_paid_again():
    order = make_unpaid_order()
    _pay(order, SUCCEEDS)

    with pytest.raises(OrderNotPayable):
        start_payment(order=order, gateway_name="offline")


def test_an_expired_order_cannot_be_paid():
    order = make_unpaid_order()
    cancel_order(order=order, reason="Not paid in time")

    with pytest.raises(OrderNotPayable):
        start_payment(order=order, gateway_name="offline")


def test_a_gateway_that_is_not_enabled_is_refused(settings):
    settings.PAYMENT_GATEWAYS = ["bank_transfer"]

    with pytest.raises(GatewayNotAvailable):
        start_payment(order=make_unpaid_order(), gateway_name="offline")


def test_a_cancelled_order_refuses_the_card():
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="offline")
    cancel_order(order=order, reason="Not paid in time")

    with pytest.raises(OrderNotPayable):
        confirm_payment(payment=payment, details={"card_number": SUCCEEDS})

    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING


def test_a_second_payment_for_a_paid_order_is_flagged_for_staff():
    order = make_unpaid_order()
    first = start_payment(order=order, gateway_name="offline")
    second = start_payment(order=order, gateway_name="bank_transfer")
    confirm_payment(payment=first, details={"card_number": SUCCEEDS})
    order.refresh_from_db()
    order.status = OrderStatus.UNPAID  # as if a race let both through
    order.save(update_fields=["status"])

    second = mark_payment_received(payment=second, actor=None)

    assert (second.flagged_for_review, "already paid" in second.review_reason) == (True, True)


def test_bank_transfer_holds_the_stock_for_days_and_staff_mark_it_received():
    order = make_unpaid_order()

    payment = start_payment(order=order, gateway_name="bank_transfer")

    order.refresh_from_db()
    assert payment.provider_reference == f"BT-{order.number}-{payment.pk}"
    assert order.reserved_until is not None
    assert order.reserved_until > timezone.now() + timedelta(days=6)
    payment = mark_payment_received(payment=payment, actor=None)
    order.refresh_from_db()
    assert (payment.state, order.status) == (PaymentState.CAPTURED, OrderStatus.PAID)


def test_card_payments_are_not_marked_received_by_hand():
    payment = start_payment(order=make_unpaid_order(), gateway_name="offline")

    with pytest.raises(PaymentActionNotAllowed):
        mark_payment_received(payment=payment, actor=None)


def test_refunds_in_part_then_in_full():
    payment = _pay(make_unpaid_order(total_amount=Decimal("20.00")), SUCCEEDS)

    refund_payment(payment=payment, amount=Money(Decimal("5.00"), "GBP"))
    payment.refresh_from_db()
    assert (payment.state, payment.order.status) == (
        PaymentState.PARTIALLY_REFUNDED,
        OrderStatus.PARTIALLY_REFUNDED,
    )
    refund_payment(payment=payment, amount=Money(Decimal("15.00"), "GBP"))

    payment.refresh_from_db()
    assert (payment.state, payment.refunded_amount, payment.order.status) == (
        PaymentState.REFUNDED,
        Decimal("20.00"),
        OrderStatus.REFUNDED,
    )
    assert payment.order.events.filter(message__startswith="£15.00 refunded").exists()


def test_refunding_more_than_is_left_is_refused():
    payment = _pay(make_unpaid_order(total_amount=Decimal("20.00")), SUCCEEDS)
    refund_payment(payment=payment, amount=Money(Decimal("15.00"), "GBP"))

    with pytest.raises(RefundExceedsCaptured):
        refund_payment(payment=payment, amount=Money(Decimal("5.01"), "GBP"))


def test_an_unpaid_payment_cannot_be_refunded():
    payment = start_payment(order=make_unpaid_order(), gateway_name="offline")

    with pytest.raises(PaymentActionNotAllowed):
        refund_payment(payment=payment)


def test_an_order_paid_outside_the_shop_records_its_refund_without_a_payment():
    order = make_unpaid_order(status=OrderStatus.PAID)

    refund_order_payment(order=order, amount=Money(Decimal("2.00"), "GBP"), partial=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED


def test_staff_clear_a_review_flag():
    payment = PaymentFactory.create(flagged_for_review=True, review_reason="amount mismatch")

    payment = clear_review_flag(payment=payment, actor=None)

    assert payment.flagged_for_review is False
    assert payment.order.events.filter(message__contains="reviewed").exists()


def test_manual_capture_with_the_test_gateway_authorizes_then_captures(settings):
    from emporium.payments.services import capture_payment

    settings.OFFLINE_GATEWAY_CAPTURE_METHOD = "manual"
    payment = _pay(make_unpaid_order(), SUCCEEDS)
    assert (payment.state, payment.order.status) == (PaymentState.AUTHORIZED, OrderStatus.PAID)

    payment = capture_payment(payment=payment)

    assert (payment.state, payment.captured_amount) == (PaymentState.CAPTURED, payment.amount)


def test_a_partial_refund_of_a_card_payment_needs_an_amount():
    payment = _pay(make_unpaid_order(), SUCCEEDS)

    with pytest.raises(RefundAmountRequired):
        refund_order_payment(order=payment.order, partial=True)


def test_a_partial_refund_of_an_order_without_a_payment_needs_an_amount():
    order = make_unpaid_order(status=OrderStatus.PAID)

    with pytest.raises(RefundAmountRequired):
        refund_order_payment(order=order, partial=True)

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, Decimal("0"))


def test_a_refund_of_an_order_without_a_payment_is_capped_at_what_is_left():
    order = make_unpaid_order(status=OrderStatus.PAID, total_amount=Decimal("20.00"))
    refund_order_payment(order=order, amount=Money(Decimal("15.00"), "GBP"), partial=True)

    with pytest.raises(RefundExceedsOrderTotal):
        refund_order_payment(order=order, amount=Money(Decimal("5.01"), "GBP"), partial=True)

    order = refund_order_payment(order=order, amount=Money(Decimal("5.00"), "GBP"), partial=True)
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("20.00"))


@pytest.mark.parametrize("gateway", ["bank_transfer", "cash_on_delivery"])
def test_a_customer_cannot_confirm_a_manual_payment(gateway):
    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name=gateway)

    with pytest.raises(PaymentActionNotAllowed):
        confirm_payment(payment=payment, details={"card_number": SUCCEEDS})

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.state, order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_approving_a_payment_that_asked_for_no_confirmation_step_is_refused():
    payment = start_payment(order=make_unpaid_order(), gateway_name="offline")

    with pytest.raises(PaymentActionNotAllowed):
        confirm_payment(payment=payment, details={"authentication": "approve"})

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert (payment.state, payment.order.status) == (PaymentState.PENDING, OrderStatus.UNPAID)


def test_cash_on_delivery_ships_unpaid_and_staff_mark_it_paid_when_the_courier_pays_in(
    django_capture_on_commit_callbacks, mailoutbox
):
    from emporium.orders.services import mark_order_delivered, mark_order_shipped

    order = make_unpaid_order()
    payment = start_payment(order=order, gateway_name="cash_on_delivery")
    order.refresh_from_db()
    assert (order.pays_on_delivery, order.reserved_until) == (True, None)
    mark_order_shipped(order=order, tracking_number="RM1")
    mark_order_delivered(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        payment = mark_payment_received(payment=payment, actor=None)

    order.refresh_from_db()
    assert (payment.state, order.status, order.paid_at is not None) == (
        PaymentState.CAPTURED,
        OrderStatus.DELIVERED,
        True,
    )
    assert [m.subject for m in mailoutbox] == [f"Emporium: payment received for order {order.number}"]


def test_bank_transfer_orders_still_ship_only_once_paid():
    from emporium.orders.exceptions import TransitionNotAllowed
    from emporium.orders.services import mark_order_shipped

    order = make_unpaid_order()
    start_payment(order=order, gateway_name="bank_transfer")

    with pytest.raises(TransitionNotAllowed):
        mark_order_shipped(order=order)


def test_a_payment_email_the_mail_server_refused_is_sent_on_a_retry(flaky_mail_server):
    payment = _pay(make_unpaid_order(), SUCCEEDS)  # its e-mail task is not run here (no commit)
    flaky_mail_server.failures_left = 2

    result = send_payment_confirmation_task.apply(kwargs={"payment_id": payment.pk})

    assert result.successful()
    assert [m.subject for m in mail.outbox] == [
        f"Emporium: payment received for order {payment.order.number}"
    ]
