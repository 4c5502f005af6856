"""Reading promotions: the rules the engine prices with, and who the shopper is.

The enabled rules are cached as one snapshot (a handful of plain dataclasses), so pricing a
cart, a listing or a product page costs no query while the snapshot lives. Saving or deleting a
promotion moves the catalog's version on, which the snapshot is cached under
(emporium.promotions.signals); the schedule is checked by the engine at
the moment it prices, so a promotion starts and ends on time without any write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from emporium.accounts.models import User
from emporium.catalog.cache import bump_catalog_version, get_catalog_version, local_data
from emporium.catalog.models import Category, Product, ProductType, Variant
from emporium.core.money import quantize
from emporium.promotions import engine
from emporium.promotions.engine import Item, Rule, Shopper
from emporium.promotions.exclusions import list_excluded_variants
from emporium.promotions.models import Promotion

RULES_CACHE_KEY = "promotions:rules"
RULES_TIMEOUT = 60 * 15


@dataclass(frozen=True)
class Snapshot:
    """Every enabled promotion that has not ended, as engine rules, and what none may discount
    (variants and their products: emporium.promotions.exclusions)."""

    rules: tuple[Rule, ...] = ()
    excluded_variant_ids: frozenset[int] = frozenset()
    excluded_product_ids: frozenset[int] = frozenset()


def get_snapshot() -> Snapshot:
    """The rules and the exclusions, cached as one entry under the catalog's version.

    Under the version, not under a fixed key that an edit deletes: a request that read the
    rules just before an edit, and stores them just after the edit's delete, would otherwise
    leave the old rules in the cache until they expire. Every edit of a promotion (and of
    the catalog) moves the version on, so such a late copy lands under a key nobody reads.
    """
    version = get_catalog_version()
    key = f"{RULES_CACHE_KEY}:{version}"
    # This process's own copy first (frozen, so requests may share it): pricing a cart or a
    # checkout then costs no unpickling, as listings' catalog data (catalog.cache.LocalData).
    if isinstance(snapshot := local_data.get(key, version), Snapshot):
        return snapshot
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = build_snapshot(now=timezone.now())
        cache.set(key, snapshot, RULES_TIMEOUT)
    local_data.put(key, version, snapshot)
    return snapshot


def list_rules() -> tuple[Rule, ...]:
    return get_snapshot().rules


def forget_rules() -> None:
    """Make the next request build the rules afresh (and re-render the cached pages that
    show their prices): the catalog's version moves on."""
    bump_catalog_version()


def build_snapshot(*, now: datetime) -> Snapshot:
    """One query while no promotion is on; with some, at most six whatever their number: the
    promotions with their three target lists, the sub-categories of every category they name,
    and each source of exclusions."""
    promotions = list(
        Promotion.objects.enabled()
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related("categories", "product_types", "products")
        .order_by("-priority", "pk")
    )
    if not promotions:
        return Snapshot()
    paths = {category.path for promotion in promotions for category in promotion.categories.all()}
    subtree: dict[str, set[int]] = {path: set() for path in paths}
    if paths:
        anywhere = Q()
        for path in paths:
            anywhere |= Q(path__startswith=path)
        for pk, path in Category.objects.filter(anywhere).values_list("pk", "path"):
            for root in paths:
                if path.startswith(root):
                    subtree[root].add(pk)
    excluded = list_excluded_variants()
    return Snapshot(
        rules=tuple(_rule(promotion, subtree) for promotion in promotions),
        excluded_variant_ids=frozenset(variant_id for variant_id, _ in excluded),
        excluded_product_ids=frozenset(product_id for _, product_id in excluded),
    )


def _rule(promotion: Promotion, subtree: dict[str, set[int]]) -> Rule:
    category_ids: set[int] = set()
    for category in promotion.categories.all():
        category_ids |= subtree.get(category.path, {category.pk})
    return Rule(
        id=promotion.pk,
        name=promotion.name,
        kind=promotion.kind,
        value=promotion.value,
        currency=promotion.currency,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        priority=promotion.priority,
        exclusive=promotion.stacking == Promotion.Stacking.EXCLUSIVE,
        combines_with_vouchers=promotion.combines_with_vouchers,
        segment=promotion.segment,
        all_products=promotion.applies_to_all_products,
        category_ids=frozenset(category_ids),
        product_type_ids=frozenset(product_type.pk for product_type in promotion.product_types.all()),
        product_ids=frozenset(product.pk for product in promotion.products.all()),
        buy_quantity=promotion.buy_quantity or 0,
        get_quantity=promotion.get_quantity or 0,
        threshold=promotion.threshold_amount,
        reward=promotion.reward,
        usage_limit=promotion.usage_limit,
        used_count=promotion.used_count,
    )


def get_shopper(*, customer_id: int | None, rules: Iterable[Rule] = ()) -> Shopper:
    """The segment facts about this shopper. Whether it is a customer's first order costs a
    query, asked only when a first-order rule could apply."""
    if customer_id is None:
        return Shopper.anyone()
    first_order = False
    if any(rule.segment == engine.FIRST_ORDER for rule in rules):
        # Through orders.Order.customer's reverse name: promotions sits below orders in the
        # layers (pyproject.toml) and does not import it.
        first_order = not User.objects.filter(pk=customer_id, orders__isnull=False).exists()
    return Shopper(signed_in=True, first_order=first_order)


def price_lines(
    rows: Iterable[tuple[int, Variant, int]],
    *,
    customer_id: int | None,
    currency: str,
    now: datetime | None = None,
) -> engine.PromotionResult:
    """The one pricing function for carts: the cart page and the cart API, the checkout page,
    its summary and the checkout API, and ``place_order`` all price their lines here, from
    (key, variant, quantity) rows (each variant's product loaded). The rules and what no
    promotion may discount (emporium.promotions.exclusions) are read once, from one snapshot."""
    snapshot = get_snapshot()
    excluded = snapshot.excluded_variant_ids
    items = [
        Item(
            key=key,
            product_id=variant.product.pk,
            product_type_id=variant.product.product_type_id,
            category_id=variant.product.category_id,
            unit_price=variant.price_amount,
            quantity=quantity,
            excluded=variant.pk in excluded,
        )
        for key, variant, quantity in rows
    ]
    if not snapshot.rules:
        return engine.PromotionResult(currency=currency, items=_unpriced(items, currency))
    shopper = get_shopper(customer_id=customer_id, rules=snapshot.rules)
    return engine.apply_promotions(
        items, snapshot.rules, now=now or timezone.now(), shopper=shopper, currency=currency
    )


def _unpriced(items: list[Item], currency: str) -> tuple[engine.PricedItem, ...]:
    return tuple(
        engine.PricedItem(item=item, total=quantize(item.unit_price, currency) * item.quantity, discounts=())
        for item in items
        if item.quantity > 0
    )


def list_promotions_for_staff(
    *, is_active: bool | None = None, kind: str | None = None
) -> QuerySet[Promotion]:
    """Every promotion with its three target lists: four queries whatever the page size."""
    promotions = Promotion.objects.prefetch_related(
        Prefetch("categories", Category.objects.only("pk", "slug")),
        Prefetch("product_types", ProductType.objects.only("pk", "slug")),
        Prefetch("products", Product.objects.only("pk")),
    )
    if is_active is not None:
        promotions = promotions.filter(is_active=is_active)
    if kind:
        promotions = promotions.filter(kind=kind)
    return promotions
