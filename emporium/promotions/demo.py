"""The demo shop's promotions: one of each kind a newcomer should see working.

A sale on a department (struck-through prices on its pages), three for two on Christmas goods
(earned in the cart), and money off a bigger order. Created only when the shop has no promotion
yet, and only for the departments it has, so running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from emporium.catalog.models import Category
from emporium.promotions.models import Promotion


@dataclass(frozen=True)
class DemoPromotion:
    name: str
    kind: str
    value: Decimal
    department: str = ""  # a root category's name; "" for every product
    buy_quantity: int | None = None
    get_quantity: int | None = None
    threshold: Decimal | None = None
    reward: str = ""
    priority: int = 0


DEMO_PROMOTIONS = (
    DemoPromotion(
        "Garden week: 15% off", Promotion.Kind.PERCENTAGE, Decimal(15), department="Garden & Outdoor"
    ),
    DemoPromotion(
        "Christmas: 3 for 2",
        Promotion.Kind.BUY_X_GET_Y,
        Decimal(100),
        department="Christmas",
        buy_quantity=2,
        get_quantity=1,
        priority=10,
    ),
    DemoPromotion(
        "£5 off when you spend £75",
        Promotion.Kind.SPEND_THRESHOLD,
        Decimal(5),
        threshold=Decimal(75),
        reward=Promotion.Reward.FIXED,
    ),
)


@transaction.atomic
def set_up_demo_promotions() -> int:
    """Create the demo's promotions if the shop has none; returns how many were made."""
    if Promotion.objects.exists():
        return 0
    departments = {category.name: category for category in Category.objects.get_root_nodes()}
    made = 0
    for demo in DEMO_PROMOTIONS:
        department = departments.get(demo.department) if demo.department else None
        if demo.department and department is None:
            continue
        promotion = Promotion(
            name=demo.name,
            kind=demo.kind,
            value=demo.value,
            currency=settings.DEFAULT_CURRENCY,
            applies_to_all_products=department is None,
            buy_quantity=demo.buy_quantity,
            get_quantity=demo.get_quantity,
            threshold_amount=demo.threshold,
            reward=demo.reward,
            priority=demo.priority,
            starts_at=timezone.now(),
        )
        promotion.full_clean()
        promotion.save()
        if department is not None:
            promotion.categories.set([department])
        made += 1
    return made
