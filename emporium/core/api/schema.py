"""What the OpenAPI schema says about errors, so no endpoint has to repeat it.

Every operation documents the problem responses any request can meet (400, 401, 403, 404,
429, 500, and 413 and 415 where there is a body) as ``application/problem+json``; an endpoint
adds its own domain errors (409 for out of stock, say) with :func:`problems`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import get_language
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from emporium.core.api.errors import PROBLEM_CONTENT_TYPE


class ProblemOutput(serializers.Serializer):
    """An RFC 9457 problem; domain errors add fields of their own (e.g. ``variant_id``)."""

    type = serializers.CharField(help_text="Always about:blank: `code` names the problem.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable, machine-readable: out_of_stock, invalid, not_found ...")
    detail = serializers.JSONField(help_text="What went wrong, for people.")
    errors = serializers.JSONField(  # type: ignore[assignment]  # a body field, not Serializer.errors
        required=False,
        help_text="Validation errors only: a list of messages per field, nested like the request body.",
    )


ALWAYS_POSSIBLE = {
    400: "Invalid input; `errors` holds the messages per field.",
    401: "Missing, expired or tampered credentials.",
    403: "Not allowed for this client.",
    404: "No such resource, or not one of yours.",
    429: "Too many requests; see Retry-After.",
    500: "Unexpected error.",
}


def problems(*codes: int, description: str = "") -> dict[Any, OpenApiResponse]:
    """Problem responses for ``@extend_schema(responses={200: X, **problems(409)})``."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            response=ProblemOutput, description=description or ALWAYS_POSSIBLE.get(code, "")
        )
        for code in codes
    }


def decimal_text_pattern(field: serializers.DecimalField) -> str:
    """The decimal strings ``field`` accepts, as a pattern: at least one digit, and no sign or
    zero where its minimum rules them out.

    drf-spectacular's own pattern (``^-?\\d{0,10}(?:\\.\\d{0,2})?$``) also matches "", "." and
    "-", and negative amounts for fields that refuse them: a client built from the schema, or
    schemathesis, would send those as valid and be refused with a 400.
    """
    whole, places = field.max_whole_digits or 0, field.decimal_places or 0
    if not places:
        number = rf"\d{{1,{whole}}}"
    elif not whole:
        number = rf"0?\.\d{{1,{places}}}"
    else:
        number = rf"(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})"
    minimum = field.min_value
    sign = "" if minimum is not None and Decimal(minimum) >= 0 else "-?"
    # A minimum above zero: at least one digit that is not 0 (a smaller minimum than one unit
    # of the last place is all a pattern can say; our positive amounts start at 0.01).
    not_zero = "(?=[^1-9]*[1-9])" if minimum is not None and Decimal(minimum) > 0 else ""
    return rf"^{sign}{not_zero}{number}$"


class ProblemAwareAutoSchema(AutoSchema):
    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and isinstance(schema, dict) and "pattern" in schema:
            schema["pattern"] = decimal_text_pattern(field)
        if isinstance(field, serializers.ListSerializer) and isinstance(schema, dict):
            # drf-spectacular reads min_length and max_length from ListField only; a nested
            # serializer with many=True validates them too, and the schema must say so.
            # (The stubs lack ListSerializer's min_length and max_length.)
            min_length, max_length = getattr(field, "min_length", None), getattr(field, "max_length", None)
            if min_length is not None:
                schema["minItems"] = min_length
            elif not field.allow_empty:
                schema["minItems"] = 1
            if max_length is not None:
                schema["maxItems"] = max_length
        return schema

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        """A PATCH body is partial only where the view validates it so.

        drf-spectacular assumes DRF's ``partial_update`` and documents every PATCH body as
        optional fields. Our views are plain APIViews: one that validates with ``partial=True``
        says so in its schema (``request=StaffProductInput(partial=True)``); any other requires
        the fields its serializer requires, and the schema must say that too.
        """
        if self.method == "PATCH" and is_serializer(serializer) and not force_instance(serializer).partial:
            self.method = "PUT"  # documented as the full body the view validates
            try:
                return self._require_a_body_that_needs_a_field(serializer, direction)
            finally:
                self.method = "PATCH"
        return self._require_a_body_that_needs_a_field(serializer, direction)

    def _require_a_body_that_needs_a_field(self, serializer: Any, direction: Any) -> Any:
        """drf-spectacular requires a body only when one of its fields is required; a body whose
        schema asks for one field of several (``anyOf``/``oneOf`` of required fields, as
        ConfirmPaymentInput's) is required too, or clients would be told they may send none."""
        schema, is_required = super()._get_request_for_media_type(serializer, direction)
        if not is_required and is_serializer(serializer):
            component = self.resolve_serializer(force_instance(serializer), direction)
            is_required = bool(component and {"anyOf", "oneOf"} & set(component.schema))
        return schema, is_required

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        possible = dict(ALWAYS_POSSIBLE)
        if self.method in ("POST", "PUT", "PATCH"):
            possible[413] = "The body is larger than the API accepts (2.5 MB, DATA_UPLOAD_MAX_MEMORY_SIZE)."
            possible[415] = "The body is not JSON (`Content-Type: application/json`)."
        for code, description in possible.items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ProblemOutput, description=description),
                    str(code),
                    media_types=[PROBLEM_CONTENT_TYPE],
                    direction=direction,
                )
        return responses


def document_empty_query_values(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Say that an optional query parameter sent empty (``?sort=``) counts as not sent.

    That is what DRF's serializers do with query strings, as HTML forms send every field: the
    default applies. Without ``allowEmptyValue`` the schema would promise a 400 for them.
    (A POSTPROCESSING_HOOKS entry of drf-spectacular.)
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required", False):
                    parameter["allowEmptyValue"] = True
    return result


class OncePerProcessSchemaGenerator(SchemaGenerator):
    """The schema ``/api/schema/`` serves, generated once per process for each API version and
    language rather than on every request (about 0.2 s each for its 900 KB, which Swagger UI
    asks for on every visit). It is made from the code, served the same to everyone
    (``SERVE_PUBLIC``); a changed setting (tests change them) makes it again."""

    _made: ClassVar[dict[tuple[Any, ...], dict[str, Any]]] = {}

    def get_schema(self, request: Any = None, public: bool = False) -> dict[str, Any]:
        key = (self.api_version, get_language(), public, self.urlconf)
        if (schema := self._made.get(key)) is None:
            schema = self._made[key] = super().get_schema(request=request, public=public)
        return schema


@receiver(setting_changed)
def _forget_made_schemas(**kwargs: Any) -> None:
    OncePerProcessSchemaGenerator._made.clear()
