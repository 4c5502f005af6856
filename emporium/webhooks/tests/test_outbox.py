"""Events are written in the transaction of the change, and nothing is sent on the request path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from emporium.cart.exceptions import OutOfStock
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.services import update_product, update_variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import make_details
from emporium.core.tests.broker import queued_messages
from emporium.orders.services import (
    cancel_order,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)
from emporium.payments.tests.factories import make_unpaid_order
from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookEventType
from emporium.webhooks.services import QUEUED_GRACE, deliver_due_webhooks, emit, fan_out_webhook_events
from emporium.webhooks.tasks import fan_out_webhook_events_task
from emporium.webhooks.tests.factories import WebhookEndpointFactory
from emporium.webhooks.tests.receiver import HANG, running_receiver

pytestmark = pytest.mark.django_db

T = WebhookEventType


def _place(*, quantity: int = 1, stock: int = 5, price: str = "12.50"):
    variant = VariantFactory.create(stock_on_hand=stock, price_amount=Decimal(price))
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=variant, quantity=quantity)
    return place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())


def _types() -> list[str]:
    return list(WebhookEvent.objects.order_by("created_at", "type").values_list("type", flat=True))


def test_a_placed_order_is_in_the_outbox_once_it_commits_and_reaches_the_receiver():
    with running_receiver() as receiver:
        endpoint = WebhookEndpointFactory.create(url=receiver.url, event_types=[T.ORDER_PLACED])
        receiver.secret = endpoint.secret

        order = _place()
        deliver_due_webhooks()  # fans the event out, then sends it
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    assert delivery.event.type == T.ORDER_PLACED
    assert [hook.document["data"]["number"] for hook in receiver.received] == [order.number]


class PaymentStepError(Exception):
    pass


def _place_then_fail() -> None:
    with transaction.atomic():
        _place()
        assert WebhookEvent.objects.filter(type=T.ORDER_PLACED).exists()  # written, in the transaction
        raise PaymentStepError("a later step failed after the order was written")


def test_a_rolled_back_order_writes_nothing_and_sends_nothing():
    with running_receiver() as receiver:
        WebhookEndpointFactory.create(url=receiver.url)
        with pytest.raises(PaymentStepError):
            _place_then_fail()
        deliver_due_webhooks()

    assert (WebhookEvent.objects.count(), WebhookDelivery.objects.count(), receiver.received) == (0, 0, [])


def test_a_checkout_refused_for_stock_writes_no_event():
    WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED])

    with pytest.raises(OutOfStock):
        _place(quantity=3, stock=2)

    assert WebhookEvent.objects.count() == 0


def test_an_event_goes_only_to_active_endpoints_subscribed_to_its_type():
    wants = WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED])
    WebhookEndpointFactory.create(event_types=[T.ORDER_SHIPPED])
    WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED], is_active=False)

    _place()
    fan_out_webhook_events()

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wants.pk]


def test_nobody_listening_writes_nothing():
    assert emit(event_type=T.ORDER_PLACED, payload={"number": "X"}) is None
    assert WebhookEvent.objects.count() == 0


def test_the_order_payload_has_money_as_decimal_strings_lines_and_no_customer_details():
    WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED])

    order = _place(quantity=2, price="12.50")
    recorded = WebhookEvent.objects.get(type=T.ORDER_PLACED).data
    fan_out_webhook_events()  # the lines are added here, after checkout's commit

    data = WebhookEvent.objects.get(type=T.ORDER_PLACED).data
    assert data == {**recorded, "lines": data["lines"]}
    assert data["number"] == order.number
    assert data["status"] == "unpaid"
    assert data["totals"]["subtotal"] == {"amount": "25.00", "currency": "GBP"}
    assert data["totals"]["total"] == {"amount": str(order.total_amount), "currency": "GBP"}
    assert [(line["quantity"], line["unit_price"]["amount"]) for line in data["lines"]] == [(2, "12.50")]
    text = str(data)
    assert order.email not in text
    assert order.shipping_address["line1"] not in text


def test_each_order_step_is_an_event():
    WebhookEndpointFactory.create()
    order = make_unpaid_order()
    order = mark_order_paid(order=order)
    order = mark_order_fulfilled(order=order)
    mark_order_shipped(order=order, tracking_number="RM1")

    shipped = WebhookEvent.objects.get(type=T.ORDER_SHIPPED).data
    assert shipped["tracking_number"] == "RM1"
    assert shipped["status"] == "shipped"
    assert WebhookEvent.objects.get(type=T.ORDER_PAID).data["paid_at"] is not None


def test_a_cancelled_order_tells_of_the_cancellation_and_the_stock_coming_back():
    WebhookEndpointFactory.create(event_types=[T.ORDER_CANCELLED, T.STOCK_CHANGED])
    order = _place(quantity=2, stock=5)
    fan_out_webhook_events()  # a worker does this as each change commits

    cancel_order(order=order, reason="Asked to")
    fan_out_webhook_events()

    stock = WebhookEvent.objects.filter(type=T.STOCK_CHANGED).order_by("created_at")
    # The figures are read as each event is fanned out: the variant's creation and the order
    # holding 2 were fanned out together (3 left), the cancellation after it (5 again).
    assert [event.data["variants"][0]["stock"]["available"] for event in stock] == [3, 3, 5]
    assert WebhookEvent.objects.get(type=T.ORDER_CANCELLED).data["status"] == "cancelled"


def test_a_refund_carries_the_amount_refunded_so_far():
    WebhookEndpointFactory.create(event_types=[T.ORDER_REFUNDED])
    order = mark_order_paid(order=make_unpaid_order())

    refund_order(order=order, note="paid outside the shop, given back by hand")

    refunded = WebhookEvent.objects.get(type=T.ORDER_REFUNDED).data
    assert refunded["totals"]["refunded"] == refunded["totals"]["total"]
    assert refunded["status"] == "refunded"


def test_staff_changing_stock_is_a_stock_event_and_changing_a_price_is_not():
    variant = VariantFactory.create(stock_on_hand=4)
    WebhookEndpointFactory.create(event_types=[T.STOCK_CHANGED, T.PRODUCT_UPDATED])

    update_variant(variant=variant, fields={"price_amount": Decimal("9.99")})
    update_variant(variant=variant, fields={"stock_on_hand": 7})

    assert _types() == [T.PRODUCT_UPDATED, T.PRODUCT_UPDATED, T.STOCK_CHANGED]
    fan_out_webhook_events()
    stock = WebhookEvent.objects.get(type=T.STOCK_CHANGED).data["variants"][0]
    assert (stock["sku"], stock["stock"]) == (variant.sku, {"on_hand": 7, "allocated": 0, "available": 7})


def test_a_product_edit_is_a_product_event_with_its_variants_prices():
    variant = VariantFactory.create(price_amount=Decimal("3.50"))
    WebhookEndpointFactory.create(event_types=[T.PRODUCT_UPDATED])

    update_product(product=variant.product, fields={"name": "Tin lantern"})

    data = WebhookEvent.objects.get().data
    assert (data["name"], data["slug"]) == ("Tin lantern", variant.product.slug)
    assert data["variants"][0]["price"] == {"amount": "3.50", "currency": "GBP"}


def test_deleting_a_product_is_a_product_deleted_event_in_the_same_transaction():
    variant = VariantFactory.create()
    product = variant.product
    product_id, slug = product.pk, product.slug
    WebhookEndpointFactory.create(event_types=[T.PRODUCT_DELETED])

    def delete_then_fail() -> None:
        with transaction.atomic():
            product.delete()
            assert WebhookEvent.objects.filter(type=T.PRODUCT_DELETED).exists()  # written, in the transaction
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        delete_then_fail()
    assert not WebhookEvent.objects.exists()

    type(product).objects.get(pk=product_id).delete()

    event = WebhookEvent.objects.get()
    assert (event.type, event.data["id"], event.data["slug"]) == (T.PRODUCT_DELETED, product_id, slug)
    fan_out_webhook_events()
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_in_embedded_mode_checkout_never_waits_for_a_dead_endpoint(django_capture_on_commit_callbacks):
    """Tasks run inline here (as in embedded mode): the order commits without a request being
    made; the beat sweep sends it later."""
    with running_receiver(answers=[HANG]) as receiver:
        WebhookEndpointFactory.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            _place()
        assert receiver.received == []

    # Recorded, and left for the sweep: not even its deliveries are written on the request path.
    assert set(WebhookEvent.objects.values_list("fanned_out_at", flat=True)) == {None}
    assert not WebhookDelivery.objects.exists()
    fan_out_webhook_events()
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}


def test_in_service_mode_the_commit_queues_one_message_and_a_dead_broker_loses_nothing(
    dead_broker, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory.create_batch(3, event_types=[T.ORDER_PLACED])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = _place()

    assert order.pk is not None
    assert (
        len([c for c in callbacks if getattr(c, "__qualname__", "") == "_TransactionOutbox.committed"]) == 1
    )
    # The message could not be sent; the event is committed and waits for the sweep.
    event = WebhookEvent.objects.get()
    assert (event.fanned_out_at, WebhookDelivery.objects.count()) == (None, 0)
    assert fan_out_webhook_events(older_than=timezone.now() + QUEUED_GRACE) != []
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3


def test_a_checkout_with_two_events_for_three_endpoints_sends_one_message(
    redis_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # committed before the checkout starts
        cart = CartFactory.create()
        CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=5), quantity=1)
        WebhookEndpointFactory.create_batch(3, event_types=[T.ORDER_PLACED, T.STOCK_CHANGED])

    with django_capture_on_commit_callbacks(execute=True):
        place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())

    events = {str(pk): kind for pk, kind in WebhookEvent.objects.values_list("pk", "type")}
    assert sorted(events.values()) == [T.ORDER_PLACED, T.STOCK_CHANGED]
    ((task, kwargs),) = _webhook_messages(redis_broker)
    assert task == "emporium.webhooks.tasks.fan_out_webhook_events_task"
    assert sorted(kwargs["event_ids"]) == sorted(events)
    assert not WebhookDelivery.objects.exists()  # the worker writes them, after the commit

    fan_out_webhook_events_task.run(**kwargs)  # the worker's side: six deliveries, a task each
    assert WebhookDelivery.objects.count() == 6
    sent = [task for task, _ in _webhook_messages(redis_broker)][1:]
    assert sent == ["emporium.webhooks.tasks.deliver_webhook_task"] * 6


def _webhook_messages(queue: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (task, kwargs) for task, kwargs in queued_messages(queue) if task.startswith("emporium.webhooks.")
    ]


def test_a_transaction_reads_the_subscriptions_once_whatever_its_events(django_assert_num_queries):
    WebhookEndpointFactory.create(event_types=[T.ORDER_PAID, T.ORDER_SHIPPED])

    with transaction.atomic():
        with django_assert_num_queries(2):  # the subscriptions, then the event
            emit(event_type=T.ORDER_PAID, payload={"number": "EMP-1"})
        with django_assert_num_queries(1):  # the event alone
            emit(event_type=T.ORDER_SHIPPED, payload={"number": "EMP-1"})
        with django_assert_num_queries(0):
            assert emit(event_type=T.ORDER_PLACED, payload={"number": "EMP-1"}) is None


def test_an_endpoint_registered_during_a_transaction_gets_its_later_events():
    with transaction.atomic():
        assert emit(event_type=T.ORDER_PAID, payload={"number": "EMP-1"}) is None
        endpoint = WebhookEndpointFactory.create(event_types=[T.ORDER_PAID])
        assert emit(event_type=T.ORDER_PAID, payload={"number": "EMP-2"}) is not None
        endpoint.is_active = False
        endpoint.save()
        assert emit(event_type=T.ORDER_PAID, payload={"number": "EMP-3"}) is None


def test_a_rolled_back_transaction_leaves_nothing_for_the_next_one(redis_broker):
    WebhookEndpointFactory.create(event_types=[T.ORDER_PAID])

    def emit_then_fail() -> None:
        with transaction.atomic():
            emit(event_type=T.ORDER_PAID, payload={"number": "EMP-1"})
            raise PaymentStepError("rolled back")

    with pytest.raises(PaymentStepError):
        emit_then_fail()

    with transaction.atomic():
        kept = emit(event_type=T.ORDER_PAID, payload={"number": "EMP-2"})

    assert kept is not None
    # The test's own transaction never commits, so nothing is queued; the second transaction's
    # outbox holds its own event only, not the one rolled back.
    outbox = transaction.get_connection().webhooks_outbox
    assert outbox.event_ids == [kept.pk]


def test_an_endpoint_deleted_before_the_fan_out_gets_no_delivery():
    kept, deleted = WebhookEndpointFactory.create_batch(2, event_types=[T.ORDER_PAID])
    event = emit(event_type=T.ORDER_PAID, payload={"number": "EMP-1"})
    assert event is not None
    assert event.endpoint_ids == [kept.pk, deleted.pk]
    deleted.delete()

    fan_out_webhook_events()

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [kept.pk]
    assert WebhookEvent.objects.get().fanned_out_at is not None
    assert fan_out_webhook_events() == []  # once


def test_checkout_records_its_events_with_one_insert_each():
    """The lines and the stock figures are read after the commit, when the events are fanned
    out: inside checkout's transaction (the variants' rows locked) each event is one INSERT."""
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(stock_on_hand=5), quantity=2)
    WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED, T.STOCK_CHANGED])
    with CaptureQueriesContext(connection) as counted:
        order = place_order(cart=cart, customer=None, details=make_details(), idempotency_key=uuid4())
    webhook_sql = [q["sql"] for q in counted.captured_queries if "webhooks_" in q["sql"]]
    assert len(webhook_sql) == 3  # the subscriptions once, then one INSERT per event
    assert all(sql.startswith("INSERT") for sql in webhook_sql[1:])

    fan_out_webhook_events()

    placed = WebhookEvent.objects.get(type=T.ORDER_PLACED).data
    assert [(line["sku"], line["quantity"]) for line in placed["lines"]] == [
        (line.sku, 2) for line in order.lines.all()
    ]
    stock = WebhookEvent.objects.get(type=T.STOCK_CHANGED).data
    assert stock["variants"][0]["stock"] == {"on_hand": 5, "allocated": 2, "available": 3}
    assert stock["as_of"] >= WebhookEvent.objects.get(type=T.STOCK_CHANGED).created_at.isoformat()
