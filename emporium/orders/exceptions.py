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


class RefundAmountRequired(DomainError):
    status = 400
    code = "refund_amount_required"
    default_message = "Enter the amount to refund in part."


class RefundExceedsOrderTotal(DomainError):
    status = 409
    code = "refund_exceeds_order_total"
    default_message = "A refund cannot be more than what is left of the order's total."
