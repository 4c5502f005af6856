"""The alerts' receiver of the catalog's ``stock_returned`` notice (after the commit)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from emporium.alerts.services import queue_alerts_for_restocked_variants
from emporium.catalog.events import stock_returned


@receiver(stock_returned, dispatch_uid="alerts-stock-returned")
def queue_back_in_stock_alerts(sender: Any, variant_ids: list[int], **kwargs: Any) -> None:
    queue_alerts_for_restocked_variants(variant_ids=variant_ids)
