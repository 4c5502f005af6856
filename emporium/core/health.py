"""Liveness and readiness probes.

``/healthz`` answers as long as the process can serve a request: an orchestrator restarts the
pod when it does not. ``/readyz`` also checks the database and the cache with
django-health-check's checks, and answers 503 with a JSON body naming what failed, so a load
balancer stops sending traffic to an instance whose services are gone without killing it.
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

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        await super().get(request, *args, **kwargs)
        checks = {
            self.names.get(type(result.check), type(result.check).__name__.lower()): (
                {"status": "ok"} if not result.error else {"status": "error", "error": str(result.error)}
            )
            for result in self.results
        }
        failed = sorted(name for name, check in checks.items() if check["status"] != "ok")
        body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
        return JsonResponse(body, status=503 if failed else 200)
