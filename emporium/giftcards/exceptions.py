from __future__ import annotations

from emporium.core.exceptions import DomainError


class GiftCardNotApplicable(DomainError):
    """The code cannot pay for this order: unknown, expired, switched off, another currency,
    or nothing left on it. The message says which, for the field it was typed in."""

    status = 409
    code = "gift_card_not_applicable"
    default_message = "This gift card cannot be used for this order."


class GiftCardBalanceTooLow(DomainError):
    """A staff adjustment (or a refund to the card) would take the balance below zero."""

    status = 409
    code = "gift_card_balance_too_low"
    default_message = "The gift card's balance cannot go below zero."
