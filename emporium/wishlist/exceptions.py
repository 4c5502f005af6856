from __future__ import annotations

from emporium.core.exceptions import DomainError


class ProductNotFound(DomainError):
    status = 404
    code = "product_not_found"
    default_message = "No such product."


class WishlistFull(DomainError):
    status = 409
    code = "wishlist_full"
    default_message = "Your wishlist is full: remove something before saving more."
