"""A Redis cache that is only a cache: when Redis fails, reads miss and writes are dropped.

Django's ``RedisCache`` raises whatever redis-py raises, so a stopped Redis turned every
page that reads the cache (all of the storefront, the API throttle, cached sessions) into a
500, and nobody could browse or buy. Here an error is logged once, counted as a miss, and
opens a short circuit breaker: for ``BREAKER_SECONDS`` no call goes to Redis at all, so a
Redis that hangs instead of refusing costs one socket timeout per process and breaker
period, not one per cache call. The first call after that period tries Redis again
(half-open) and closes the breaker when it answers.

What an outage costs: pages are built from the database (slower, correct); cached sessions
are read from the database (``cached_db``); request and login limits count in process memory
(``CounterCache``). A catalog edit made while Redis is down bumps no
version, so entries cached before the outage may be served until they expire (15 minutes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")

BREAKER_SECONDS = 5.0


@dataclass
class CircuitBreaker:
    """Whether Redis at one location is worth asking; shared by every thread of a process.

    Django gives each thread its own cache object, so the state lives here, one per location.
    """

    seconds: float
    open_until: float = 0.0
    failures: int = 0
    short_circuited: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, *, error: BaseException, location: str) -> None:
        with self.lock:
            was_open = self.open_until > 0.0
            self.failures += 1
            self.open_until = time.monotonic() + self.seconds
        if not was_open:  # once per outage, not once per call
            logger.warning("Cache at %s failed (%s); serving without it", location, error)

    def close(self, *, location: str) -> None:
        if self.open_until == 0.0:
            return
        with self.lock:
            self.open_until = 0.0
        logger.warning("Cache at %s answers again", location)


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(*, location: str, seconds: float) -> CircuitBreaker:
    with _breakers_lock:
        return _breakers.setdefault(location, CircuitBreaker(seconds=seconds))


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every cache call, and redis-py fills a
    table of some 170 response callbacks each time (about 50 microseconds; a listing makes a
    dozen calls). One client per connection pool does the same: a ``redis.Redis`` is safe to
    share between threads, its pool hands each call a connection, and the pool notices a fork
    (gunicorn's workers) and starts afresh in the child."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # private in the stubs
        client = self._clients.get(id(pool))  # pools live as long as this client
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose failures are misses (see the module docstring).

    ``OPTIONS["breaker_seconds"]`` sets how long the breaker stays open; the other options go
    to redis-py as usual.
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        seconds = float(options.pop("breaker_seconds", BREAKER_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self.location = server if isinstance(server, str) else ",".join(server)
        self.breaker = _breaker_for(location=self.location, seconds=seconds)

    @property
    def is_available(self) -> bool:
        """False while the breaker is open: callers with a fallback of their own use it."""
        return not self.breaker.is_open

    def _call(self, operation: Callable[[], T], fallback: T) -> T:
        if self.breaker.is_open:
            self.breaker.short_circuited += 1
            return fallback
        try:
            result = operation()
        except (RedisError, OSError) as error:
            self.breaker.trip(error=error, location=self.location)
            return fallback
        self.breaker.close(location=self.location)
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # Django's contract for a key it cannot increment: callers already handle ValueError.
        missing = object()
        result = self._call(lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing)
        if result is missing:
            raise ValueError(f"Key {key!r} cannot be incremented: the cache is unavailable.")
        return int(result)  # type: ignore[call-overload]

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        # Nothing was stored: say so the way Django does, with the keys that failed.
        return self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._call(lambda: super(ResilientRedisCache, self).clear(), None)


class CounterCache:
    """The default cache while it answers, this process's memory while it does not.

    For counters and one-time marks that must keep working through a Redis outage: request
    and login limits, used TOTP codes. Each process then counts on its own (a client may get
    up to workers x rate until Redis is back), which is better than the two alternatives: no
    limit at all, or refusing everybody because a counter cannot be read. Never use it for
    data that another process may change (sessions, catalog versions): a process's own copy
    would go stale.
    """

    def __init__(self) -> None:
        # One per process: LocMemCache keeps its data in module-level dicts keyed by this name.
        self.local = LocMemCache("emporium-counters", {"OPTIONS": {"MAX_ENTRIES": 10_000}})

    def current(self) -> BaseCache:
        shared = caches["default"]
        return shared if getattr(shared, "is_available", True) else self.local

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)

    def __contains__(self, key: str) -> bool:
        return key in self.current()


counter_cache = CounterCache()
