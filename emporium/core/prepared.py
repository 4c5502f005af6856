"""Reads compiled to SQL once per database connection, then run with new values.

Django compiles a queryset to SQL every time it runs: for a read of one row by a unique key,
building the ``WHERE`` clause, quoting every column and choosing converters costs 200-400
microseconds of CPU, several times what PostgreSQL takes to answer it (docs/decisions/0019).
The money path runs the same few reads on every request (the client's cart by its token,
the cart's lines, the order of an idempotency key), so each is written once as a queryset
with named :class:`Bind` values in place of the request's own, and :class:`PreparedQuery`
compiles it the first time a connection runs it. Later runs only put the values in, execute
the stored SQL, and build the model instances (``select_related`` included) as Django does.
SQLAlchemy caches compiled statements in the same way. On PostgreSQL the statement is also
prepared on the server (``emporium.core.postgresql``: ``prepared_cursor``), so PostgreSQL
plans it once per connection instead of on every run.

A prepared query has one shape: whatever varies in its SQL (a ``None`` that means
``IS NULL``, the number of values in an ``IN``) is a second query, not a parameter. A page's
bounds can be values (:func:`bound_slice`), and :meth:`PreparedQuery.count` counts the rows.

A query whose best plan depends on its values (a listing: a small category wants another plan
than a big one) is compiled once but not prepared on the server (``server_prepared=False``):
PostgreSQL plans each run for its own values, as it does for the ORM.
"""

from __future__ import annotations

import operator
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Expression, Field, IntegerField, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)


class Bind(Expression):
    """A value of a prepared query, named: ``%s`` in the SQL, given at each run and made
    ready for the database by ``output_field`` (a UUID becomes 32 hex digits on SQLite)."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        return "%s", (self,)

    def value_for(self, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> Any:
        """The value ready for the database; raises :class:`UnmatchableValueError` for a whole number
        no row's column can hold, as Django answers such a lookup with no rows (SQLite
        would refuse to take it)."""
        try:
            value = values[self.name]
        except KeyError:
            raise TypeError(f"the prepared query needs a value for {self.name!r}") from None
        prepared = self.output_field.get_db_prep_value(value, connection, prepared=False)
        if isinstance(prepared, int) and isinstance(self.output_field, IntegerField):
            low, high = connection.ops.integer_field_range(self.output_field.get_internal_type())
            if (low is not None and prepared < low) or (high is not None and prepared > high):
                raise UnmatchableValueError()
        return prepared


class UnmatchableValueError(Exception):
    """A value that no row can have: the query is answered with no rows, unsent."""


# A slice whose bounds are given at each run is compiled with these bounds, unlikely in any
# real query, and their LIMIT ... OFFSET ... text is then made two placeholders.
_OFFSET_MARK = 7_914_262_031
_LIMIT_MARK = 3_170_581_423
_PLACEHOLDER = re.compile(r"%%|%s")


def bound_slice(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset[offset : offset + limit]`` with ``offset`` and ``limit`` values of the prepared
    query (given at each run, as ``offset=`` and ``limit=``): a page of a listing whose shape
    does not change while its page does. One bound slice a query, in a subquery or not."""
    return queryset[_OFFSET_MARK : _OFFSET_MARK + _LIMIT_MARK]


def _bind_the_slice(
    sql: str, params: tuple[Any, ...], connection: BaseDatabaseWrapper
) -> tuple[str, tuple[Any, ...]]:
    marked = connection.ops.limit_offset_sql(_OFFSET_MARK, _OFFSET_MARK + _LIMIT_MARK)
    at = sql.find(marked)
    if at < 0:
        return sql, params
    if sql.find(marked, at + len(marked)) >= 0:
        raise ValueError("a prepared query takes one bound slice")
    # The values before it in the SQL are the parameters before it in the list.
    before = sum(1 for found in _PLACEHOLDER.finditer(sql, 0, at) if found.group() == "%s")
    bounds = (Bind("limit", BigIntegerField()), Bind("offset", BigIntegerField()))
    sql = sql[:at] + "LIMIT %s OFFSET %s" + sql[at + len(marked) :]
    return sql, (*params[:before], *bounds, *params[before:])


def values_of(params: Sequence[Any], values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> list[Any]:
    """The parameters of a run of SQL compiled with :class:`Bind` values (a prepared query's,
    or SQL written around querysets that hold some); raises UnmatchableValueError as
    Bind.value_for does."""
    return [param.value_for(values, connection) if isinstance(param, Bind) else param for param in params]


@dataclass(frozen=True)
class _Compiled:
    """What Django works out from a queryset before and after running its SQL."""

    sql: str
    params: tuple[Any, ...]  # the query's constants, and a Bind where a value goes
    locks: bool  # SELECT ... FOR UPDATE: only inside a transaction
    converters: list[tuple[int, tuple[list[Callable[..., Any]], Any]]]
    model: type[Model]
    init_list: list[str]
    model_fields: slice
    related_populators: list[Any]
    annotation_col_map: dict[str, int]
    # Where each column is: the model's by attname, a selected relation's as "category.name",
    # an annotation's by its name (``PreparedQuery.rows``).
    columns: dict[str, int]
    pickers: dict[tuple[str, ...], Callable[[Sequence[Any]], tuple[Any, ...]]] = field(default_factory=dict)

    def picker(self, names: tuple[str, ...]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        pick = self.pickers.get(names)
        if pick is None:
            unknown = [name for name in names if name not in self.columns]
            if unknown:
                raise KeyError(
                    f"the query selects no {', '.join(unknown)} (it has {', '.join(self.columns)})"
                )
            positions = [self.columns[name] for name in names]
            getter = operator.itemgetter(*positions)
            pick = self.pickers[names] = getter if len(positions) > 1 else lambda row: (getter(row),)
        return pick

    @classmethod
    def of(cls, queryset: QuerySet[Any], connection: BaseDatabaseWrapper) -> _Compiled:
        compiler: SQLCompiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()  # also fills compiler.select and klass_info
        sql, params = _bind_the_slice(sql, tuple(params), connection)
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        klass_info = compiler.klass_info
        if klass_info is None:
            raise ValueError("a prepared query reads model instances (no values() or annotate-only queries)")
        select_fields = klass_info["select_fields"]
        model_fields = slice(select_fields[0], select_fields[-1] + 1)
        columns = _columns_of(klass_info, compiler.select, prefix="")
        columns.update(compiler.annotation_col_map or {})
        return cls(
            sql=sql,
            params=params,
            # As Django: only where the database has row locks (SQLite has none to take).
            locks=queryset.query.select_for_update and connection.features.has_select_for_update,
            converters=list(compiler.get_converters(fields).items()),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in compiler.select[model_fields]],
            model_fields=model_fields,
            # django-stubs describe Django 6's signature (a fetch mode); 5.2 takes these three.
            related_populators=get_related_populators(klass_info, compiler.select, connection.alias),  # type: ignore[call-arg]
            annotation_col_map=dict(compiler.annotation_col_map or {}),
            columns=columns,
        )


def _columns_of(klass_info: dict[str, Any], select: list[Any], *, prefix: str) -> dict[str, int]:
    columns = {prefix + select[index][0].target.attname: index for index in klass_info["select_fields"]}
    for related in klass_info.get("related_klass_infos", ()):
        if not related["reverse"]:
            columns.update(_columns_of(related, select, prefix=f"{prefix}{related['field'].name}."))
    return columns


def repeated_statement_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor for a statement run again and again with new values: on PostgreSQL one whose
    statements the server prepares, planned once per connection (``emporium.core.postgresql``,
    ADR 23); elsewhere, or with prepared statements off, the connection's usual cursor."""
    prepared_cursor = getattr(connection, "prepared_cursor", None)
    return prepared_cursor() if prepared_cursor is not None else connection.cursor()


class PreparedQuery(Generic[M]):
    """A queryset of one shape, compiled once per connection (see the module's docstring).

    ``build`` returns the queryset with :class:`Bind` values; it is called at the first run,
    when the models are ready, not at import. ``server_prepared=False`` for a query whose
    plan depends on its values (see the module's docstring).
    """

    def __init__(
        self,
        build: Callable[[], QuerySet[M]],
        *,
        using: str = DEFAULT_DB_ALIAS,
        server_prepared: bool = True,
    ) -> None:
        self._build = build
        self._using = using
        self._server_prepared = server_prepared
        # One per connection object: a thread's connection keeps its own (its converters
        # are its backend's), and a closed-and-reopened one keeps working with it.
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )
        self._counts: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[str, tuple[Any, ...]]] = (
            weakref.WeakKeyDictionary()
        )

    def all(self, **values: Any) -> list[M]:
        connection = connections[self._using]
        compiled, rows = self._run(connection, values)
        return [self._instance(compiled, row, connection) for row in rows]

    def rows(self, names: Sequence[str], **values: Any) -> list[tuple[Any, ...]]:
        """The named columns of each row, converted as Django converts them: the model's by
        attname (``"price_amount"``, ``"category_id"``), a ``select_related`` model's as
        ``"category.name"``, an annotation's by its name. For a caller that builds what it
        shows straight from the columns, without a model instance a row (a listing's cards)."""
        connection = connections[self._using]
        compiled, rows = self._run(connection, values)
        pick = compiled.picker(tuple(names))
        return [pick(self._converted(compiled, row, connection)) for row in rows]

    def _run(self, connection: BaseDatabaseWrapper, values: Mapping[str, Any]) -> tuple[_Compiled, list[Any]]:
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled.of(self._build(), connection)
        if compiled.locks and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        try:
            params = values_of(compiled.params, values, connection)
        except UnmatchableValueError:
            return compiled, []
        with self._cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            return compiled, cursor.fetchall()

    def count(self, **values: Any) -> int:
        """How many rows ``all`` reads, as ``QuerySet.count()``; for a query without a bound
        slice (count the listing, then read its page with another)."""
        connection = connections[self._using]
        counting = self._counts.get(connection)
        if counting is None:
            sql, params = (
                self._build().order_by().values("pk").query.get_compiler(connection=connection).as_sql()
            )
            if _bind_the_slice(sql, tuple(params), connection)[0] != sql:
                raise ValueError("count the query without its bound slice: a page counts nothing")
            counting = self._counts[connection] = (
                f"SELECT COUNT(*) FROM ({sql}) counted",  # noqa: S608  # nosec B608 (Django's own SQL)
                tuple(params),
            )
        try:
            params = values_of(counting[1], values, connection)
        except UnmatchableValueError:
            return 0
        with self._cursor(connection) as cursor:
            cursor.execute(counting[0], params)
            return int(cursor.fetchone()[0])

    def _cursor(self, connection: BaseDatabaseWrapper) -> Any:
        return repeated_statement_cursor(connection) if self._server_prepared else connection.cursor()

    def first(self, **values: Any) -> M | None:
        """The first row's instance, or None (give the queryset an order, or a unique key)."""
        found = self.all(**values)
        return found[0] if found else None

    @staticmethod
    def _converted(compiled: _Compiled, row: Sequence[Any], connection: BaseDatabaseWrapper) -> Sequence[Any]:
        if compiled.converters:
            row = list(row)
            for position, (converters, expression) in compiled.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        return row

    def _instance(self, compiled: _Compiled, row: Sequence[Any], connection: BaseDatabaseWrapper) -> M:
        row = self._converted(compiled, row, connection)
        instance = compiled.model.from_db(connection.alias, compiled.init_list, row[compiled.model_fields])
        for populator in compiled.related_populators:
            populator.populate(row, instance)
        for name, position in compiled.annotation_col_map.items():
            setattr(instance, name, row[position])
        return instance  # type: ignore[return-value]


def remember_related(instance: Model, relation: str, objects: list[Any]) -> None:
    """Give ``instance`` the rows of a reverse relation read some other way (a prepared query),
    as ``prefetch_related(relation)`` would: ``instance.<relation>.all()`` then reads nothing,
    and each row knows its ``instance`` without a query."""
    descriptor = getattr(type(instance), relation)
    for row in objects:
        descriptor.field.set_cached_value(row, instance)
    known = getattr(instance, relation).all()
    known._result_cache = objects
    known._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[descriptor.rel.cache_name] = known
