from __future__ import annotations

from emporium.core.exceptions import DomainError


class TransitionNotAllowed(DomainError):
    status = 409
    code = "order_transition_not_allowed"
    default_message = "The order cannot move to that status from where it is."

    def __init__(self, *, number: str, current: str, action: str) -> None:
        super().__init__(
            f"Order {number} is {current}; it cannot be {action}.",
            number=number,
            current=current,
            action=action,
        )
