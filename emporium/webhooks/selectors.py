"""Reads for webhooks: what each event says, and the lists staff look at.

Payloads carry what a shop's own systems act on (order number, status, money, lines, product
and stock figures) and nothing about the customer beyond the country the order goes to: no
name, e-mail or address leaves the shop through a webhook. A system that needs the address
asks the staff API with its own credentials.

Money is ``{"amount": "12.50", "currency": "GBP"}``, the amount a decimal string, as
everywhere in the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from emporium.catalog.models import Product, Variant
from emporium.orders.models import Order, OrderLine
from emporium.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventType


def _money(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _stock(*, on_hand: int, allocated: int) -> dict[str, int]:
    return {"on_hand": on_hand, "allocated": allocated, "available": max(on_hand - allocated, 0)}


def get_order_event_data(*, order: Order) -> dict[str, Any]:
    """An order as an order.* event tells it, from the instance in hand: no query, so recording
    it costs checkout nothing but its INSERT. The lines (which never change once the order is
    placed) are added when the event is fanned out: :func:`complete_event_data`."""
    currency = order.currency
    return {
        "number": order.number,
        "status": order.status,
        "placed_at": _time(order.placed_at),
        "paid_at": _time(order.paid_at),
        "country": order.country,
        "shipping_method": order.shipping_method_name,
        "tracking_number": order.tracking_number,
        "voucher_code": order.voucher_code,
        "totals": {
            "subtotal": _money(order.subtotal_amount, currency),
            "shipping": _money(order.shipping_amount, currency),
            "discount": _money(order.discount_amount, currency),
            "tax": _money(order.tax_amount, currency),
            "total": _money(order.total_amount, currency),
            "refunded": _money(order.refunded_amount, currency),
        },
        "lines": None,  # to come
    }


def _order_lines(*, numbers: set[str], currencies: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The lines of these orders, by order number: one query."""
    lines: dict[str, list[dict[str, Any]]] = {number: [] for number in numbers}
    rows = (
        OrderLine.objects.filter(order__number__in=numbers)
        .order_by("pk")
        .values_list(
            "order__number", "sku", "product_name", "variant_id", "variant__product_id", "quantity",
            "unit_price_amount", "total_amount",
        )
    )  # fmt: skip
    for number, sku, name, variant_id, product_id, quantity, unit_price, total in rows:
        currency = currencies[number]
        lines[number].append(
            {
                "sku": sku,
                "name": name,
                "product_id": product_id,
                "variant_id": variant_id,
                "quantity": quantity,
                "unit_price": _money(unit_price, currency),
                "total": _money(total, currency),
            }
        )
    return lines


def get_product_event_data(*, product: Product) -> dict[str, Any]:
    """A product with its variants' prices and stock, read from the database (the product's
    own price summary is refreshed by UPDATEs the instance in hand may not have seen)."""
    variants = Variant.objects.filter(product_id=product.pk).order_by("position", "pk")
    return {
        "id": product.pk,
        "slug": product.slug,
        "name": product.name,
        "is_published": product.is_published,
        "variants": [
            {
                "id": variant.pk,
                "sku": variant.sku,
                "name": variant.name,
                "price": _money(variant.price_amount, variant.currency),
                "compare_at_price": _money(variant.compare_at_amount, variant.currency),
                "stock": _stock(on_hand=variant.stock_on_hand, allocated=variant.stock_allocated),
            }
            for variant in variants
        ],
    }


def get_stock_event_data(*, variant_ids: Iterable[int]) -> dict[str, Any]:
    """What a stock.changed event records in the transaction of the change: which variants
    moved. Their figures are read when it is fanned out (:func:`complete_event_data`), so
    checkout records it with one INSERT while it holds the variants' rows locked."""
    return {"variant_ids": sorted(set(variant_ids))}


def _stock_figures(*, variant_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The stock of these variants as it stands: one query."""
    variants = Variant.objects.filter(pk__in=variant_ids).values_list(
        "pk", "sku", "product_id", "product__slug", "stock_on_hand", "stock_allocated"
    )
    return {
        pk: {
            "variant_id": pk,
            "sku": sku,
            "product_id": product_id,
            "product_slug": slug,
            "stock": _stock(on_hand=on_hand, allocated=allocated),
        }
        for pk, sku, product_id, slug, on_hand, allocated in variants
    }


def _lines_to_come(data: dict[str, Any]) -> bool:
    return "lines" in data and data["lines"] is None and "number" in data


ORDER_EVENT_TYPES = frozenset(
    {
        WebhookEventType.ORDER_PLACED,
        WebhookEventType.ORDER_PAID,
        WebhookEventType.ORDER_SHIPPED,
        WebhookEventType.ORDER_CANCELLED,
        WebhookEventType.ORDER_REFUNDED,
    }
)


def complete_event_data(events: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The full payloads of events recorded in a checkout's transaction, in the same order: an
    order event gets its lines, a stock event the figures of its variants as they stand now
    (at most moments after the change, and never older). Two queries for any number of
    events; a payload that is already whole is returned as it is."""
    order_currencies = {
        data["number"]: data["totals"]["total"]["currency"]
        for event_type, data in events
        if event_type in ORDER_EVENT_TYPES and _lines_to_come(data)
    }
    wanted_variants = {
        variant_id
        for event_type, data in events
        if event_type == WebhookEventType.STOCK_CHANGED and "variants" not in data
        for variant_id in data.get("variant_ids", [])
    }
    lines = (
        _order_lines(numbers=set(order_currencies), currencies=order_currencies) if order_currencies else {}
    )
    stock = _stock_figures(variant_ids=wanted_variants) if wanted_variants else {}
    as_of = timezone.now().isoformat()
    completed = []
    for event_type, data in events:
        if event_type in ORDER_EVENT_TYPES and _lines_to_come(data):
            data = {**data, "lines": lines.get(data["number"], [])}
        elif event_type == WebhookEventType.STOCK_CHANGED and "variants" not in data:
            ids = data.get("variant_ids", [])
            data = {"as_of": as_of, "variants": [stock[pk] for pk in ids if pk in stock]}
        completed.append(data)
    return completed


def list_active_subscriptions() -> dict[str, list[int]]:
    """Event type -> ids of the active endpoints that receive it. Endpoints are few, so one
    small query and a loop here, portable to SQLite (no JSON containment lookups)."""
    subscriptions: dict[str, list[int]] = {}
    rows = WebhookEndpoint.objects.filter(is_active=True).order_by("pk").values_list("pk", "event_types")
    for pk, types in rows:
        for event_type in types or []:
            subscriptions.setdefault(event_type, []).append(pk)
    return subscriptions


def list_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("pk")


def list_deliveries(
    *, endpoint_id: int | None = None, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    """The delivery log, newest first, with each delivery's event in the same query."""
    deliveries = WebhookDelivery.objects.select_related("event")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-pk")
