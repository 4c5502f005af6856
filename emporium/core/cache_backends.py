"""Our Redis cache (errors are misses, emporium.core.cache), counted for Prometheus (hits,
misses, reads) when metrics are on.

django-prometheus ships a Redis backend only for django-redis; we use Django's built-in one.
"""

from __future__ import annotations

from typing import Any

from django_prometheus.cache.metrics import (
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

from emporium.core.cache import ResilientRedisCache

_MISSING = object()


class MeteredRedisCache(ResilientRedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        django_cache_get_total.labels(backend="redis").inc()
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            django_cache_misses_total.labels(backend="redis").inc()
            return default
        django_cache_hits_total.labels(backend="redis").inc()
        return value
