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


class BoughtGiftCardSpent(DomainError):
    """The order bought gift cards and one has been spent, in part or all: its money cannot
    come back to the shop, so the order is not refunded in full nor cancelled. The message
    names the cards; staff refund the order in part instead, leaving out what was spent."""

    status = 409
    code = "bought_gift_card_spent"
    default_message = "A gift card this order bought has been spent, so the order cannot be refunded in full."


class TooManyGiftCardCodes(DomainError):
    """This client (its address) or this cart typed too many wrong gift card codes lately
    (``giftcards.limits``): no code is looked up until the limit's window has passed."""

    status = 429
    code = "too_many_gift_card_codes"
    default_message = (
        "You have tried several gift card codes that did not work. Please wait a few minutes, "
        "then check the code on the card and try again."
    )
