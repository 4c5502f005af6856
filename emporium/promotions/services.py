"""Writing promotions: counting the uses of limited ones exactly, however many checkouts run
at once, and staff's edits.

``place_order`` calls :func:`lock_limited_promotions` after it has locked the voucher and before
the gift card (emporium.checkout.services gives the whole lock order), then
:func:`record_promotion_uses`; the cancel and refund workflows call
:func:`give_back_promotion_uses` at the same point of theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from emporium.accounts.models import User
from emporium.promotions.exceptions import PromotionInUse, PromotionUsedUp
from emporium.promotions.models import Promotion, PromotionUsage
from emporium.promotions.selectors import forget_rules


def lock_limited_promotions(*, promotion_ids: Sequence[int]) -> None:
    """Lock the rows of these limited promotions (in primary-key order), then refuse if any is
    used up by now: the cart was priced from a snapshot that may be a moment old, and the price
    charged must be the price shown, so the shopper is told instead of charged more."""
    if not promotion_ids:
        return
    locked = list(
        Promotion.objects.select_for_update()
        .filter(pk__in=promotion_ids)
        .order_by("pk")
        .values_list("pk", "name", "usage_limit", "used_count", "is_active")
    )
    for _pk, name, usage_limit, used_count, is_active in locked:
        if not is_active or (usage_limit is not None and used_count >= usage_limit):
            _forget_after_change()
            raise PromotionUsedUp(name=name)
    if len(locked) != len(set(promotion_ids)):
        _forget_after_change()
        raise PromotionUsedUp(name="")


def record_promotion_uses(*, promotion_ids: Sequence[int], order_id: int, customer: User | None) -> None:
    """Count one use of each (already locked) limited promotion for this order."""
    if not promotion_ids:
        return
    Promotion.objects.filter(pk__in=promotion_ids).update(used_count=F("used_count") + 1)
    PromotionUsage.objects.bulk_create(
        PromotionUsage(promotion_id=pk, order_id=order_id, customer=customer) for pk in promotion_ids
    )
    used_up = Promotion.objects.filter(
        pk__in=promotion_ids, usage_limit__isnull=False, used_count__gte=F("usage_limit")
    ).exists()
    if used_up:  # listings stop showing its prices from the next request
        _forget_after_change()


def give_back_promotion_uses(*, order_id: int) -> int:
    """Stop a cancelled or fully refunded order counting against its promotions' limits (at
    most once per order); returns how many uses were given back. The caller holds the order's
    row lock; the promotions are locked here in primary-key order, as place_order does."""
    promotion_ids = sorted(
        PromotionUsage.objects.filter(order_id=order_id).values_list("promotion_id", flat=True)
    )
    if not promotion_ids:
        return 0
    list(Promotion.objects.select_for_update().filter(pk__in=promotion_ids).order_by("pk").values_list("pk"))
    deleted, _ = PromotionUsage.objects.filter(order_id=order_id).delete()
    Promotion.objects.filter(pk__in=promotion_ids, used_count__gt=0).update(used_count=F("used_count") - 1)
    _forget_after_change()
    return deleted


def _forget_after_change() -> None:
    forget_rules()  # the catalog's version moves on: the rules and the pages showing them


# --- Staff edits (the staff API; the admin saves through its own form) ------------------------

_TARGETS = ("categories", "product_types", "products")


def check_targets(*, all_products: bool, targets: Sequence[Sequence[object]]) -> None:
    """A promotion must apply to something: every product, or at least one category, product
    type or product. (Not the model's ``clean``: the targets are many-to-many, saved after it.)"""
    if not all_products and not any(targets):
        raise ValidationError(
            {
                "applies_to_all_products": "Choose what it applies to: every product, or some "
                "categories, product types or products."
            }
        )


@transaction.atomic
def create_promotion(*, fields: dict[str, Any]) -> Promotion:
    """A new promotion from ``fields`` (the model's, with the three target lists), checked as
    the admin checks it: each kind's own fields, a sane schedule (a 400 naming the field)."""
    values = dict(fields)
    targets = {name: values.pop(name) for name in _TARGETS if name in values}
    promotion = Promotion(**values)
    promotion.full_clean()
    check_targets(all_products=promotion.applies_to_all_products, targets=list(targets.values()))
    promotion.save()
    for name, objects in targets.items():
        getattr(promotion, name).set(objects)
    return promotion


@transaction.atomic
def update_promotion(*, promotion: Promotion, fields: dict[str, Any]) -> Promotion:
    """Change some fields and targets. Locked, and only the fields given are written: used_count
    is counted by place_order under this row's lock, and writing back the count read before
    would undo the uses counted since."""
    promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    values = dict(fields)
    targets = {name: values.pop(name) for name in _TARGETS if name in values}
    for name, value in values.items():
        setattr(promotion, name, value)
    promotion.full_clean()
    kept = [list(getattr(promotion, name).all()) for name in _TARGETS if name not in targets]
    check_targets(all_products=promotion.applies_to_all_products, targets=[*targets.values(), *kept])
    if promotion.kind != Promotion.Kind.SPEND_THRESHOLD:
        promotion.reward = ""
    promotion.save(update_fields=[*values, "reward", "updated_at"])
    for name, objects in targets.items():
        getattr(promotion, name).set(objects)
    return promotion


@transaction.atomic
def delete_promotion(*, promotion: Promotion) -> None:
    """Delete a promotion no order has used; one that was used is refused (PromotionInUse):
    switch it off instead, and the orders keep what they record of it."""
    promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    if promotion.used_count or PromotionUsage.objects.filter(promotion=promotion).exists():
        raise PromotionInUse()
    promotion.delete()
