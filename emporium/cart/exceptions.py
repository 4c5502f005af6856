from __future__ import annotations

from emporium.core.exceptions import DomainError


class OutOfStock(DomainError):
    status = 409
    code = "out_of_stock"
    default_message = "Not enough of this item is in stock."

    def __init__(self, *, variant_id: int, requested: int, available: int, item: str = "") -> None:
        # Next to a cart line the item is plain; at checkout the message stands above the
        # whole form, so the caller names the item (``item``) or the shopper cannot tell which.
        if available <= 0:
            message = f"Sorry, {item} is out of stock." if item else "Sorry, this item is out of stock."
        elif item:
            message = f"{item}: only {available} left in stock; you asked for {requested}."
        else:
            message = f"Only {available} left in stock; you asked for {requested}."
        super().__init__(message, variant_id=variant_id, requested=requested, available=available)


class CartLineNotFound(DomainError):
    status = 404
    code = "cart_line_not_found"
    default_message = "That item is not in your cart."


class CurrencyMismatch(DomainError):
    status = 409
    code = "currency_mismatch"
    default_message = "This item is priced in another currency than your cart."


class CartNotFound(DomainError):
    # 404, never 403: a guessed token must not learn that a cart exists.
    status = 404
    code = "cart_not_found"
    default_message = "No such cart. Create one with POST /api/v1/carts/ and send its token back."
