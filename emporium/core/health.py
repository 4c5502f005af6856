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

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
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
