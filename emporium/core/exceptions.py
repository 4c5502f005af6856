"""The base of every business error.

Services raise subclasses of :class:`DomainError`; each declares the HTTP status and the stable
``code`` that the API's problem responses carry, so callers never map errors by hand.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "domain_error"
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)
