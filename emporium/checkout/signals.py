"""Keep what is cached about checkout true whatever changes it (admin, API, shell).

Cache invalidation only: no business step depends on these receivers.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emporium.checkout.models import ShippingMethod, TaxRate
from emporium.checkout.selectors import CHARGES_VAT_CACHE_KEY, DELIVERY_OPTIONS_KEY


@receiver([post_save, post_delete], sender=ShippingMethod)
def shipping_method_changed(sender: type[ShippingMethod], **kwargs: Any) -> None:
    # After the commit: a reader must not cache the old rows again before the change lands.
    transaction.on_commit(lambda: cache.delete(DELIVERY_OPTIONS_KEY))


@receiver([post_save, post_delete], sender=TaxRate)
def tax_rate_changed(sender: type[TaxRate], **kwargs: Any) -> None:
    # The cart's "Prices include VAT" note follows the tax rates as soon as staff change them.
    cache.delete(CHARGES_VAT_CACHE_KEY)
