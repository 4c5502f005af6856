"""Forget the cached rules, and the cached catalog pages showing their prices, on any edit.

Cache invalidation only: no business rule depends on these receivers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from emporium.promotions.models import Promotion
from emporium.promotions.selectors import forget_rules


@receiver(post_save, sender=Promotion)
@receiver(post_delete, sender=Promotion)
def forget_after_edit(**kwargs: Any) -> None:
    _forget()
    # Again once committed: a request between the edit and its commit could have cached the
    # rules as they were.
    transaction.on_commit(_forget)


def _forget() -> None:
    forget_rules()  # the catalog's version moves on: the rules and the pages showing them


for _through in (Promotion.categories.through, Promotion.product_types.through, Promotion.products.through):
    m2m_changed.connect(forget_after_edit, sender=_through, dispatch_uid=f"promotions-{_through.__name__}")
