"""django-prometheus's PostgreSQL backend, with ``emporium.core.postgresql``'s health check and
timestamptz loader."""

from __future__ import annotations

from django_prometheus.db.backends.postgresql import base

from emporium.core.postgresql.base import FastTimestamptz, SocketHealthCheck


class DatabaseWrapper(SocketHealthCheck, FastTimestamptz, base.DatabaseWrapper):
    pass
