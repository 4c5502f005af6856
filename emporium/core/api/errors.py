"""One shape for every API error: ``application/problem+json`` (RFC 9457).

Domain errors carry their own status and stable ``code``; DRF's errors (validation, 401,
403, 404, 429) keep their status and gain the same shape, so a client parses one format.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from emporium.core.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _problem(*, status: int, code: str, detail: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() inside a service: the client sent something invalid.
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return exc


def handle_api_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body = _problem(status=exc.status, code=exc.code, detail=exc.message, **exc.details)
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # unexpected: Django logs it and answers 500
    if isinstance(exc, exceptions.ValidationError):
        body = _problem(
            status=response.status_code,
            code="invalid",
            detail="Some fields are invalid.",
            errors=response.data,
        )
    else:
        data = response.data
        detail = data.get("detail", data) if isinstance(data, dict) else data
        codes = exc.get_codes()
        code = codes.get("code", codes.get("detail")) if isinstance(codes, dict) else codes
        body = _problem(status=response.status_code, code=str(code or "error"), detail=detail)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
