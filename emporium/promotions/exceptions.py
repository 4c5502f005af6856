from __future__ import annotations

from emporium.core.exceptions import DomainError


class PromotionUsedUp(DomainError):
    """A limited promotion the cart was priced with ran out (or was switched off) before the
    order was placed: nothing is charged, and the shopper sees the new prices first."""

    status = 409
    code = "promotion_used_up"
    default_message = (
        "An offer in your cart has just ended. Your cart shows the new prices: "
        "check them and place your order again."
    )

    def __init__(self, *, name: str = "") -> None:
        message = self.default_message
        if name:
            message = message.replace("An offer in your cart", f"The offer “{name}”")
        super().__init__(message, promotion=name)


class PromotionInUse(DomainError):
    """Orders applied it: their records name it, so it is switched off instead of deleted."""

    status = 409
    code = "promotion_in_use"
    default_message = (
        "Orders have used this promotion: switch it off (is_active false) instead of deleting it."
    )
