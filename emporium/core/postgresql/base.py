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

And it runs the money path's hot reads (``emporium.core.prepared``) as server-side prepared
statements: ``prepared_cursor()`` is Django's cursor over a psycopg cursor that binds values
on the server and prepares each statement the first time a connection runs it. PostgreSQL
then skips parsing and planning on every later run: a cart's lines with their variants and
products took 0.24 ms of the server's CPU to plan and 0.05 to run (ADR 23). Every other
query stays Django's, bound on the client. ``OPTIONS["prepared_statements"]`` turns it off
(``DB_PREPARED_STATEMENTS=0``: a pooler in transaction mode older than PgBouncer 1.21).
"""

from __future__ import annotations

import select
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.operations import DatabaseOperations
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


class PreparingCursor(psycopg.Cursor[Any]):
    """psycopg's cursor that binds values on the server (Django's other cursors bind on the
    client), preparing each statement it runs (``prepare=True``): the connection keeps it, by
    its SQL and its values' types, for later runs."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None) -> Any:  # fmt: skip
        return super().execute(query, params, prepare=True, binary=binary)


class PreparingOperations(DatabaseOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str | None:  # type: ignore[override]
        """The SQL with its values, as for every other query (not ``$1`` placeholders): what
        ``connection.queries`` and the tests' captured queries show."""
        if isinstance(cursor, PreparingCursor):
            try:
                return str(self.compose_sql(sql, params))
            except psycopg.DataError:
                return None
        return super().last_executed_query(cursor, sql, params)


class PreparedStatements:
    """``prepared_cursor()`` for the reads ``emporium.core.prepared`` compiles once: a cursor
    whose statements PostgreSQL prepares, unless ``OPTIONS["prepared_statements"]`` is false.
    With ``ops_class = PreparingOperations`` on the backend, for the queries it logs."""

    settings_dict: dict[str, Any]
    connection: psycopg.Connection[Any] | None
    _next_cursor_prepares = False

    @property
    def prepares_statements(self) -> bool:
        return bool(self.settings_dict["OPTIONS"].get("prepared_statements", True))

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()  # type: ignore[misc]
        params.pop("prepared_statements", None)  # ours, not psycopg's
        if self.prepares_statements and params.get("prepare_threshold") is None:
            # psycopg prepares nothing on a connection whose threshold is None, not even on
            # request. Django's other cursors bind on the client and never prepare, so no
            # count of runs applies to them: only the preparing cursor's requests do.
            params["prepare_threshold"] = PREPARE_ON_REQUEST_ONLY
        return params

    def prepared_cursor(self) -> Any:
        """Django's cursor (query logging, execute wrappers, error mapping), over a
        :class:`PreparingCursor`; Django's own cursor when prepared statements are off."""
        if not self.prepares_statements:
            return self.cursor()  # type: ignore[attr-defined]
        self._next_cursor_prepares = True
        try:
            return self.cursor()  # type: ignore[attr-defined]
        finally:
            self._next_cursor_prepares = False

    def create_cursor(self, name: str | None = None) -> Any:
        if self._next_cursor_prepares and name is None and self.connection is not None:
            return self.preparing_cursor_class()(self.connection)
        return super().create_cursor(name)  # type: ignore[misc]

    def preparing_cursor_class(self) -> type[Any]:
        return PreparingCursor


# A count of runs no statement reaches: with Django's client-binding cursors nothing is
# prepared by count, and the preparing cursor asks for it on the first run.
PREPARE_ON_REQUEST_ONLY = 2**31 - 1


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


class DatabaseWrapper(SocketHealthCheck, FastTimestamptz, PreparedStatements, base.DatabaseWrapper):
    ops_class = PreparingOperations
