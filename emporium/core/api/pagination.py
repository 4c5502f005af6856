"""Cursor pagination for long lists (orders): stable under inserts, no COUNT(*), and a query
whose cost does not grow with the page number."""

from __future__ import annotations

from functools import cache

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import CursorPagination

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


class ApiCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering: str | tuple[str, ...] = "-pk"


class NewestOrdersFirst(ApiCursorPagination):
    # The tie-breaker keeps the order total when two orders share a timestamp.
    ordering = ("-placed_at", "-pk")


@cache
def cursor_page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The output type of one page of ``item``, for the schema: next/previous links and results."""
    name = item.__name__.removesuffix("Output")
    return type(
        f"{name}CursorPageOutput",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null at the end."),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
            "__module__": item.__module__,
        },
    )


# For ``@extend_schema(parameters=CURSOR_PARAMETERS)`` on APIViews that paginate by hand.
CURSOR_PARAMETERS = [
    OpenApiParameter(
        "cursor", OpenApiTypes.STR, description="From the `next` or `previous` link of the page before."
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
]
