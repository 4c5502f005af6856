"""Database helpers shared by the domains."""

from __future__ import annotations

from typing import Any

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
