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
