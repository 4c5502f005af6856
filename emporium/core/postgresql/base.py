"""Django's PostgreSQL backend, with ``CONN_HEALTH_CHECKS`` answered from the socket.

With persistent connections (``CONN_MAX_AGE``) and ``CONN_HEALTH_CHECKS``, Django asks
``is_usable()`` before the first query of every request, and Django's own answer is a
``SELECT 1``: a round trip to the server on every request, 4 of the 28 of an order placed
through the API (cart, two lines, order), and 1-2% of checkout's throughput (ADR 20).

A connection left idle between requests has nothing to read: the server speaks only when
asked. When it speaks unasked, it is to end the session (a restart or shutdown, an idle
timeout, ``pg_terminate_backend``: an error message, then the end of the stream), and a
server that dies leaves the socket at its end of stream. So an idle connection is usable
when libpq says it is alive and its socket has nothing to read, which the kernel answers
without a round trip. Whatever did arrive is read; a closed stream makes the connection
unusable at once (Django then opens a new one, as after a failed ``SELECT 1``), and anything
else (a notice) falls back to Django's ``SELECT 1``. A connection inside a transaction, or
on a platform without ``poll``, is checked the way Django does.

It also reads ``timestamptz`` columns with psycopg's compiled loader. Django registers a
loader of its own for them (``psycopg_any.BaseTzLoader``, to pin the time zone Django expects),
and it derives from psycopg's pure-Python one, as the compiled one cannot be subclassed: every
``created_at`` a query returns was parsed in Python, 2.7 us each against 0.16. Reading 5,000
orders took 110 ms of CPU, 66 with this; a column of 5,000 datetimes 16.4 ms, 2.8 (ADR 22).
With ``USE_TZ`` and the connection's time zone UTC (Django's default: ``TIME_ZONE`` not set in
``DATABASES``) both give the same values: aware datetimes in ``datetime.timezone.utc``. Any
other configuration keeps Django's loader.
"""

from __future__ import annotations

import select
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import adapt, pq
from psycopg.abc import AdaptContext, Loader
from psycopg.postgres import types
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ_OID = types["timestamptz"].oid
# What psycopg's own adapters read timestamptz text with: the compiled loader where psycopg's
# C implementation is installed (psycopg[binary]), else the Python one (still correct).
_PSYCOPG_TIMESTAMPTZ: type[Loader] = (
    psycopg.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT) or TimestamptzLoader
)


class UtcTimestamptzLoader(adapt.Loader):
    """psycopg's ``timestamptz`` loader, giving ``datetime.timezone.utc`` as Django's does.

    ``timezone`` is what Django's ``create_cursor`` compares with the connection's time zone
    before registering its own loader again on every cursor."""

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        self._load = _PSYCOPG_TIMESTAMPTZ(oid, context).load

    def load(self, data: Any) -> datetime:
        value: datetime = self._load(data)
        # In the connection's time zone, which Django sets to UTC: psycopg then gives the
        # same tzinfo object. Converted, not relabelled, should a session have changed it.
        return value if value.tzinfo is UTC else value.astimezone(UTC)


@lru_cache
def _adapters_with_fast_timestamptz(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """Django's adapters for its connections, with ``UtcTimestamptzLoader`` for timestamptz."""
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
    return adapters


class FastTimestamptz:
    """Connections that read ``timestamptz`` with ``UtcTimestamptzLoader`` where Django's
    settings make it give what Django's loader gives (``USE_TZ``, the connection in UTC)."""

    timezone: Any  # Django's: None without USE_TZ, UTC unless DATABASES sets TIME_ZONE

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()  # type: ignore[misc]
        if self.timezone is UTC and "context" in params:
            params["context"] = _adapters_with_fast_timestamptz(params["context"])
        return params


class SocketHealthCheck:
    """``is_usable`` from libpq's status and the socket, falling back to Django's ``SELECT 1``."""

    connection: psycopg.Connection[Any] | None

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE or not hasattr(select, "poll"):
            return bool(super().is_usable())  # type: ignore[misc]
        try:
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN)
            if not poller.poll(0):
                return True  # nothing came while idle: the session is as the last request left it
            pgconn.consume_input()  # the server spoke unasked; a closed stream raises here
        except (OSError, psycopg.Error):
            return False
        if pgconn.status != pq.ConnStatus.OK:
            return False
        return bool(super().is_usable())  # type: ignore[misc]


class DatabaseWrapper(SocketHealthCheck, FastTimestamptz, base.DatabaseWrapper):
    pass
