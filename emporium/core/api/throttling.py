"""Request limits per client, with rates read from settings on every request.

DRF's own throttles read their rates once at import, so neither the environment of a running
process nor a test's settings override could change them. An empty rate turns a limit off.
The counters live in the default cache: Redis in service mode, so all workers share them.
While Redis is down they fail open to a limit per process (``CounterCache``), never to none.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from emporium.core.cache import counter_cache
from emporium.core.client_ip import get_client_ip


class AnonymousClientThrottle(AnonRateThrottle):
    cache = counter_cache  # type: ignore[assignment]  # duck-typed: delegates to a BaseCache

    def get_ident(self, request: Request) -> str:
        return get_client_ip(request._request)

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_ANON or None


class AuthenticatedClientThrottle(UserRateThrottle):
    cache = counter_cache  # type: ignore[assignment]  # duck-typed: delegates to a BaseCache

    def get_ident(self, request: Request) -> str:
        return get_client_ip(request._request)

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_USER or None
