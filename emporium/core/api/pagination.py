"""Cursor pagination for long lists (orders, staff products and categories): stable under
inserts, no COUNT(*), and a query whose cost does not grow with the page number.

A ``page_size`` that is not a whole number from 1 to MAX_PAGE_SIZE is a 400 problem, as it is
for the product list: DRF's own pagination falls back to the default without a word, so a
client asking for 500 would silently get 24 and think the list ended there.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


class ApiCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering: str | tuple[str, ...] = "-pk"
    model: type[Model] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        # For decode_cursor, to which DRF gives no queryset.
        self.model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's, also refusing a position that cannot be a value of the ordering field.

        A cursor is base64 that a client can forge, and DRF puts its position straight into the
        query: text that is no id was a 500, and text that is no time a 400 quoting Django.
        """
        cursor: Cursor | None = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and self.model is not None:
            ordering = (self.ordering,) if isinstance(self.ordering, str) else self.ordering
            name = ordering[0].lstrip("-")
            field = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
            try:
                # Text no row can hold either: PostgreSQL cannot even compare a NUL character.
                ProhibitNullCharactersValidator()(cursor.position)
                field.run_validators(field.to_python(cursor.position))  # type: ignore[union-attr]
            except DjangoValidationError as error:
                raise NotFound(self.invalid_cursor_message) from error
        return cursor

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":  # absent, or sent empty as HTML forms do: the default
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return int(field.run_validation(raw))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.page_size_query_param: error.detail}) from error


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
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
]
