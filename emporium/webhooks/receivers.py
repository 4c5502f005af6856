"""Orders and the catalog announce their changes; these receivers put them in the outbox.

A side effect nothing in the shop depends on, so a signal is the right tool: orders and the
catalog never import webhooks. Every receiver runs inside the transaction of the change, so
the outbox row commits or rolls back with it.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from emporium.catalog.events import stock_moved
from emporium.catalog.models import Product, Variant
from emporium.orders.models import Order, OrderStatus
from emporium.orders.signals import order_placed, order_status_changed
from emporium.webhooks.models import WebhookEndpoint, WebhookEventType
from emporium.webhooks.selectors import get_order_event_data, get_product_event_data, get_stock_event_data
from emporium.webhooks.services import emit, forget_subscriptions

EVENT_OF_TRANSITION = {
    "pay": WebhookEventType.ORDER_PAID,
    "ship": WebhookEventType.ORDER_SHIPPED,
    "cancel": WebhookEventType.ORDER_CANCELLED,
    "refund": WebhookEventType.ORDER_REFUNDED,
    "refund_partially": WebhookEventType.ORDER_REFUNDED,
}


@receiver(order_placed, sender=Order, dispatch_uid="webhooks.order_placed")
def record_order_placed(*, order: Order, **kwargs: Any) -> None:
    emit(event_type=WebhookEventType.ORDER_PLACED, payload=lambda: get_order_event_data(order=order))
    if order.status == OrderStatus.PAID:  # a voucher covered it all: paid as it was placed
        emit(event_type=WebhookEventType.ORDER_PAID, payload=lambda: get_order_event_data(order=order))


@receiver(order_status_changed, sender=Order, dispatch_uid="webhooks.order_status_changed")
def record_order_status_change(*, order: Order, transition: str = "", **kwargs: Any) -> None:
    if event_type := EVENT_OF_TRANSITION.get(transition):
        emit(event_type=event_type, payload=lambda: get_order_event_data(order=order))


@receiver(stock_moved, sender=Variant, dispatch_uid="webhooks.stock_moved")
def record_stock_moved(*, variant_ids: list[int], **kwargs: Any) -> None:
    emit(
        event_type=WebhookEventType.STOCK_CHANGED,
        payload=lambda: get_stock_event_data(variant_ids=variant_ids),
    )


@receiver(post_save, sender=Product, dispatch_uid="webhooks.product_saved")
def record_product_saved(*, instance: Product, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        emit(
            event_type=WebhookEventType.PRODUCT_UPDATED,
            payload=lambda: get_product_event_data(product=instance),
        )


@receiver(post_delete, sender=Product, dispatch_uid="webhooks.product_deleted")
def record_product_deleted(*, instance: Product, **kwargs: Any) -> None:
    """Sent inside the delete's own transaction (Django's collector runs post_delete there), so a
    rolled-back delete writes nothing. The variants are gone by now: the payload names the product."""
    emit(
        event_type=WebhookEventType.PRODUCT_DELETED,
        payload={"id": instance.pk, "slug": instance.slug, "name": instance.name},
    )


@receiver(pre_save, sender=Variant, dispatch_uid="webhooks.variant_stock_before")
def remember_stock_before_save(*, instance: Variant, raw: bool = False, **kwargs: Any) -> None:
    """Staff edits save the variant: keep the stock it had, to tell a stock change from a price one."""
    if raw or instance.pk is None:
        return
    before = Variant.objects.filter(pk=instance.pk).values_list("stock_on_hand", flat=True).first()
    instance._stock_on_hand_before_save = before  # type: ignore[attr-defined]


@receiver(post_save, sender=Variant, dispatch_uid="webhooks.variant_saved")
def record_variant_saved(*, instance: Variant, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    emit(
        event_type=WebhookEventType.PRODUCT_UPDATED,
        payload=lambda: get_product_event_data(product=instance.product),
    )
    before = getattr(instance, "_stock_on_hand_before_save", None)
    if created or before != instance.stock_on_hand:
        variant_ids = [instance.pk]
        emit(
            event_type=WebhookEventType.STOCK_CHANGED,
            payload=lambda: get_stock_event_data(variant_ids=variant_ids),
        )


@receiver(post_save, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_saved")
@receiver(post_delete, sender=WebhookEndpoint, dispatch_uid="webhooks.endpoint_deleted")
def endpoint_changed(**kwargs: Any) -> None:
    """Events recorded later in the same transaction go to the endpoints as they are now."""
    forget_subscriptions()
