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

import functools
import json
import logging
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase
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


# django-csp's middleware rebuilds the same policy string from the settings on every response
# (about a sixth of a page-cache hit's time). Responses that change nothing about it (no nonce
# used, no per-view decorator) get the string built once; the rest go through django-csp.
_PER_VIEW_ATTRIBUTES = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """``csp.middleware.CSPMiddleware`` with the settings' own policy built once per process."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_VIEW_ATTRIBUTES)
            or _excludes_prefixes()
            or (settings.DEBUG and response.status_code in (500, 404))
        ):
            return super().process_response(request, response)
        enforced, report_only = _settings_policies()
        if enforced and HEADER not in response:
            response[HEADER] = enforced
        if report_only and HEADER_REPORT_ONLY not in response:
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@functools.cache
def _settings_policies() -> tuple[str, str]:
    return build_policy(), build_policy(report_only=True)


def _excludes_prefixes() -> bool:
    return any(
        (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES")
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
    )


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policies.cache_clear()
