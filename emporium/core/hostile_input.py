"""Refuse input that no page or endpoint can use, before any view parses it.

Found by probing (issue 15): JSON nested thousands of levels deep made the parser hit
Python's recursion limit (a 500 on register, token, cart lines and checkout); a lone
surrogate (``"\\ud800"``) made it into an error message the JSON renderer could not encode;
a NUL byte in an order number reached PostgreSQL, which refuses NUL in text. Each could be
fixed per view, and the next view would forget. Here one middleware answers 400 (a problem
under ``/api/``) for:

* a NUL or a lone surrogate in the path, a query parameter's name or value;
* a JSON body (``application/json`` or ``+json``) larger than ``JSON_BODY_MAX_BYTES``
  (413), nested deeper than ``JSON_BODY_MAX_DEPTH``, or holding an unpaired ``\\udXXX``
  escape (a NUL in JSON is refused by the field it is in, which can name it).

The depth is counted on the raw text (brackets outside strings), so a hostile body costs one
linear scan and never reaches the recursive parser.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from emporium.core.api.errors import is_api_request, problem_response

logger = logging.getLogger(__name__)

_FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# The closing quote is optional: an unclosed string then runs to the end in one match. With it
# required, each of n escaped quotes would start a scan to the end that fails: n² work.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]")
# An escape that decodes to half a surrogate pair. It must follow an even run of backslashes
# (``\\ud800`` is a backslash and the text "ud800"); a low surrogate right after a high one is
# a pair (an emoji), anything else alone is not text. A NUL (``\\u0000``) is left to the
# serializers' fields, which refuse it naming the field (DRF's CharField, the attributes check).
_FORBIDDEN_JSON_ESCAPE = re.compile(
    r"(?<!\\)(?:\\\\)*"
    r"(?:\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2})",
    re.IGNORECASE,
)


def _is_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def json_nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (0 for a scalar), without parsing it."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


def _has_forbidden_characters(values: Iterable[str]) -> bool:
    return any(_FORBIDDEN_CHARACTERS.search(value) for value in values)


class HostileInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_forbidden_characters([request.path]):
            return self._refuse(request, status=400, detail="The address holds characters that are not text.")
        if names := sorted(
            {key for key, values in request.GET.lists() if _has_forbidden_characters([key, *values])}
        ):
            # Named like a validation error, so an API client learns which parameter to fix.
            errors = {
                name: ["Holds characters that are not text (NUL or half a surrogate pair)."] for name in names
            }
            return self._refuse(request, status=400, detail="Some fields are invalid.", errors=errors)
        has_body = _is_json(request) and request.method not in ("GET", "HEAD", "OPTIONS")
        if has_body and (refusal := self._check_json_body(request)) is not None:
            return refusal
        return self.get_response(request)

    def _check_json_body(self, request: HttpRequest) -> HttpResponse | None:
        limit = settings.JSON_BODY_MAX_BYTES
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > limit:
            return self._refuse(request, status=413, detail=f"A JSON body may hold at most {limit} bytes.")
        try:
            body = request.body
        except RequestDataTooBig:
            return self._refuse(request, status=413, detail=f"A JSON body may hold at most {limit} bytes.")
        if len(body) > limit:
            return self._refuse(request, status=413, detail=f"A JSON body may hold at most {limit} bytes.")
        text = body.decode("utf-8", errors="replace")  # invalid UTF-8 is the parser's to refuse
        if json_nesting_depth(text) > settings.JSON_BODY_MAX_DEPTH:
            return self._refuse(
                request,
                status=400,
                detail=f"JSON may nest at most {settings.JSON_BODY_MAX_DEPTH} levels deep.",
            )
        if _FORBIDDEN_JSON_ESCAPE.search(text):
            return self._refuse(request, status=400, detail="The JSON holds characters that are not text.")
        return None

    def _refuse(
        self, request: HttpRequest, *, status: int, detail: str, errors: dict[str, list[str]] | None = None
    ) -> HttpResponse:
        # The path is repr()'d: it may hold the very characters a log line should not carry.
        logger.info("Refused hostile input in %s %r: %s", request.method, request.path, detail)
        if is_api_request(request):
            if errors:
                return problem_response(status=status, code="invalid", detail=detail, errors=errors)
            code = "request_too_large" if status == 413 else "malformed_request"
            return problem_response(status=status, code=code, detail=detail)
        response = HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")
        response.status_code = status
        return response
