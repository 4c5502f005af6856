"""Pricing a cart with automatic promotions: pure functions on Decimals, no database.

The cart, the checkout page, the API and the order all price through :func:`apply_promotions`,
and listings and product pages show a product's sale price with :func:`unit_sale_price`, which
runs the same item rules on one unit: what a shopper is shown is what the cart charges.

How the rules meet, highest ``priority`` first (then the oldest):

1. **Item rules** (percentage off, amount off each item, buy X get Y) take their discount off
   the price each unit has left after the rules before them. Discounts are worked out per unit
   and rounded to the currency's minor unit, so a line of 12 costs exactly 12 times the sale
   price a listing shows. Buy X get Y discounts the cheapest Y of every X + Y targeted units.
2. An **exclusive** rule applies only to units no rule has discounted yet, and once it has
   discounted a unit no lower rule touches that unit. A **stackable** one combines freely.
3. **Spend-threshold rules** then look at what the targeted items cost after their own
   discounts: over the threshold, they give free shipping, or a percentage or an amount off the
   order (never more than the goods have left). An exclusive one stops lower spend rules.

Amounts off are never negative and never more than what they come off; everything is rounded
to the currency's minor unit. A rule's fixed amounts and thresholds are in its own currency and
apply only to carts in that currency (there is no exchange rate); a percentage applies in any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from emporium.core.money import quantize

ZERO = Decimal(0)
HUNDRED = Decimal(100)

PERCENTAGE = "percentage"
FIXED = "fixed"
BUY_X_GET_Y = "buy_x_get_y"
SPEND_THRESHOLD = "spend_threshold"
FREE_SHIPPING = "free_shipping"
ITEM_KINDS = (PERCENTAGE, FIXED, BUY_X_GET_Y)

EVERYONE = "everyone"
SIGNED_IN = "signed_in"
FIRST_ORDER = "first_order"


@dataclass(frozen=True)
class Item:
    """A cart line as the rules see it."""

    key: int
    product_id: int
    product_type_id: int | None
    category_id: int
    unit_price: Decimal
    quantity: int
    # Never discounted by any rule (a gift card sold as a product: emporium.promotions.exclusions).
    excluded: bool = False


@dataclass(frozen=True)
class Shopper:
    """Who is buying, as far as the segments ask."""

    signed_in: bool = False
    first_order: bool = False

    @classmethod
    def anyone(cls) -> Shopper:
        return cls()


@dataclass(frozen=True)
class Rule:
    """A promotion as the engine needs it (built from the model by the selectors, and cached)."""

    id: int
    name: str
    kind: str
    value: Decimal
    currency: str
    starts_at: datetime
    ends_at: datetime | None = None
    priority: int = 0
    exclusive: bool = False
    combines_with_vouchers: bool = True
    segment: str = EVERYONE
    all_products: bool = False
    # A rule on a category takes its sub-categories too: the selectors expand them here.
    category_ids: frozenset[int] = frozenset()
    product_type_ids: frozenset[int] = frozenset()
    product_ids: frozenset[int] = frozenset()
    buy_quantity: int = 0
    get_quantity: int = 0
    threshold: Decimal | None = None
    reward: str = ""
    usage_limit: int | None = None
    used_count: int = 0

    def is_live(self, now: datetime) -> bool:
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def is_for(self, shopper: Shopper) -> bool:
        if self.segment == SIGNED_IN:
            return shopper.signed_in
        if self.segment == FIRST_ORDER:
            return shopper.signed_in and shopper.first_order
        return True

    def prices_in(self, currency: str) -> bool:
        """A percentage means the same in any currency; an amount or a threshold only in its own."""
        return self.kind in (PERCENTAGE, BUY_X_GET_Y) or self.currency == currency

    def is_used_up(self) -> bool:
        return self.usage_limit is not None and self.used_count >= self.usage_limit

    def targets(self, item: Item) -> bool:
        return not item.excluded and (
            self.all_products
            or item.product_id in self.product_ids
            or (item.product_type_id is not None and item.product_type_id in self.product_type_ids)
            or item.category_id in self.category_ids
        )

    @property
    def is_item_rule(self) -> bool:
        return self.kind in ITEM_KINDS


@dataclass(frozen=True)
class LineDiscount:
    """What one rule took off one line (all its units together)."""

    rule_id: int
    name: str
    amount: Decimal


@dataclass(frozen=True)
class PricedItem:
    item: Item
    total: Decimal  # before promotions: quantity x the unit price rounded to the minor unit
    discounts: tuple[LineDiscount, ...]

    @property
    def discount(self) -> Decimal:
        return sum((discount.amount for discount in self.discounts), ZERO)

    @property
    def net_total(self) -> Decimal:
        return self.total - self.discount

    @property
    def label(self) -> str:
        """The rules that discounted this line, as a line of an order explains them."""
        return "; ".join(discount.name for discount in self.discounts)


@dataclass(frozen=True)
class Applied:
    """One rule's effect on the whole cart: ``scope`` "items" (the sum of its line discounts),
    "order" (off the order), or "shipping" (free shipping; ``amount`` is zero here, the
    shipping method's price is not the engine's to know)."""

    rule_id: int
    name: str
    scope: str
    amount: Decimal
    combines_with_vouchers: bool = True
    is_limited: bool = False


@dataclass(frozen=True)
class PromotionResult:
    currency: str
    items: tuple[PricedItem, ...] = ()
    applied: tuple[Applied, ...] = ()
    free_shipping: Applied | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((item.total for item in self.items), ZERO)

    @property
    def items_discount(self) -> Decimal:
        return sum((item.discount for item in self.items), ZERO)

    @property
    def order_discount(self) -> Decimal:
        return sum((applied.amount for applied in self.applied if applied.scope == "order"), ZERO)

    @property
    def discount(self) -> Decimal:
        """Everything the promotions take off the goods (free shipping is not in it)."""
        return self.items_discount + self.order_discount

    @property
    def goods_after_discount(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def blocks_vouchers(self) -> Applied | None:
        """The first applied promotion that does not combine with a voucher code, if any."""
        return next((applied for applied in self.applied if not applied.combines_with_vouchers), None)

    @property
    def limited_rule_ids(self) -> list[int]:
        """Applied rules with a usage limit, in id order (the order place_order locks them in)."""
        return sorted({applied.rule_id for applied in self.applied if applied.is_limited})

    def for_item(self, key: int) -> PricedItem | None:
        return next((priced for priced in self.items if priced.item.key == key), None)


@dataclass
class _Units:
    """One line's units by the price each has left (units of a line can differ once buy X get
    Y has discounted some of them)."""

    item: Item
    left: Counter[Decimal]
    discounts: dict[int, Decimal] = field(default_factory=dict)
    closed: bool = False  # an exclusive rule discounted it: no lower rule may

    @property
    def touched(self) -> bool:
        return any(self.discounts.values())


def live_rules(rules: Iterable[Rule], *, now: datetime, shopper: Shopper, currency: str) -> list[Rule]:
    """The rules that may apply right now to this shopper's cart in ``currency``, in the order
    they run: highest priority first, then the oldest."""
    usable = [
        rule
        for rule in rules
        if rule.is_live(now) and rule.is_for(shopper) and rule.prices_in(currency) and not rule.is_used_up()
    ]
    return sorted(usable, key=lambda rule: (-rule.priority, rule.id))


def apply_promotions(
    items: Sequence[Item], rules: Iterable[Rule], *, now: datetime, shopper: Shopper, currency: str
) -> PromotionResult:
    """Price ``items`` with every rule that applies (see the module's docstring for how)."""
    lines = [
        _Units(item=item, left=Counter({quantize(item.unit_price, currency): item.quantity}))
        for item in items
        if item.quantity > 0
    ]
    ordered = live_rules(rules, now=now, shopper=shopper, currency=currency)
    applied: list[Applied] = []
    for rule in (rule for rule in ordered if rule.is_item_rule):
        amount = _apply_item_rule(rule, lines, currency=currency)
        if amount > 0:
            applied.append(_applied(rule, "items", amount))
    goods_left = sum((_left(line) for line in lines), ZERO)
    free_shipping: Applied | None = None
    for rule in (rule for rule in ordered if rule.kind == SPEND_THRESHOLD):
        spent = sum((_left(line) for line in lines if rule.targets(line.item)), ZERO)
        threshold = rule.threshold if rule.threshold is not None else ZERO
        if not lines or spent < threshold or spent <= 0:
            continue
        if rule.reward == FREE_SHIPPING:
            if free_shipping is None:
                free_shipping = _applied(rule, "shipping", ZERO)
                applied.append(free_shipping)
        else:
            raw = spent * rule.value / HUNDRED if rule.reward == PERCENTAGE else rule.value
            amount = min(quantize(max(raw, ZERO), currency), goods_left)
            if amount <= 0:
                continue
            goods_left -= amount
            applied.append(_applied(rule, "order", amount))
        if rule.exclusive:
            break
    priced = tuple(
        PricedItem(
            item=line.item,
            total=quantize(line.item.unit_price, currency) * line.item.quantity,
            discounts=tuple(
                LineDiscount(rule_id=rule.id, name=rule.name, amount=line.discounts[rule.id])
                for rule in ordered
                if line.discounts.get(rule.id)
            ),
        )
        for line in lines
    )
    return PromotionResult(
        currency=currency, items=priced, applied=tuple(applied), free_shipping=free_shipping
    )


def unit_sale_price(
    item: Item, rules: Iterable[Rule], *, now: datetime, shopper: Shopper, currency: str
) -> tuple[Decimal, tuple[str, ...]]:
    """One unit's price after the item rules that a single unit earns, and their names: what
    listings and product pages show struck through. Buy X get Y needs more than one unit, so it
    never lowers this price (the cart shows it once earned)."""
    one = Item(
        key=item.key,
        product_id=item.product_id,
        product_type_id=item.product_type_id,
        category_id=item.category_id,
        unit_price=item.unit_price,
        quantity=1,
        excluded=item.excluded,
    )
    item_rules = [rule for rule in rules if rule.kind in (PERCENTAGE, FIXED)]
    result = apply_promotions([one], item_rules, now=now, shopper=shopper, currency=currency)
    if not result.items:
        return quantize(item.unit_price, currency), ()
    priced = result.items[0]
    return priced.net_total, tuple(discount.name for discount in priced.discounts)


def next_change(rules: Iterable[Rule], *, now: datetime) -> datetime | None:
    """When the set of live rules next changes (a start or an end after ``now``): pages that
    show sale prices are true until then."""
    moments = [
        moment
        for rule in rules
        for moment in (rule.starts_at, rule.ends_at)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)


def _applied(rule: Rule, scope: str, amount: Decimal) -> Applied:
    return Applied(
        rule_id=rule.id,
        name=rule.name,
        scope=scope,
        amount=amount,
        combines_with_vouchers=rule.combines_with_vouchers,
        is_limited=rule.usage_limit is not None,
    )


def _left(line: _Units) -> Decimal:
    return sum((price * count for price, count in line.left.items()), ZERO)


def _apply_item_rule(rule: Rule, lines: list[_Units], *, currency: str) -> Decimal:
    """Take the rule's discount off the units it targets; returns what it took in all."""
    targeted = [
        line
        for line in lines
        if rule.targets(line.item) and not line.closed and not (rule.exclusive and line.touched)
    ]
    if not targeted:
        return ZERO
    if rule.kind == BUY_X_GET_Y:
        taken = _buy_x_get_y(rule, targeted, currency=currency)
    else:
        taken = {id(line): _off_every_unit(rule, line, currency=currency) for line in targeted}
    total = ZERO
    for line in targeted:
        amount = taken.get(id(line), ZERO)
        if amount > 0:
            line.discounts[rule.id] = line.discounts.get(rule.id, ZERO) + amount
            total += amount
            if rule.exclusive:
                line.closed = True
    return total


def _unit_off(rule: Rule, price: Decimal, *, currency: str) -> Decimal:
    if rule.kind == FIXED:
        off = quantize(rule.value, currency)
    else:
        off = quantize(price * rule.value / HUNDRED, currency)
    return min(max(off, ZERO), price)


def _off_every_unit(rule: Rule, line: _Units, *, currency: str) -> Decimal:
    moved: Counter[Decimal] = Counter()
    amount = ZERO
    for price, count in line.left.items():
        off = _unit_off(rule, price, currency=currency)
        amount += off * count
        moved[price - off] += count
    line.left = moved
    return amount


def _buy_x_get_y(rule: Rule, targeted: list[_Units], *, currency: str) -> dict[int, Decimal]:
    """Discount the cheapest Y of every X + Y targeted units (the shopper keeps the dearer ones
    at full price, as shops do); returns the amount taken per line (by ``id(line)``)."""
    group = rule.buy_quantity + rule.get_quantity
    if rule.buy_quantity <= 0 or rule.get_quantity <= 0:
        return {}
    units = sum(sum(line.left.values()) for line in targeted)
    to_discount = units // group * rule.get_quantity
    # The cheapest first; among equal prices, the line added first, then the next.
    order = sorted(
        ((price, index) for index, line in enumerate(targeted) for price in line.left),
        key=lambda pair: (pair[0], pair[1]),
    )
    taken: dict[int, Decimal] = {}
    for price, index in order:
        if to_discount <= 0:
            break
        line = targeted[index]
        count = min(line.left[price], to_discount)
        off = _unit_off(rule, price, currency=currency)
        if off <= 0:
            continue
        to_discount -= count
        line.left[price] -= count
        if not line.left[price]:
            del line.left[price]
        line.left[price - off] += count
        taken[id(line)] = taken.get(id(line), ZERO) + off * count
    return taken
