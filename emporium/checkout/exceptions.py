from __future__ import annotations

from emporium.core.exceptions import DomainError


class EmptyCart(DomainError):
    status = 409
    code = "empty_cart"
    default_message = "Your cart is empty."


class VoucherNotApplicable(DomainError):
    status = 409
    code = "voucher_not_applicable"
    default_message = "This voucher cannot be used for this order."


class ShippingMethodNotAvailable(DomainError):
    status = 409
    code = "shipping_method_not_available"
    default_message = "This shipping method does not deliver to that country."


class ShippingMethodRequired(DomainError):
    status = 400
    code = "shipping_method_required"
    default_message = "Choose a shipping method: this order has goods to deliver."


class IdempotencyKeyReused(DomainError):
    # Another cart (or customer) placed an order with this key: refuse, never hand it over.
    status = 409
    code = "idempotency_key_reused"
    default_message = (
        "This checkout was already used to place a different order. Check your orders, "
        "or start the checkout again."
    )


class ItemNotForSale(DomainError):
    status = 409
    code = "item_not_for_sale"
    default_message = "An item in your cart is no longer for sale."

    def __init__(self, *, variant_id: int, item: str) -> None:
        super().__init__(
            f"{item} is no longer for sale. Remove it from your cart to check out.", variant_id=variant_id
        )
