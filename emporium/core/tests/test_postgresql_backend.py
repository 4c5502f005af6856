"""The PostgreSQL backend's health check: answered from the idle socket, a round trip only when
the server spoke unasked, and a connection the server ended replaced before the next query.

Each test opens a connection of its own (the test's transaction would make every check take
Django's path) and reads what the server last ran for it from ``pg_stat_activity``, through
another connection: a health check that sent ``SELECT 1`` shows there.
"""

from __future__ import annotations

import select
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection
from django.db.utils import load_backend

from emporium.core.postgresql.base import DatabaseWrapper, SocketHealthCheck
from emporium.core.tests.private_postgres import can_run_private_postgres, private_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_connection() -> Iterator[DatabaseWrapper]:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    wrapper = DatabaseWrapper(
        {**connection.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}, alias="default"
    )
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def watcher(own_connection: DatabaseWrapper) -> Iterator[psycopg.Connection]:
    params = own_connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"],
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        autocommit=True,
    ) as other:
        yield other


def _last_query(watcher: psycopg.Connection, wrapper: DatabaseWrapper) -> str:
    assert wrapper.connection is not None
    row = watcher.execute(
        "SELECT query FROM pg_stat_activity WHERE pid = %s", [wrapper.connection.info.backend_pid]
    ).fetchone()
    assert row is not None, "the connection's backend is gone"
    return str(row[0])


def _wait_until_readable(wrapper: DatabaseWrapper) -> None:
    """Until the server's words (or the end of its stream) reach our socket, 10 s at most."""
    assert wrapper.connection is not None
    poller = select.poll()
    poller.register(wrapper.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(10_000), "nothing reached the socket"


def test_an_idle_connection_is_usable_without_a_round_trip(own_connection, watcher):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 'the last request''s query'")

    assert own_connection.is_usable()
    assert own_connection.is_usable()

    assert _last_query(watcher, own_connection) == "SELECT 'the last request''s query'"


def test_a_connection_the_server_ended_is_unusable_and_the_next_query_gets_a_new_one(own_connection, watcher):
    assert own_connection.connection is not None
    ended = own_connection.connection.info.backend_pid
    watcher.execute("SELECT pg_terminate_backend(%s)", [ended])
    _wait_until_readable(own_connection)

    assert not own_connection.is_usable()

    # What Django does at the start of the next request, then on its first query.
    own_connection.close_if_unusable_or_obsolete()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    assert row is not None
    assert row[0] != ended


def test_a_notification_while_idle_is_checked_with_a_round_trip_and_the_connection_kept(
    own_connection, watcher
):
    with own_connection.cursor() as cursor:
        cursor.execute("LISTEN emporium_health_check")
    watcher.execute("NOTIFY emporium_health_check")
    _wait_until_readable(own_connection)

    assert own_connection.is_usable()

    assert _last_query(watcher, own_connection) == "SELECT 1"


def test_inside_a_transaction_the_check_is_djangos(own_connection, watcher):
    assert own_connection.connection is not None
    with own_connection.connection.transaction():
        own_connection.connection.execute("SELECT 'in a transaction'")

        assert own_connection.is_usable()

        assert _last_query(watcher, own_connection) == "SELECT 1"


def test_after_a_server_restart_the_next_request_gets_a_new_connection_without_an_error():
    """The README's promise: a restart costs no request after it. The connection a worker kept
    from before the restart is found dead by the health check, before the request's first query."""
    if connection.vendor != "postgresql" or not can_run_private_postgres():
        pytest.skip("a PostgreSQL server of the test's own")
    with private_postgres() as server:
        with server.connect() as admin:
            admin.execute('CREATE DATABASE "shop"')
        kept = DatabaseWrapper(
            {
                **connection.settings_dict,
                "NAME": "shop",
                "USER": "postgres",
                "PASSWORD": "",
                "HOST": "127.0.0.1",
                "PORT": server.port,
                "CONN_MAX_AGE": 60,
                "CONN_HEALTH_CHECKS": True,
            },
            alias="default",
        )
        try:
            with kept.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                before = cursor.fetchone()

            server.restart()
            # What Django does at the start of the next request, then on its first query.
            kept.close_if_unusable_or_obsolete()
            with kept.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                after = cursor.fetchone()
        finally:
            kept.close()

    assert before is not None
    assert after is not None
    assert after != before


def test_with_metrics_the_backend_counts_queries_and_keeps_the_socket_check():
    from django_prometheus.db.backends.postgresql.base import DatabaseWrapper as CountingWrapper

    backend = load_backend("emporium.core.postgresql.with_metrics")

    assert issubclass(backend.DatabaseWrapper, SocketHealthCheck)
    assert issubclass(backend.DatabaseWrapper, CountingWrapper)
