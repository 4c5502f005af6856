"""The PostgreSQL backend's health check: answered from the idle socket, a round trip only when
the server spoke unasked, and a connection the server ended replaced before the next query.
Its timestamptz loader: psycopg's compiled one, giving what Django's own loader gives. Its
prepared statements: the hot reads prepared once per connection, logged with their values,
counted by the metrics backend, and off when the settings say so.

Each test opens a connection of its own (the test's transaction would make every check take
Django's path) and reads what the server last ran for it from ``pg_stat_activity``, through
another connection: a health check that sent ``SELECT 1`` shows there.
"""

from __future__ import annotations

import select
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from django.db.utils import DataError, load_backend
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY
from psycopg.pq import Format

from emporium.cart.selectors import find_cart_for_client
from emporium.cart.tests.factories import CartFactory
from emporium.core.postgresql.base import (
    TIMESTAMPTZ_OID,
    DatabaseWrapper,
    FastTimestamptz,
    PreparingCursor,
    SocketHealthCheck,
    UtcTimestamptzLoader,
)
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
            # Prepared, as the hot reads are: the statement belonged to the ended session, and
            # the new connection prepares it again instead of naming one the server forgot.
            with kept.prepared_cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                before = cursor.fetchone()

            server.restart()
            # What Django does at the start of the next request, then on its first query.
            kept.close_if_unusable_or_obsolete()
            with kept.prepared_cursor() as cursor:
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
    assert issubclass(backend.DatabaseWrapper, FastTimestamptz)
    assert issubclass(backend.DatabaseWrapper, CountingWrapper)


# Instants whose text PostgreSQL writes differently: whole seconds, microseconds, before 1900,
# a leap day, the last microsecond of a year, and the far past and future.
INSTANTS = [
    "2026-12-07 16:01:52+00",
    "2026-12-07 16:01:52.386569+00",
    "1899-12-31 23:59:59.000001+00",
    "2024-02-29 12:00:00+00",
    "2010-12-31 23:59:59.999999+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def _djangos_loader(wrapper: DatabaseWrapper) -> BaseTzLoader:
    """Django's own timestamptz loader, on the same connection (what the backend replaces)."""

    class DjangosLoader(BaseTzLoader):
        timezone = wrapper.timezone

    assert wrapper.connection is not None
    return DjangosLoader(TIMESTAMPTZ_OID, wrapper.connection)


def test_timestamptz_is_read_by_the_compiled_loader_as_django_reads_it(own_connection):
    with own_connection.cursor() as cursor:
        # Django's create_cursor registers its loader again when the connection's differs
        # from its time zone: the backend's must pass that comparison, or nothing is gained.
        assert cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestamptzLoader
        cursor.execute(
            "SELECT value::timestamptz::text, value::timestamptz FROM unnest(%s::text[]) AS value",
            [INSTANTS],
        )
        rows = cursor.fetchall()
    djangos = _djangos_loader(own_connection)

    assert len(rows) == len(INSTANTS)
    for text, value in rows:
        assert value == djangos.load(text.encode())
        assert value.tzinfo is UTC
        assert value.utcoffset() == timedelta(0)
    assert rows[1][1] == datetime(2026, 12, 7, 16, 1, 52, 386569, tzinfo=UTC)


def test_a_session_in_another_time_zone_still_reads_the_same_instants_in_utc(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'America/St_Johns'")  # UTC-03:30, a half-hour offset
        cursor.execute("SELECT '2026-07-01 12:00:00+00'::timestamptz")
        row = cursor.fetchone()
        cursor.execute("SET TIME ZONE 'UTC'")

    assert row is not None
    assert row[0] == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert row[0].tzinfo is UTC


def test_infinity_is_refused_as_djangos_loader_refuses_it(own_connection):
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 'infinity'::timestamptz")
        with pytest.raises(DataError, match="after year 10K"):
            cursor.fetchone()
    with pytest.raises(psycopg.DataError, match="after year 10K"):
        _djangos_loader(own_connection).load(b"infinity")


@pytest.mark.parametrize(
    ("time_zone", "use_tz"),
    [("Europe/London", True), ("UTC", True), (None, False)],
    ids=["own-time-zone", "utc-named", "naive"],
)
def test_any_other_time_zone_setting_keeps_djangos_loader(time_zone, use_tz):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    with override_settings(USE_TZ=use_tz):
        wrapper = DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": time_zone}, alias="default")
        context = wrapper.get_connection_params()["context"]

    loader = context.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert issubclass(loader, BaseTzLoader)
    assert loader.timezone == wrapper.timezone


def test_the_default_settings_use_the_compiled_loader():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    wrapper = DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": None}, alias="default")

    context = wrapper.get_connection_params()["context"]

    assert context.get_loader(TIMESTAMPTZ_OID, Format.TEXT) is UtcTimestamptzLoader
    assert wrapper.timezone is UTC


def _prepared_statements(cursor) -> list[tuple[str, int]]:
    cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
    return [(str(statement), int(runs)) for statement, runs in cursor.fetchall()]


def test_a_hot_read_is_prepared_once_per_connection_and_run_from_it():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    token = uuid.uuid4()
    cart = CartFactory.create(token=token)

    def carts_statements() -> list[tuple[str, int]]:
        # The test connection lives on from test to test: compare, not count.
        with connection.cursor() as cursor:
            return [
                (statement, runs)
                for statement, runs in _prepared_statements(cursor)
                if "cart_cart" in statement
            ]

    find_cart_for_client(customer=None, token=str(token))
    before = carts_statements()
    with CaptureQueriesContext(connection) as queries:
        found = [find_cart_for_client(customer=None, token=str(token)) for _ in range(3)]
    after = carts_statements()

    assert found == [cart, cart, cart]
    [(statement, runs_before)] = [entry for entry in before if '"cart_cart"."token" = ($1)' in entry[0]]
    assert [runs for text, runs in after if text == statement] == [runs_before + 3]
    assert len(after) == len(before)  # prepared once: no new statement for the same read
    # Logged as every other query is: with its value, not the server's placeholder.
    assert len(queries) == 3
    assert all(token.hex in query["sql"] and "$1" not in query["sql"] for query in queries)


def test_with_prepared_statements_off_nothing_is_prepared(own_connection):
    wrapper = DatabaseWrapper(
        {
            **own_connection.settings_dict,
            "OPTIONS": {**own_connection.settings_dict["OPTIONS"], "prepared_statements": False},
        },
        alias="default",
    )
    try:
        params = wrapper.get_connection_params()
        for _ in range(3):
            with wrapper.prepared_cursor() as cursor:
                cursor.execute("SELECT %s::int + 1", [41])
                assert cursor.fetchone() == (42,)
        with wrapper.cursor() as cursor:
            assert _prepared_statements(cursor) == []
    finally:
        wrapper.close()

    assert "prepared_statements" not in params  # not handed to psycopg
    assert params["prepare_threshold"] is None  # Django's default: psycopg prepares nothing


def test_with_metrics_prepared_reads_are_counted():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's backend")
    backend = load_backend("emporium.core.postgresql.with_metrics")
    wrapper = backend.DatabaseWrapper({**connection.settings_dict}, alias="default")
    labels = {"alias": "default", "vendor": "postgresql"}
    wrapper.ensure_connection()  # what a new connection runs (its time zone) is not counted here
    before = REGISTRY.get_sample_value("django_db_execute_total", labels) or 0
    try:
        with wrapper.prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int", [1])
            assert isinstance(cursor.cursor, PreparingCursor)
        with wrapper.cursor() as cursor:
            assert [statement for statement, _ in _prepared_statements(cursor)] == ["SELECT $1::int"]
    finally:
        wrapper.close()

    assert REGISTRY.get_sample_value("django_db_execute_total", labels) == before + 2
