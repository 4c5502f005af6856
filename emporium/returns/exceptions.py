from __future__ import annotations

from emporium.core.exceptions import DomainError


class ReturnNotAllowed(DomainError):
    """The order cannot be returned (not shipped, not paid for, or past the return window)."""

    status = 409
    code = "return_not_allowed"
    default_message = "This order cannot be returned."


class ReturnQuantityExceeded(DomainError):
    """More asked back than was bought minus what earlier returns already take back."""

    status = 409
    code = "return_quantity_exceeded"
    default_message = "You cannot return more than you bought and have not returned yet."


class EmptyReturn(DomainError):
    status = 400
    code = "return_empty"
    default_message = "Choose at least one item to return."


class ReturnTransitionNotAllowed(DomainError):
    status = 409
    code = "return_transition_not_allowed"
    default_message = "The return cannot do that from its status."
