"""Database helpers shared by the domains."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState


class PostgresOnly(Operation):
    """Run a schema operation on PostgreSQL and skip it elsewhere (the embedded SQLite).

    For what only PostgreSQL has, such as GIN indexes for full-text and trigram search. The
    wrapped operation does not enter the migration state, so later autodetected migrations
    never try to create or drop it on other databases either.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (f"{__name__}.{type(self).__qualname__}", [self.operation], {})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            state = from_state.clone()
            self.operation.state_forwards(app_label, state)
            self.operation.database_forwards(app_label, schema_editor, from_state, state)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            state = from_state.clone()
            self.operation.state_forwards(app_label, state)
            self.operation.database_backwards(app_label, schema_editor, state, to_state)

    def describe(self) -> str:
        return f"On PostgreSQL only: {self.operation.describe()}"


# Sent after a statement, in the same query string: PostgreSQL runs the two as one implicit
# transaction, and SET LOCAL holds until that transaction's commit.
_DO_NOT_WAIT_FOR_DISK = "; SET LOCAL synchronous_commit TO OFF"


@contextmanager
def asynchronous_commit(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Statements that commit on their own in this block do not wait for the disk.

    PostgreSQL's asynchronous commit (``synchronous_commit = off`` for a transaction): the
    commit returns before its WAL is flushed, which a PostgreSQL crash (not a restart: a
    shutdown flushes) may lose, with the other last 0.6 s or so of such commits; the data is
    never inconsistent, and any later ordinary commit flushes them too. For rows a customer
    can cheaply do again and nothing durable depends on until an ordinary commit does (a cart
    and its lines; an order placed from them commits durably and flushes them with it). On two
    cores a commit that waits for the disk holds its web worker for about 0.2 ms more, and more
    under load (ADR 21).

    Only for statements outside any transaction, each its own: the setting is sent after each
    in the same query string (Django's client-side binding sends the simple query protocol,
    where several statements make one implicit transaction). Inside a caller's transaction
    nothing changes (its commit is the caller's, and stays durable), nor on other databases, with
    server-side binding, or for ``executemany``.
    """
    connection = connections[using]
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    ):
        yield
        return

    def do_not_wait_for_disk(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        if many or connection.in_atomic_block:
            return execute(sql, params, many, context)
        return execute(sql + _DO_NOT_WAIT_FOR_DISK, params, many, context)

    with connection.execute_wrapper(do_not_wait_for_disk):
        yield
