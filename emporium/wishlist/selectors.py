"""Reads of wishlists: what is saved, and the wishlist page's rows with today's price and stock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Prefetch, QuerySet

from emporium.accounts.models import User
from emporium.catalog.models import Product, Variant
from emporium.core.money import Money
from emporium.wishlist.models import WishlistItem

SESSION_KEY = "wishlist"  # a visitor's saved product ids, newest first


def list_session_product_ids(*, session: SessionBase) -> list[int]:
    return [int(pk) for pk in session.get(SESSION_KEY, []) if isinstance(pk, int)]


def list_saved_product_ids(*, customer: User | None, session: SessionBase | None) -> set[int]:
    """The saved products' ids: one query for a customer, none for a visitor (the session)."""
    if customer is not None:
        return set(WishlistItem.objects.filter(customer=customer).values_list("product_id", flat=True))
    return set(list_session_product_ids(session=session)) if session is not None else set()


@dataclass(frozen=True)
class WishlistEntry:
    product_id: int
    name: str
    slug: str
    url: str
    price: Money | None
    is_in_stock: bool
    has_options: bool  # more than one variant: the shopper picks one on the product page
    variant_id: int | None  # what "Add to cart" adds: the first variant that can be bought
    saved_at: datetime | None

    @classmethod
    def from_product(cls, product: Product, *, saved_at: datetime | None) -> WishlistEntry:
        variants = list(product.variants.all())  # prefetched
        buyable = next((v for v in variants if v.is_in_stock), None)
        return cls(
            product_id=product.pk,
            name=product.name,
            slug=product.slug,
            url=product.get_absolute_url(),
            price=product.price,
            is_in_stock=buyable is not None,
            has_options=len(variants) > 1,
            variant_id=buyable.pk if buyable else None,
            saved_at=saved_at,
        )


def _with_variants() -> Prefetch[str]:
    return Prefetch("product__variants", Variant.objects.order_by("position", "pk"))


def list_wishlist_items(*, customer: User) -> QuerySet[WishlistItem]:
    """A customer's saved published products, newest first: two queries whatever their number."""
    return (
        WishlistItem.objects.filter(customer=customer, product__is_published=True)
        .select_related("product")
        .prefetch_related(_with_variants())
        .order_by("-created_at", "-pk")
    )


def list_wishlist_entries(*, customer: User | None, session: SessionBase) -> list[WishlistEntry]:
    """The wishlist page's rows, with the current price and stock (two queries)."""
    if customer is not None:
        return [
            WishlistEntry.from_product(item.product, saved_at=item.created_at)
            for item in list_wishlist_items(customer=customer)
        ]
    ids = list_session_product_ids(session=session)
    if not ids:
        return []
    return _entries_for_ids(ids)


def _entries_for_ids(ids: Iterable[int]) -> list[WishlistEntry]:
    order = {pk: position for position, pk in enumerate(ids)}
    products = (
        Product.objects.published()
        .filter(pk__in=order)
        .prefetch_related(Prefetch("variants", Variant.objects.order_by("position", "pk")))
    )
    return sorted(
        (WishlistEntry.from_product(product, saved_at=None) for product in products),
        key=lambda entry: order[entry.product_id],
    )
