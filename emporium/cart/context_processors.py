from typing import Any

from django.http import HttpRequest

from emporium.cart.selectors import get_cart_count


def cart(request: HttpRequest) -> dict[str, Any]:
    """The header's item count: read from the session, never a query of its own."""
    session = getattr(request, "session", None)
    return {"cart_count": get_cart_count(session=session) if session is not None else 0}
