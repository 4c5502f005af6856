"""Cache invalidation only: no business rule depends on these receivers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from emporium.giftcards.models import GiftCardProduct
from emporium.promotions.selectors import forget_rules


@receiver(post_save, sender=GiftCardProduct)
@receiver(post_delete, sender=GiftCardProduct)
def forget_promotion_rules(**kwargs: Any) -> None:
    """The promotions' snapshot lists the gift card variants no promotion may discount, and the
    cached catalog pages show their sale prices (or not)."""
    forget_rules()
    transaction.on_commit(forget_rules)  # a request between the edit and its commit read the old list
