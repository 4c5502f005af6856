from emporium.core.exceptions import DomainError


class DeliveryNotRedeliverable(DomainError):
    status = 409
    code = "delivery_not_redeliverable"
    default_message = "This delivery is being sent right now; try again in a minute."
