"""Writes on wishlists. A customer's are rows; a visitor's are product ids in the session, which
``merge_session_wishlist`` moves into the account at login (the same moment the cart merges)."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from emporium.accounts.models import User
from emporium.catalog.models import Product
from emporium.wishlist.exceptions import ProductNotFound, WishlistFull
from emporium.wishlist.models import WishlistItem
from emporium.wishlist.selectors import SESSION_KEY, list_session_product_ids

MAX_ITEMS = 200  # a wishlist, not a catalog copy: also bounds a visitor's session


def _published_product_id(product_id: int) -> int:
    if not Product.objects.published().filter(pk=product_id).exists():
        raise ProductNotFound()
    return product_id


def save_product(*, product_id: int, customer: User | None, session: SessionBase | None) -> None:
    """Save a published product (again saving changes nothing). Raises ProductNotFound, WishlistFull."""
    _published_product_id(product_id)
    if customer is not None:
        if WishlistItem.objects.filter(customer=customer).count() >= MAX_ITEMS:
            raise WishlistFull()
        WishlistItem.objects.get_or_create(customer=customer, product_id=product_id)
        return
    assert session is not None, "a visitor's wishlist lives in their session"
    ids = list_session_product_ids(session=session)
    if product_id not in ids:
        if len(ids) >= MAX_ITEMS:
            raise WishlistFull()
        session[SESSION_KEY] = [product_id, *ids]


def remove_product(*, product_id: int, customer: User | None, session: SessionBase | None) -> None:
    """Take a product off the wishlist; removing one that is not there changes nothing."""
    if customer is not None:
        # product__pk, not product_id: an id beyond the column's range then matches nothing
        # (Django's integer lookups) instead of overflowing the database driver.
        WishlistItem.objects.filter(customer=customer, product__pk=product_id).delete()
        return
    assert session is not None
    ids = list_session_product_ids(session=session)
    if product_id in ids:
        session[SESSION_KEY] = [pk for pk in ids if pk != product_id]


def toggle_saved(*, product_id: int, customer: User | None, session: SessionBase | None, saved: bool) -> bool:
    """Set whether the product is saved, as the button asked (not a blind flip: a double click
    or a resent form lands in the state the shopper saw on the button). Returns the new state."""
    if saved:
        save_product(product_id=product_id, customer=customer, session=session)
    else:
        remove_product(product_id=product_id, customer=customer, session=session)
    return saved


@transaction.atomic
def merge_session_wishlist(*, session: SessionBase, customer: User) -> int:
    """Move what a visitor saved into the customer's wishlist at login; returns how many were new."""
    ids = list_session_product_ids(session=session)
    session.pop(SESSION_KEY, None)
    if not ids:
        return 0
    existing = set(WishlistItem.objects.filter(customer=customer).values_list("product_id", flat=True))
    room = max(MAX_ITEMS - len(existing), 0)
    published = set(Product.objects.published().filter(pk__in=ids).values_list("pk", flat=True))
    new = [pk for pk in ids if pk in published and pk not in existing][:room]
    # Oldest first, so the newest saved keeps the newest time.
    WishlistItem.objects.bulk_create(
        [WishlistItem(customer=customer, product_id=pk) for pk in reversed(new)], ignore_conflicts=True
    )
    return len(new)
