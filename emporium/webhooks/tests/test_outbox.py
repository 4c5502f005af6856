"""Events are written in the transaction of the change, and nothing is sent on the request path."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import transaction

from emporium.cart.exceptions import OutOfStock
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.services import update_product, update_variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import make_details
from emporium.orders.services import (
    cancel_order,
    mark_order_fulfilled,
    mark_order_paid,
    mark_order_shipped,
    refund_order,
)
from emporium.payments.tests.factories import make_unpaid_order
from emporium.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookEventType
from emporium.webhooks.services import deliver_due_webhooks, emit
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
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        deliver_due_webhooks()

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

    assert list(WebhookDelivery.objects.values_list("endpoint", flat=True)) == [wants.pk]


def test_nobody_listening_writes_nothing():
    assert emit(event_type=T.ORDER_PLACED, payload={"number": "X"}) is None
    assert WebhookEvent.objects.count() == 0


def test_the_order_payload_has_money_as_decimal_strings_lines_and_no_customer_details():
    WebhookEndpointFactory.create(event_types=[T.ORDER_PLACED])

    order = _place(quantity=2, price="12.50")

    data = WebhookEvent.objects.get(type=T.ORDER_PLACED).data
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

    cancel_order(order=order, reason="Asked to")

    stock = WebhookEvent.objects.filter(type=T.STOCK_CHANGED).order_by("created_at")
    # 5 when the variant was made, 3 once the order held 2, 5 again after the cancellation.
    assert [event.data["variants"][0]["stock"]["available"] for event in stock] == [5, 3, 5]
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
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_in_embedded_mode_checkout_never_waits_for_a_dead_endpoint(django_capture_on_commit_callbacks):
    """Tasks run inline here (as in embedded mode): the order commits without a request being
    made; the beat sweep sends it later."""
    with running_receiver(answers=[HANG]) as receiver:
        WebhookEndpointFactory.create(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            _place()
        assert receiver.received == []

    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.PENDING, 0)}


def test_in_service_mode_the_commit_queues_one_message_and_a_dead_broker_loses_nothing(
    dead_broker, django_capture_on_commit_callbacks
):
    WebhookEndpointFactory.create_batch(3, event_types=[T.ORDER_PLACED])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = _place()

    assert order.pk is not None
    assert len([c for c in callbacks if getattr(c, "__qualname__", "").startswith("emit")]) == 1
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 3
