from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from emporium.accounts.tests.factories import StaffUserFactory, UserFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.exceptions import TransitionNotAllowed
from emporium.orders.models import Order, OrderEventType, OrderStatus, StockState
from emporium.orders.services import (
    cancel_order,
    confirm_order_for_cash_on_delivery,
    mark_order_delivered,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)
from emporium.orders.signals import order_status_changed
from emporium.orders.tasks import send_shipping_notification_task
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.payments.services import release_expired_orders

pytestmark = pytest.mark.django_db


def _reserved_order(*, quantity: int = 2, stock: int = 5, **fields: object):
    variant = VariantFactory.create(stock_on_hand=stock, stock_allocated=quantity)
    order = OrderFactory.create(status=OrderStatus.UNPAID, stock_state=StockState.RESERVED, **fields)
    OrderLineFactory.create(order=order, variant=variant, quantity=quantity)
    return order, variant


def test_an_order_goes_from_unpaid_to_delivered_recording_who_did_it():
    order, _ = _reserved_order()
    staff = StaffUserFactory.create()

    mark_order_paid(order=order, actor=staff)
    mark_order_shipped(order=order, tracking_number="TRACK1", actor=staff)
    order = mark_order_delivered(order=order, actor=staff)

    assert order.status == OrderStatus.DELIVERED
    steps = list(order.events.filter(type=OrderEventType.STATUS_CHANGED).values_list("to_status", "actor"))
    assert steps == [("paid", staff.pk), ("shipped", staff.pk), ("delivered", staff.pk)]


def test_shipping_an_unpaid_order_is_refused():
    order, _ = _reserved_order()

    with pytest.raises(TransitionNotAllowed):
        mark_order_shipped(order=order, tracking_number="X")

    order.refresh_from_db()
    assert order.status == OrderStatus.UNPAID


@pytest.mark.parametrize("status", [OrderStatus.UNPAID, OrderStatus.CANCELLED])
def test_refunding_an_order_that_was_never_paid_is_refused(status):
    order = OrderFactory.create(status=status)

    with pytest.raises(TransitionNotAllowed):
        refund_order(order=order)


def test_cancelling_a_delivered_order_is_refused():
    order = OrderFactory.create(status=OrderStatus.DELIVERED)

    with pytest.raises(TransitionNotAllowed):
        cancel_order(order=order)


def test_shipping_takes_the_goods_out_of_stock():
    order, variant = _reserved_order(quantity=2, stock=5)
    mark_order_paid(order=order)

    mark_order_shipped(order=order, tracking_number="T")

    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.stock_allocated) == (3, 0)


def test_an_expired_unpaid_order_gives_its_stock_back_exactly_once():
    order, variant = _reserved_order(
        quantity=2, stock=5, reserved_until=timezone.now() - timedelta(minutes=1)
    )

    first = release_expired_orders()
    second = release_expired_orders()
    with pytest.raises(TransitionNotAllowed):
        cancel_order(order=order)

    variant.refresh_from_db()
    order.refresh_from_db()
    assert (first, second) == (1, 0)
    assert variant.stock_allocated == 0
    assert order.status == OrderStatus.CANCELLED
    assert order.events.filter(type=OrderEventType.STOCK_RELEASED).count() == 1


def test_an_unpaid_order_within_its_time_keeps_its_stock():
    _, variant = _reserved_order(quantity=2, reserved_until=timezone.now() + timedelta(minutes=5))

    assert release_expired_orders() == 0
    variant.refresh_from_db()
    assert variant.stock_allocated == 2


def test_imported_orders_without_a_reservation_cancel_without_touching_stock():
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=0)
    order = OrderFactory.create(status=OrderStatus.PAID)
    OrderLineFactory.create(order=order, variant=variant, quantity=3)

    cancel_order(order=order)

    variant.refresh_from_db()
    assert variant.stock_allocated == 0


def test_customers_see_the_invoice_of_their_own_order_only(client):
    order, _ = _reserved_order(customer=UserFactory.create())
    client.force_login(order.customer)

    mine = client.get(f"/account/orders/{order.number}/invoice/")
    client.force_login(UserFactory.create())
    theirs = client.get(f"/account/orders/{order.number}/invoice/")

    assert f"Invoice {order.number}" in mine.content.decode()
    assert theirs.status_code == 404


def test_shipping_sends_one_notification_with_the_tracking_number_after_commit(
    django_capture_on_commit_callbacks,
):
    order, _ = _reserved_order(email="ann@example.com")
    mark_order_paid(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        mark_order_shipped(order=order, tracking_number="RM123456785GB")

    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.to == ["ann@example.com"]
    assert "RM123456785GB" in message.body
    assert "RM123456785GB" in str(message.alternatives[0][0])
    assert order.events.filter(type=OrderEventType.EMAIL_SENT, message="Shipping notification").count() == 1


def _shipped_order():
    """Shipped, its notification not sent yet: the test runs the task itself (no commit here)."""
    order, _ = _reserved_order(email="ann@example.com")
    mark_order_paid(order=order)
    return mark_order_shipped(order=order, tracking_number="RM123456785GB")


def test_a_shipping_notification_the_mail_server_refused_is_sent_on_a_retry(flaky_mail_server):
    order = _shipped_order()
    flaky_mail_server.failures_left = 2

    result = send_shipping_notification_task.apply(kwargs={"order_id": order.pk})

    assert result.successful()
    assert len(mail.outbox) == 1
    assert order.events.filter(type=OrderEventType.EMAIL_SENT, message="Shipping notification").count() == 1


def test_a_mail_server_that_stays_down_fails_the_shipping_notification_after_its_retries(
    flaky_mail_server,
):
    order = _shipped_order()
    flaky_mail_server.failures_left = 100

    result = send_shipping_notification_task.apply(kwargs={"order_id": order.pk})

    assert result.failed()
    assert flaky_mail_server.failures_left == 100 - 6  # the first attempt and five retries
    assert not order.events.filter(type=OrderEventType.EMAIL_SENT).exists()


def test_a_shipping_notification_task_delivered_twice_sends_one_email():
    order = _shipped_order()

    send_shipping_notification_task.apply(kwargs={"order_id": order.pk})
    send_shipping_notification_task.apply(kwargs={"order_id": order.pk})  # delivered again

    assert len(mail.outbox) == 1


def test_a_refused_shipment_sends_nothing(django_capture_on_commit_callbacks):
    order, _ = _reserved_order(email="ann@example.com")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionNotAllowed):
        mark_order_shipped(order=order, tracking_number="X")

    assert mail.outbox == []


def test_an_order_confirmed_for_cash_on_delivery_while_the_release_job_runs_keeps_its_stock():
    """The job lists the expired orders first and locks each in turn: a customer may confirm
    cash on delivery for a listed one meanwhile. The job must judge the order as it is once
    locked, not as it was listed."""
    past = timezone.now() - timedelta(minutes=1)
    (one, one_variant), (other, other_variant) = (_reserved_order(reserved_until=past) for _ in range(2))
    confirmed: list[Order] = []

    def customer_confirms_the_other_one(*, order, **kwargs):
        if not confirmed:  # while the job is busy with the first order it took
            confirmed.append(confirm_order_for_cash_on_delivery(order=other if order.pk == one.pk else one))

    order_status_changed.connect(customer_confirms_the_other_one, sender=Order, dispatch_uid="test-cod")
    try:
        released = release_expired_orders()
    finally:
        order_status_changed.disconnect(sender=Order, dispatch_uid="test-cod")

    [cod_order] = confirmed
    cod_order.refresh_from_db()
    cod_variant = one_variant if cod_order.pk == one.pk else other_variant
    cod_variant.refresh_from_db()
    assert released == 1
    assert (cod_order.status, cod_order.pays_on_delivery, cod_variant.stock_allocated) == (
        OrderStatus.UNPAID,
        True,
        2,
    )
