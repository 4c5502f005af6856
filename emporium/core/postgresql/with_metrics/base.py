"""django-prometheus's PostgreSQL backend, with ``emporium.core.postgresql``'s health check."""

from __future__ import annotations

from django_prometheus.db.backends.postgresql import base

from emporium.core.postgresql.base import SocketHealthCheck


class DatabaseWrapper(SocketHealthCheck, base.DatabaseWrapper):
    pass
