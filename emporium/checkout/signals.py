"""Keep what is cached about checkout true whatever changes it (admin, API, shell).

Cache invalidation only: no business step depends on these receivers.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emporium.catalog.cache import bump_catalog_version
from emporium.checkout.models import ShippingMethod, TaxRate
from emporium.checkout.selectors import CHARGES_VAT_CACHE_KEY, DELIVERY_OPTIONS_KEY


@receiver([post_save, post_delete], sender=ShippingMethod)
def shipping_method_changed(sender: type[ShippingMethod], **kwargs: Any) -> None:
    # After the commit: a reader must not cache the old rows again before the change lands.
    # Product pages print the delivery options, and the page cache keeps whole pages under
    # the catalog's version: a new version has them rendered again.
    transaction.on_commit(_forget_delivery_options)


def _forget_delivery_options() -> None:
    cache.delete(DELIVERY_OPTIONS_KEY)
    bump_catalog_version()


@receiver([post_save, post_delete], sender=TaxRate)
def tax_rate_changed(sender: type[TaxRate], **kwargs: Any) -> None:
    forget_tax_rates()


def forget_tax_rates() -> None:
    """Also for writes that send no signal (``bulk_create``, ``update``)."""
    # The cart's "Prices include VAT" note follows the tax rates as soon as staff change them,
    # on pages from the page cache too; checkout reads the rates under the catalog's version
    # (get_tax_rate). Moved on now and again once committed: a request between the edit and its
    # commit could have cached the rates as they were.
    cache.delete(CHARGES_VAT_CACHE_KEY)
    bump_catalog_version()
    transaction.on_commit(bump_catalog_version)
