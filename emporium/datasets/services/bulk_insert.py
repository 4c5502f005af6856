"""Insert many rows fast: PostgreSQL COPY, or one prepared INSERT run for every row elsewhere.

The generator writes millions of order lines, the importer hundreds of thousands (the demo's
80,000 on every fresh `make run`). On PostgreSQL they stream with COPY (through psycopg 3's
``cursor.copy``), which is an order of magnitude faster than INSERT; on SQLite (a laptop, the
tests) one INSERT statement runs for every row (``executemany``), with each column's values
converted for the database once per distinct value: ``bulk_create`` built a model instance
and compiled every value of every row, three quarters of the demo's load time. Both take the
same :data:`Frame`: one column of values per model field, typed so each backend can render it
cheaply (pence and epoch seconds as NumPy integers, text as lists, repeated values as
constants). Either way only the frame's columns are written; the others take their database
defaults (``db_default``) or NULL, and no model's ``save()`` or signal runs.

Ids are allocated before the insert (from the table's sequence on PostgreSQL), so orders can
reference customers and lines their orders without reading anything back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import DatabaseError, IntegrityError, connection, models, transaction


@dataclass(frozen=True)
class Constant:
    """The same value on every row (a currency, a flag, an empty text)."""

    value: object


@dataclass(frozen=True)
class Pence:
    """Money as whole pence, written as a two-decimal amount."""

    values: npt.NDArray[np.int64]


@dataclass(frozen=True)
class EpochSeconds:
    """Aware UTC timestamps as seconds since the epoch."""

    values: npt.NDArray[np.int64]


@dataclass(frozen=True)
class OptionalIds:
    """Foreign keys where -1 means NULL (a guest order has no customer)."""

    values: npt.NDArray[np.int64]


Column = Constant | Pence | EpochSeconds | OptionalIds | npt.NDArray[Any] | Sequence[Any]
Frame = dict[str, Column]  # model attname -> values
COPY_PIECE = 20_000  # rows rendered and sent at a time


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


def allocate_ids(*, model: type[models.Model], count: int) -> npt.NDArray[np.int64]:
    """Reserve count primary keys for rows inserted with explicit ids.

    On PostgreSQL from the table's own sequence, so concurrent inserts elsewhere never get
    the same id; elsewhere after the current maximum (call it inside the writing transaction,
    which on SQLite holds the only write lock).
    """
    if count == 0:
        return np.empty(0, dtype=np.int64)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if uses_copy():
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        # The table name is a model's db_table, quoted; no user input reaches it.
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608
        highest = cursor.fetchone()[0] or 0
    return np.arange(highest + 1, highest + 1 + count, dtype=np.int64)


@contextmanager
def foreign_key_checks_off() -> Iterator[bool]:
    """Switch off PostgreSQL's per-row foreign-key checks inside the block; yields whether it could.

    Each inserted order line otherwise fires two checks (its order, its variant), and at
    millions of lines they cost more than the insert itself. Only on PostgreSQL, inside a
    transaction, and when the role may (superuser, or GRANT SET ON PARAMETER
    session_replication_role). Inside the block the caller must take the checks' place with
    :func:`lock_referenced_rows`. The setting never outlives the block: it is reset at its end,
    and an error rolls the enclosing transaction back, which undoes it too.
    """
    if not uses_copy() or not connection.in_atomic_block:
        yield False
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a refusal only undoes the savepoint
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        yield False
        return
    yield True
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def lock_referenced_rows(*, model: type[models.Model], ids: npt.NDArray[np.int64]) -> None:
    """Do once per referenced row what a foreign-key check does once per referencing row.

    Checks that every id exists and locks it FOR KEY SHARE, as the check would, so that no
    other transaction can delete it before this one commits. Negative ids (NULL) are ignored.
    """
    distinct = np.unique(ids[ids >= 0])
    if not len(distinct):
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is a model's db_table, quoted; the ids are a bound parameter.
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE) AS locked",  # noqa: S608  # nosec B608
            [distinct.tolist()],
        )
        (found,) = cursor.fetchone()
    if found != len(distinct):
        raise IntegrityError(
            f"{len(distinct) - found} rows of {model._meta.db_table} referenced by the new rows are gone."
        )


def analyze_tables(*, models: Sequence[type[models.Model]], vacuum: bool = False) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (autovacuum comes too late).

    Without them the planner still believes the tables are as small as before the load and
    picks sequential scans where the indexes would serve. ``vacuum`` also clears the dead rows
    a bulk delete left: until then the planner probes them in the indexes on every query it
    plans (11 ms instead of 1 to plan a customer's recommendations). Outside a transaction
    only. Nothing to do on other databases.
    """
    if not uses_copy():
        return
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def insert_frame(*, model: type[models.Model], frame: Frame, rows: int) -> None:
    """Insert rows described column by column (ids included or left to the database)."""
    if rows == 0:
        return
    if uses_copy():
        _copy_frame(model=model, frame=frame, rows=rows)
    else:
        _execute_frame(model=model, frame=frame, rows=rows)


def _copy_frame(*, model: type[models.Model], frame: Frame, rows: int) -> None:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    columns = [str(fields[name].column) for name in frame]
    quote = connection.ops.quote_name
    # In CSV an empty unquoted value is NULL; for NOT NULL text columns it must mean "".
    not_null = [quote(str(fields[name].column)) for name in frame if not fields[name].null]
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(not_null)})" if not_null else "")
    statement = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
        f"FROM STDIN WITH ({options})"
    )
    texts = [_as_text(column, rows) for column in frame.values()]
    with connection.cursor() as cursor:
        # Check foreign keys row by row as the rows arrive, not all at the commit: the server
        # then checks one piece while this process renders the next, using both cores.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with cursor.cursor.copy(statement) as copy:
            for start in range(0, rows, COPY_PIECE):
                buffer = io.StringIO()
                pieces = (text[start : start + COPY_PIECE] for text in texts)
                csv.writer(buffer, lineterminator="\n").writerows(zip(*pieces, strict=True))
                copy.write(buffer.getvalue())


def _as_text(column: Column, rows: int) -> list[str]:
    if isinstance(column, Constant):
        return [_scalar_text(column.value)] * rows
    if isinstance(column, Pence):
        return _gather(column.values, _pence_text)
    if isinstance(column, EpochSeconds):
        return _gather(column.values, lambda value: datetime.fromtimestamp(value, UTC).isoformat())
    if isinstance(column, OptionalIds):
        return np.where(column.values < 0, "", column.values.astype(str)).tolist()
    if isinstance(column, np.ndarray):
        if column.dtype == np.bool_:
            return np.where(column, "t", "f").tolist()
        return column.astype(str).tolist()
    return [_scalar_text(value) for value in column]


def _pence_text(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, remainder = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{remainder:02d}"


def _scalar_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _execute_frame(*, model: type[models.Model], frame: Frame, rows: int) -> None:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    columns = [_as_database_values(fields[name], column, rows) for name, column in frame.items()]
    quote = connection.ops.quote_name
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608  # nosec B608: model names, quoted
        f"({', '.join(quote(str(fields[name].column)) for name in frame)}) "
        f"VALUES ({', '.join(['%s'] * len(frame))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(statement, list(zip(*columns, strict=True)))


def _as_database_values(field: models.Field[Any, Any], column: Column, rows: int) -> Sequence[Any]:
    """The column as the database driver takes it (what ``bulk_create`` would have sent)."""

    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if isinstance(column, Constant):
        return [prepare(column.value)] * rows
    if isinstance(column, Pence):
        return _gather(column.values, lambda pence: prepare(Decimal(pence).scaleb(-2)))
    if isinstance(column, EpochSeconds):
        return _gather(column.values, lambda seconds: prepare(datetime.fromtimestamp(seconds, UTC)))
    if isinstance(column, OptionalIds):
        return [value if value >= 0 else None for value in column.values.tolist()]
    values = column.tolist() if isinstance(column, np.ndarray) else column
    if field.get_internal_type() in _STORED_AS_GIVEN:
        return values
    return [prepare(value) for value in values]


# Fields whose Python values (str, int, bool, None) the driver takes as they are.
_STORED_AS_GIVEN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def _gather(values: npt.NDArray[np.int64], convert: Any) -> list[Any]:
    """Convert each distinct value once: prices and order times repeat across many rows."""
    distinct, positions = np.unique(values, return_inverse=True)
    converted = np.array([convert(value) for value in distinct.tolist()], dtype=object)
    return list(converted[positions.reshape(-1)])
