"""Content-Security-Policy reports and the Permissions-Policy header.

The policy itself is django-csp's (``CONTENT_SECURITY_POLICY`` in config/settings.py): scripts
only from our origin, Stripe.js, and inline elements carrying the response's nonce; no
``unsafe-inline`` and no ``unsafe-eval`` for scripts (htmx runs with ``allowEval`` off). Styles
keep ``unsafe-inline``: a few standalone pages style themselves, and a style cannot run code.
JSON-LD blocks carry no nonce on purpose: they are data (``type="application/ld+json"``), which
browsers never execute and so never check against script-src; a nonce in them would also be
frozen into the catalog pages shared from the page cache.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("emporium.csp")

REPORT_MAX_BYTES = 16 * 1024
# What a report may tell us; anything else in it is dropped rather than logged.
_REPORT_FIELDS = (
    "document-uri", "documentURL", "violated-directive", "effective-directive", "effectiveDirective",
    "blocked-uri", "blockedURL", "source-file", "sourceFile", "line-number", "lineNumber", "disposition",
)  # fmt: skip


@csrf_exempt  # browsers send reports without our cookies' CSRF token
@require_POST
def csp_report_view(request: HttpRequest) -> HttpResponse:
    """Log each violation a browser reports (``report-uri``; old and new report formats)."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        return HttpResponse(status=400)
    reports = body if isinstance(body, list) else [body]
    for report in reports[:10]:
        if not isinstance(report, dict):
            continue
        details = report.get("csp-report") or report.get("body") or {}
        if isinstance(details, dict):
            fields = {name: str(details[name])[:300] for name in _REPORT_FIELDS if name in details}
            logger.warning("Content-Security-Policy violation: %s", json.dumps(fields, sort_keys=True))
    return HttpResponse(status=204)


class PermissionsPolicyMiddleware:
    """Turn off the browser features the shop never uses, so injected code cannot use them
    either; payment stays for Stripe's frame (wallets such as Apple Pay and Google Pay)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
