"""The X-Order-Token header: how an API guest proves an order is theirs.

Placing an order without logging in answers with an ``order_token``; sending it back in this
header opens that order and its payments. The rule itself is emporium.orders.selectors'.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

ORDER_TOKEN_HEADER = "X-Order-Token"
ORDER_TOKEN = OpenApiParameter(
    ORDER_TOKEN_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Guests only: the `order_token` from placing the order. It opens that order and its "
    "payments, and no other, for `GUEST_ORDER_TOKEN_DAYS` (30 days by default). Keep it secret.",
)


def order_token_of(request: Request) -> str | None:
    return request.headers.get(ORDER_TOKEN_HEADER)
