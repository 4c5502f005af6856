from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from emporium.accounts.models import User
from emporium.cart.exceptions import CartNotFound
from emporium.cart.models import Cart, CartLine
from emporium.cart.services import CART_COUNT_SESSION_KEY, CART_TOKEN_SESSION_KEY
from emporium.core.money import Money, quantize
from emporium.core.prepared import Bind, PreparedQuery
from emporium.promotions.engine import Applied, PromotionResult
from emporium.promotions.selectors import price_lines

# Every cart request reads the client's cart, and most its lines: compiled once (emporium.core.prepared).
_CUSTOMER_CART = PreparedQuery(lambda: Cart.objects.filter(customer_id=Bind("customer", User._meta.pk)))
_VISITOR_CART = PreparedQuery(
    lambda: Cart.objects.filter(token=Bind("token", Cart._meta.get_field("token")), customer=None)
)
_CART_LINES = PreparedQuery(
    lambda: (
        CartLine.objects.filter(cart_id=Bind("cart", Cart._meta.pk))
        .select_related("variant__product")
        .order_by("added_at", "pk")
    )
)


def find_cart_for_client(*, customer: User | None, token: str | None) -> Cart | None:
    """The one rule of who may use which cart, for pages and the API alike.

    A customer uses their own cart and no other; a visitor uses the cart whose random token
    they hold (in the session, or in the API's X-Cart-Token header), and only while no
    customer owns it. Reading never creates a cart.
    """
    # Both keys are unique: one row or none, with no ORDER BY.
    if customer is not None:
        return _CUSTOMER_CART.first(customer=customer.pk)
    if not token:
        return None
    try:
        return _VISITOR_CART.first(token=uuid.UUID(str(token)))
    except ValueError:  # a token that is no UUID
        return None


def get_cart_for_client(*, customer: User | None, token: str | None) -> Cart:
    """As find_cart_for_client, but raises CartNotFound (404) when there is none to use."""
    cart = find_cart_for_client(customer=customer, token=token)
    if cart is None:
        raise CartNotFound()
    return cart


def find_cart(*, session: SessionBase, customer: User | None) -> Cart | None:
    """The visitor's or customer's cart if they have one; reading never creates one."""
    return find_cart_for_client(customer=customer, token=session.get(CART_TOKEN_SESSION_KEY))


def list_cart_lines(*, cart: Cart) -> list[CartLine]:
    """Everything a cart row shows, in one query, oldest first."""
    lines = _CART_LINES.all(cart=cart.pk)
    for line in lines:
        line.cart = cart  # as cart.lines would: the line's cart without a query
    return lines


@dataclass(frozen=True)
class CartSummary:
    lines: list[CartLine]
    subtotal: Money
    item_count: int
    # What automatic promotions make of the lines (emporium.promotions.engine); each line also
    # carries its own part as ``promotion_discount`` (Money) and ``promotion_label``.
    promotions: PromotionResult | None = None

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_price_changes(self) -> bool:
        return any(line.has_price_changed for line in self.lines)

    @property
    def discount(self) -> Money:
        amount = self.promotions.discount if self.promotions else Decimal(0)
        currency = self.subtotal.currency.code
        return Money(quantize(amount, currency), currency)  # "0.00", as every amount the API writes

    @property
    def total(self) -> Money:
        """The goods after the promotions (shipping and any voucher come at checkout)."""
        return self.subtotal - self.discount

    @property
    def applied(self) -> list[Applied]:
        """Each promotion's effect, for the rows under the lines ("order" and "items" scopes)
        and the free-shipping note."""
        return list(self.promotions.applied) if self.promotions else []


def get_cart_summary(*, cart: Cart | None, currency: str, is_new: bool = False) -> CartSummary:
    """The cart's lines and what they come to, priced with the promotions through the same
    function checkout uses (emporium.promotions.selectors.price_lines).

    ``is_new``: the cart was created by this request, so it has no lines to read. An empty
    cart costs no query and no promotions lookup: no promotion applies to nothing.
    """
    lines = list_cart_lines(cart=cart) if cart is not None and cart.pk and not is_new else []
    if not lines:
        return CartSummary(lines=[], subtotal=Money(quantize(Decimal(0), currency), currency), item_count=0)
    subtotal = sum((line.variant.price_amount * line.quantity for line in lines), Decimal(0))
    promotions = price_lines(
        ((line.pk, line.variant, line.quantity) for line in lines),
        customer_id=cart.customer_id if cart is not None else None,
        currency=currency,
    )
    for line in lines:
        priced = promotions.for_item(line.pk)
        line.promotion_discount = Money(priced.discount if priced else Decimal(0), currency)
        line.promotion_label = priced.label if priced else ""
        line.promotion_total = line.total - line.promotion_discount
    return CartSummary(
        lines=lines,
        subtotal=Money(quantize(subtotal, currency), currency),
        item_count=sum(line.quantity for line in lines),
        promotions=promotions,
    )


def get_cart_count(*, session: SessionBase) -> int:
    return int(session.get(CART_COUNT_SESSION_KEY, 0))
