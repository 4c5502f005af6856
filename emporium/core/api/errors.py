"""One shape for every API error: ``application/problem+json`` (RFC 9457).

Domain errors carry their own status and stable ``code``; DRF's errors (validation, 401,
403, 404, 429) keep their status and gain the same shape, so a client parses one format.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from emporium.core.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PATH_PREFIX = "/api/"

logger = logging.getLogger(__name__)


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
        # Unexpected: a bug to fix. Logged with its traceback and the request, and answered
        # as a problem like every other error, never as Django's HTML error page.
        request = context.get("request")
        logger.exception(
            "Unhandled error in %s %s", getattr(request, "method", "?"), getattr(request, "path", "?")
        )
        return Response(
            _problem(status=500, code="server_error", detail="Something went wrong on our side."),
            status=500,
            content_type=PROBLEM_CONTENT_TYPE,
        )
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


# --- Errors Django answers before or outside DRF's views --------------------------------------


def problem_response(*, status: int, code: str, detail: str) -> HttpResponse:
    return JsonResponse(
        _problem(status=status, code=code, detail=detail), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PATH_PREFIX)


@csrf_exempt  # a POST to a wrong URL must get the 404 problem, not a CSRF page
def api_endpoint_not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """The last pattern under /api/: an unknown endpoint is a problem, even with DEBUG on."""
    return problem_response(status=404, code="not_found", detail="There is no such endpoint.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=404, code="not_found", detail="Not found.")
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=400, code="bad_request", detail="The request could not be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=403, code="permission_denied", detail="Not allowed.")
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return problem_response(status=500, code="server_error", detail="Something went wrong on our side.")
    return defaults.server_error(request)
