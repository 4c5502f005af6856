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

from emporium.catalog.models import Product, Variant
from emporium.orders.models import Order
from emporium.webhooks.models import WebhookDelivery, WebhookEndpoint


def _money(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _stock(variant: Variant) -> dict[str, int]:
    return {
        "on_hand": variant.stock_on_hand,
        "allocated": variant.stock_allocated,
        "available": variant.quantity_available,
    }


def get_order_event_data(*, order: Order) -> dict[str, Any]:
    """An order as an order.* event tells it: one query, for its lines."""
    currency = order.currency
    lines = order.lines.select_related("variant").order_by("pk")
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
        "lines": [
            {
                "sku": line.sku,
                "name": line.product_name,
                "product_id": line.variant.product_id if line.variant else None,
                "variant_id": line.variant_id,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price_amount, currency),
                "total": _money(line.total_amount, currency),
            }
            for line in lines
        ],
    }


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
                "stock": _stock(variant),
            }
            for variant in variants
        ],
    }


def get_stock_event_data(*, variant_ids: Iterable[int]) -> dict[str, Any]:
    """The stock of these variants as it stands in this transaction: one query."""
    variants = Variant.objects.filter(pk__in=list(variant_ids)).select_related("product").order_by("pk")
    return {
        "variants": [
            {
                "variant_id": variant.pk,
                "sku": variant.sku,
                "product_id": variant.product_id,
                "product_slug": variant.product.slug,
                "stock": _stock(variant),
            }
            for variant in variants
        ]
    }


def list_endpoints_subscribed_to(*, event_type: str) -> list[int]:
    """Ids of the active endpoints that receive ``event_type``. Endpoints are few, so one
    small query and a filter here, portable to SQLite (no JSON containment lookups)."""
    rows = WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "event_types")
    return [pk for pk, types in rows if event_type in (types or [])]


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
