"""One shape for every API error: ``application/problem+json`` (RFC 9457).

Domain errors carry their own status and stable ``code``; DRF's errors (validation, 401,
403, 404, 429) keep their status and gain the same shape, so a client parses one format.
Problems are always rendered as JSON, even by views that render something else when all is
well (the schema's YAML, Swagger UI's HTML). What goes wrong outside DRF's views is
emporium.core.api.middleware's to answer.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
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


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is larger than this API accepts."
    default_code = "request_too_large"


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, RequestDataTooBig):
        # Django's limit on a body read into memory (DATA_UPLOAD_MAX_MEMORY_SIZE): the client's to fix.
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        # Django refusing input it considers hostile; its details stay in the security log.
        return exceptions.ParseError("The request could not be understood.", code="bad_request")
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() inside a service: the client sent something invalid.
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return exc


def handle_api_exception(exc: Exception, context: dict[str, Any]) -> Response:
    # The view's own renderers may not speak JSON (YAML for the schema, HTML for Swagger UI):
    # DRF renders an error with the request's negotiated renderer, so negotiate JSON for it.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), PROBLEM_CONTENT_TYPE
    return _problem_response_for(exc, context)


def _problem_response_for(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away (a restart, a failover): the transaction was rolled back,
        # unless the connection broke at the commit itself. Either way a retry of the same
        # request (with its idempotency key, where it has one) is safe and says which.
        request = context.get("request")
        logger.exception(
            "Database unavailable in %s %s", getattr(request, "method", "?"), getattr(request, "path", "?")
        )
        body = _problem(
            status=503,
            code="database_unavailable",
            detail="The shop could not reach its database. Send the same request again in a "
            "moment (with the same idempotency key): it will not be applied twice.",
        )
        return Response(body, status=503, headers={"Retry-After": "1"}, content_type=PROBLEM_CONTENT_TYPE)
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


def problem_response(*, status: int, code: str, detail: str, **extra: Any) -> HttpResponse:
    return JsonResponse(
        _problem(status=status, code=code, detail=detail, **extra),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# What a problem says when all that is known is its status (an error Django answered itself).
PROBLEMS_BY_STATUS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "Not allowed."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    413: ("request_too_large", "The request body is larger than this API accepts."),
    500: ("server_error", "Something went wrong on our side."),
}


def problem_response_for_status(status: int) -> HttpResponse:
    code, detail = PROBLEMS_BY_STATUS.get(status, ("error", HTTPStatus(status).phrase))
    return problem_response(status=status, code=code, detail=detail)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PATH_PREFIX)


@csrf_exempt  # a POST to a wrong URL must get the 404 problem, not a CSRF page
def api_endpoint_not_found_view(request: HttpRequest, path: str = "") -> HttpResponse:
    """The last pattern under /api/: an unknown endpoint is a problem, even with DEBUG on."""
    return problem_response(status=404, code="not_found", detail="There is no such endpoint.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response_for_status(404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response_for_status(413 if isinstance(exception, RequestDataTooBig) else 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return problem_response_for_status(403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return problem_response_for_status(500)
    return defaults.server_error(request)
