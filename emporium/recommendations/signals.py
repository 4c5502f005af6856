"""Receivers of other apps' signals: storefront events that recommendations learn from."""

from __future__ import annotations

from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest

from emporium.cart.signals import variant_added_to_cart
from emporium.catalog.events import product_viewed
from emporium.catalog.models import Variant
from emporium.recommendations.events import flush_due_events, record_event_for_request
from emporium.recommendations.models import EventKind


@receiver(variant_added_to_cart, dispatch_uid="recommendations-record-add-to-cart")
def record_add_to_cart(sender: type, request: HttpRequest, variant: Variant, **kwargs: Any) -> None:
    """An add-to-cart is buffered like a view; training counts a signed-in customer's as a basket."""
    record_event_for_request(request=request, kind=EventKind.ADD_TO_CART, product_id=variant.product_id)


@receiver(product_viewed, dispatch_uid="recommendations-record-view")
def record_view(sender: Any, request: HttpRequest, product_id: int, **kwargs: Any) -> None:
    """A product page opened, rendered or from the page cache."""
    record_event_for_request(request=request, kind=EventKind.VIEW, product_id=product_id)


request_finished.connect(flush_due_events, dispatch_uid="recommendations-flush-events")
