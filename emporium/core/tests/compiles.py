"""Counting what Django compiles to SQL: a prepared query (emporium.core.prepared) compiles once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db.models.sql.compiler import SQLCompiler


@contextmanager
def counting_compiles() -> Iterator[list[object]]:
    """Every SELECT Django compiles to SQL meanwhile."""
    compiled: list[object] = []
    original = SQLCompiler.as_sql

    def as_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", as_sql):
        yield compiled
