from __future__ import annotations

from emporium.core.exceptions import DomainError


class InvalidAlertLink(DomainError):
    status = 404
    code = "invalid_alert_link"
    default_message = "This link is not valid or has expired."


class TooManyAlerts(DomainError):
    status = 429
    code = "too_many_alerts"
    default_message = "Too many alerts asked for in a short time. Please try again later."


class VariantInStock(DomainError):
    status = 409
    code = "variant_in_stock"
    default_message = "This is in stock now: no need to wait."
