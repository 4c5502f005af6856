"""Keep derived data true whatever writes the catalog (admin, API, importer, shell)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from emporium.catalog.cache import bump_catalog_version
from emporium.catalog.events import announce_stock_returned
from emporium.catalog.models import Category, Product, ProductImage, Variant
from emporium.catalog.services import queue_thumbnails, refresh_product_summaries


@receiver([post_save, post_delete], sender=Variant)
def variant_changed(sender: type[Variant], instance: Variant, **kwargs: Any) -> None:
    refresh_product_summaries(product_ids=[instance.product_id])


@receiver(post_save, sender=Variant)
def variant_restocked(sender: type[Variant], instance: Variant, created: bool, **kwargs: Any) -> None:
    """A save that leaves more units to sell than the row had when read: stock came back."""
    before = 0 if created else instance.available_when_loaded
    if before is None or instance.quantity_available > before:
        variant_id = instance.pk
        transaction.on_commit(lambda: announce_stock_returned(variant_ids=[variant_id]))
    instance.available_when_loaded = instance.quantity_available


@receiver(pre_save, sender=ProductImage)
def image_file_replaced(sender: type[ProductImage], instance: ProductImage, **kwargs: Any) -> None:
    """Another file than the one read: its thumbnails are not made yet, pages show it as it is."""
    loaded = instance.image_name_when_loaded
    if loaded is not None and loaded != instance.image.name:
        instance.thumbnails_ready = False


@receiver(post_save, sender=ProductImage)
def image_saved(sender: type[ProductImage], instance: ProductImage, **kwargs: Any) -> None:
    if not instance.thumbnails_ready:
        queue_thumbnails(image_id=instance.pk)
    instance.image_name_when_loaded = instance.image.name


@receiver([post_save, post_delete], sender=Product)
@receiver([post_save, post_delete], sender=Variant)
@receiver([post_save, post_delete], sender=ProductImage)
@receiver([post_save, post_delete], sender=Category)
def catalog_changed(sender: type, **kwargs: Any) -> None:
    # After the commit: a reader must not cache the old rows under the new version.
    transaction.on_commit(bump_catalog_version)
