"""Changes to carts. A cart holds no stock: quantities are capped by what is available now,
and checkout (emporium.checkout.services.place_order) checks again under a lock."""

from __future__ import annotations

import uuid

from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from emporium.accounts.models import User
from emporium.cart.exceptions import CartLineNotFound, CurrencyMismatch, OutOfStock
from emporium.cart.models import Cart, CartLine
from emporium.catalog.models import Variant
from emporium.core.db import asynchronous_commit

CART_TOKEN_SESSION_KEY = "cart_token"
CART_COUNT_SESSION_KEY = "cart_count"


def get_or_create_cart(*, session: SessionBase, customer: User | None) -> Cart:
    """The cart of this customer, or of this visitor's session (made on first use)."""
    if customer is not None:
        cart, _ = Cart.objects.get_or_create(customer=customer)
        return cart
    token = session.get(CART_TOKEN_SESSION_KEY)
    if token and (existing := Cart.objects.filter(token=token, customer=None).first()):
        return existing
    cart = create_visitor_cart()
    session[CART_TOKEN_SESSION_KEY] = str(cart.token)
    return cart


def create_visitor_cart() -> Cart:
    """A cart for somebody not logged in, found again only by its random, unguessable token."""
    with asynchronous_commit():
        return Cart.objects.create(token=uuid.uuid4())


def _check_available(*, variant: Variant, quantity: int) -> None:
    if quantity > variant.quantity_available:
        raise OutOfStock(variant_id=variant.pk, requested=quantity, available=variant.quantity_available)


def add_to_cart(*, cart: Cart, variant: Variant, quantity: int) -> CartLine:
    """Add to the line of this variant (or start one), never beyond the stock available.

    A variant not yet in the cart, the usual case, is one INSERT: no lock and no read first.
    Only when the cart already holds its line (the unique constraint refuses the INSERT) is
    that line locked and raised, as ``get_or_create`` goes the other way round. Outside a
    transaction (a request) the INSERT commits or is refused on its own, with no BEGIN and
    COMMIT around it, and without waiting for the disk (``asynchronous_commit``: a cart line
    is cheap to add again, and the order placed from it commits durably); inside a caller's,
    a savepoint keeps a refusal from spoiling it.
    """
    if variant.currency != cart.currency:
        raise CurrencyMismatch()
    if quantity <= variant.quantity_available:
        try:
            with transaction.atomic() if connection.in_atomic_block else asynchronous_commit():
                return CartLine.objects.create(
                    cart=cart, variant=variant, quantity=quantity, unit_price_amount=variant.price_amount
                )
        except IntegrityError:
            pass  # the cart has a line of this variant: add to it below
    return _add_to_existing_line(cart=cart, variant=variant, quantity=quantity)


@transaction.atomic
def _add_to_existing_line(*, cart: Cart, variant: Variant, quantity: int) -> CartLine:
    """Under the line's lock, so two adds of the same variant both count; a line gone since
    (removed in another tab) is started again."""
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    new_quantity = quantity + (line.quantity if line else 0)
    _check_available(variant=variant, quantity=new_quantity)
    if line is None:
        return CartLine.objects.create(
            cart=cart, variant=variant, quantity=new_quantity, unit_price_amount=variant.price_amount
        )
    line.quantity = new_quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def set_cart_line_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; zero removes it (and returns None)."""
    line = (
        CartLine.objects.select_related("variant").select_for_update().filter(cart=cart, pk=line_id).first()
    )
    if line is None:
        raise CartLineNotFound()
    if quantity <= 0:
        line.delete()
        return None
    _check_available(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def remove_cart_line(*, cart: Cart, line_id: int) -> None:
    deleted, _ = CartLine.objects.filter(cart=cart, pk=line_id).delete()
    if not deleted:
        raise CartLineNotFound()


@transaction.atomic
def merge_carts(*, source: Cart, target: Cart) -> Cart:
    """Move a visitor's lines into the customer's cart at login, then drop the visitor's cart.

    Quantities add up but stay within the stock available, so merging never makes a cart
    that checkout would refuse. The visitor's price is kept where the customer had no line.
    """
    if source.pk == target.pk:
        return target
    existing = {line.variant_id: line for line in target.lines.select_for_update()}
    for line in source.lines.select_related("variant"):
        available = line.variant.quantity_available
        if (kept := existing.get(line.variant_id)) is not None:
            kept.quantity = min(kept.quantity + line.quantity, max(available, kept.quantity))
            kept.save(update_fields=["quantity"])
        elif (quantity := min(line.quantity, available)) > 0:
            CartLine.objects.create(
                cart=target, variant=line.variant, quantity=quantity, unit_price_amount=line.unit_price_amount
            )
    source.delete()
    return target


def remember_cart_count(*, session: SessionBase, cart: Cart) -> int:
    """Keep the header's item count in the session, so pages show it without a query."""
    count = cart.lines.aggregate(count=Sum("quantity"))["count"] or 0
    session[CART_COUNT_SESSION_KEY] = count
    return count
