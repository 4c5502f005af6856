"""Liveness and readiness probes.

``/healthz`` answers as long as the process can serve a request: an orchestrator restarts the
pod when it does not. ``/readyz`` also checks the database and the cache with
django-health-check's checks and tells "cannot serve" from "degraded": without the database
it answers 503 naming what failed, so a load balancer stops sending traffic to that instance
without killing it; without the cache it answers 200 with ``"status": "degraded"``, because
every instance shares one Redis, and taking them all out for a cache outage would close a
shop that can still sell (pages are built from the database, see ``emporium.core.cache``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from health_check.checks import Cache, Database
from health_check.views import HealthCheckView


@never_cache
@require_GET
def liveness_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


class ReadinessView(HealthCheckView):
    checks = ((Database, {"alias": "default"}), (Cache, {"alias": "default"}))
    names = {Database: "database", Cache: "cache"}
    # Without these no request can be served; anything else only makes the shop slower.
    essential = frozenset({"database"})

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        await super().get(request, *args, **kwargs)
        checks = {
            self.names.get(type(result.check), type(result.check).__name__.lower()): (
                {"status": "ok"} if not result.error else {"status": "error", "error": str(result.error)}
            )
            for result in self.results
        }
        failed = sorted(name for name, check in checks.items() if check["status"] != "ok")
        cannot_serve = any(name in self.essential for name in failed)
        status = "unavailable" if cannot_serve else "degraded" if failed else "ok"
        body = {"status": status, "failed": failed, "checks": checks}
        return JsonResponse(body, status=503 if cannot_serve else 200)


PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class ProbeHostMiddleware:
    """Let the orchestrator's probes and the metrics scraper in whatever Host they send.

    Kubernetes' kubelet, Docker's HEALTHCHECK and Prometheus reach a pod by its IP address,
    which is never in ALLOWED_HOSTS, and Django answers 400 to a host it does not know. For
    these three paths only, an unknown host is replaced by the shop's own before anything
    reads it; they answer the same for every host, so nothing can be spoofed through them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS:
            host = split_domain_port(request.META.get("HTTP_HOST", ""))[0]
            own = [allowed.lstrip(".") for allowed in settings.ALLOWED_HOSTS if "*" not in allowed]
            if own and not validate_host(host, settings.ALLOWED_HOSTS):
                request.META["HTTP_HOST"] = own[0]
                request.META.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)
