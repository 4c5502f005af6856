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
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import pq


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


class DatabaseWrapper(SocketHealthCheck, base.DatabaseWrapper):
    pass
