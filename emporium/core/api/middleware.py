"""Under /api/, errors Django answers itself are problem+json too, whatever DEBUG says.

DRF's views answer their own errors (emporium.core.api.errors.handle_api_exception), and with
DEBUG off Django's error handlers (config/urls.py) answer problems under /api/. What remains is
Django's debug pages: with DEBUG on (embedded mode's default), an exception outside a DRF view
(in a middleware, say), a Host header that is not allowed, or a body too large for a plain view
is answered with an HTML page a client cannot parse. This middleware, placed just inside
CorsMiddleware so the problem still carries its CORS headers, replaces such an answer with the
problem of the same status. Django has already logged the error with its traceback (and, for
a 500, sent ``got_request_exception``), as it does for every page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from emporium.core.api.errors import is_api_request, problem_response_for_status

JSON_CONTENT_TYPES = ("application/json", "application/problem+json")


class ApiProblemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_request(request) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if content_type in JSON_CONTENT_TYPES:
            return response
        problem = problem_response_for_status(response.status_code)
        for header in ("Allow", "Retry-After"):  # what a client needs to try again
            if header in response:
                problem[header] = response[header]
        return problem
