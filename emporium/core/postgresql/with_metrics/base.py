"""django-prometheus's PostgreSQL backend, with ``emporium.core.postgresql``'s health check,
timestamptz loader and prepared statements (counted like every other query)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import cached_property
from django_prometheus.db.backends.postgresql import base
from django_prometheus.db.common import ExportingCursorWrapper

from emporium.core.postgresql.base import (
    FastTimestamptz,
    PreparedStatements,
    PreparingCursor,
    PreparingOperations,
    SocketHealthCheck,
)


class DatabaseWrapper(SocketHealthCheck, FastTimestamptz, PreparedStatements, base.DatabaseWrapper):
    ops_class = PreparingOperations

    @cached_property
    def _counted_preparing_cursor(self) -> type[Any]:
        return ExportingCursorWrapper(PreparingCursor, self.alias, self.vendor)

    def preparing_cursor_class(self) -> type[Any]:
        # Counted as django-prometheus counts the cursors it has psycopg make (cursor_factory).
        return self._counted_preparing_cursor
