"""Keep what is cached about checkout true whatever changes it (admin, API, shell)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emporium.checkout.models import ShippingMethod
from emporium.checkout.selectors import DELIVERY_OPTIONS_KEY


@receiver([post_save, post_delete], sender=ShippingMethod)
def shipping_method_changed(sender: type[ShippingMethod], **kwargs: Any) -> None:
    # After the commit: a reader must not cache the old rows again before the change lands.
    transaction.on_commit(lambda: cache.delete(DELIVERY_OPTIONS_KEY))
