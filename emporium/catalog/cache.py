"""A version number for everything the storefront shows about the catalog.

Cached pages and fragments put the version in their keys. Any write to a product, variant,
image or category bumps it, so the next request after an edit in the admin misses the cache
and shows the edit; nothing has to find and delete the old entries, which simply expire.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache

VERSION_KEY = "catalog:version"
T = TypeVar("T")


def get_catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Start from the clock, not 1: after a cache flush, old keys must not come back.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return int(version)


def bump_catalog_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet (or evicted): any fresh number will do
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def cached_for_catalog(*, key: str, build: Callable[[], T], timeout: int = 60 * 15) -> T:
    """Return what ``build()`` returns, cached under the current catalog version.

    Cache data, not HTML: pages hold a CSRF token and the visitor's own header, which must
    never be shared. ``key`` must name everything the result depends on (slug, filters, sort,
    page). An edit anywhere in the catalog bumps the version, so the next request rebuilds.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    full_key = f"catalog:{get_catalog_version()}:{digest}"
    value = cache.get(full_key, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(full_key, value, timeout)
    return cast(T, value)


_MISSING = object()
