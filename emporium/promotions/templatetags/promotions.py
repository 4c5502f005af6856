"""``{% sale_price %}``: a product's price after the promotions a single unit earns, for the
listings and the product page, from the same engine and rules the cart prices with.

Pages that show one are true only until the next promotion starts or ends: the tag tells the
page cache so (``request.page_cache_until``, read by emporium.catalog.cache), so a sale shows
on time on cached pages as well as fresh ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from moneyed import Money

from emporium.promotions import engine
from emporium.promotions.selectors import Snapshot, get_snapshot

register = template.Library()


@dataclass(frozen=True)
class SalePrice:
    price: Money
    was: Money
    names: tuple[str, ...]

    @property
    def label(self) -> str:
        return "; ".join(self.names)


@register.simple_tag(takes_context=True)
def sale_price(
    context: template.Context,
    *,
    product_id: int,
    category_id: int,
    product_type_id: int | None,
    price: Money | None,
) -> SalePrice | None:
    """The sale price of one unit at ``price``, or None when no promotion lowers it."""
    return sale_price_for(
        context.get("request"),
        product_id=product_id,
        category_id=category_id,
        product_type_id=product_type_id,
        price=price,
    )


def sale_price_for(
    request: Any,
    *,
    product_id: int,
    category_id: int,
    product_type_id: int | None,
    price: Money | None,
) -> SalePrice | None:
    """The tag's answer for templates of any engine (the product cards are Jinja2).

    Only promotions for everyone are shown: pages are shared between visitors (and cached for
    them), so a signed-in customer's or a first order's offer shows in their cart instead."""
    if price is None:
        return None
    snapshot = _snapshot_for(request)
    rules = snapshot.rules
    now = timezone.now()
    _note_next_change(request, rules=rules, now=now)
    if not rules or product_id in snapshot.excluded_product_ids:
        return None
    item = engine.Item(
        key=product_id,
        product_id=product_id,
        product_type_id=product_type_id,
        category_id=category_id,
        unit_price=price.amount,
        quantity=1,
    )
    currency = str(price.currency)
    amount, names = engine.unit_sale_price(
        item, rules, now=now, shopper=engine.Shopper.anyone(), currency=currency
    )
    if amount >= price.amount:
        return None
    return SalePrice(price=Money(amount, currency), was=price, names=names)


def _snapshot_for(request: Any) -> Snapshot:
    """The rules, read once per request: a listing prints dozens of prices, and each cache
    round trip (the catalog's version, then the rules) would otherwise be paid per card."""
    if request is None:
        return get_snapshot()
    snapshot: Snapshot | None = getattr(request, "_promotions_snapshot", None)
    if snapshot is None:
        snapshot = get_snapshot()
        request._promotions_snapshot = snapshot
    return snapshot


def _note_next_change(request: Any, *, rules: tuple[engine.Rule, ...], now: datetime) -> None:
    moment = engine.next_change(rules, now=now)
    if request is None or moment is None:
        return
    until = getattr(request, "page_cache_until", None)
    if until is None or moment < until:
        request.page_cache_until = moment
