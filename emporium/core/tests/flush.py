"""A transactional test's database emptied in a few milliseconds instead of half a second.

After a transactional test (live server, browser, row-lock races) Django empties every table
and sends ``post_migrate``, whose receivers write back the content types, the permissions,
the default site and the staff role groups. On PostgreSQL the emptying is one TRUNCATE of
ninety tables, which gives each table and index new files (0.4 s, for tables holding a few
rows), and the receivers run some two hundred queries for rows that come out the same every
time. Here the first flush of each database runs exactly as Django does it and keeps what the
receivers wrote; every later one empties the same tables (on PostgreSQL with a DELETE each, in
one transaction, the foreign keys checked at its end) and puts those rows back with one
INSERT per table. The tests see the same rows, with the same ids each time.

Tests that ask for ``available_apps`` or ``serialized_rollback`` keep Django's own teardown.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import connections, models, transaction
from django.test import TransactionTestCase


def reference_models() -> tuple[type[models.Model], ...]:
    """What post_migrate's receivers write (django.contrib.auth, contenttypes and sites, and
    emporium.accounts' role groups), parents before children."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site

    return (ContentType, Permission, Site, Group, Group.permissions.through)


_kept_rows: dict[str, list[tuple[type[models.Model], list[str], list[tuple[Any, ...]]]]] = {}
_django_teardown = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]  # not in django-stubs


def _flush(database: str, *, inhibit_post_migrate: bool) -> None:
    call_command(
        "flush",
        verbosity=0,
        interactive=False,
        database=database,
        reset_sequences=False,
        allow_cascade=False,
        inhibit_post_migrate=inhibit_post_migrate,
    )


def _empty(database: str) -> None:
    connection = connections[database]
    if connection.vendor != "postgresql":
        _flush(database, inhibit_post_migrate=True)  # SQLite's flush is DELETEs already
        return
    quote = connection.ops.quote_name
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(using=database), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # nosec B608: the models' own tables, quoted


def _read_reference_rows(database: str) -> list[tuple[type[models.Model], list[str], list[tuple[Any, ...]]]]:
    kept = []
    for model in reference_models():
        fields = model._meta.concrete_fields
        rows = model._default_manager.using(database).order_by("pk").values_list(*[f.attname for f in fields])
        kept.append((model, [str(field.column) for field in fields], list(rows)))
    return kept


def _write_reference_rows(database: str) -> None:
    connection = connections[database]
    quote = connection.ops.quote_name
    with transaction.atomic(using=database), connection.cursor() as cursor:
        for model, columns, rows in _kept_rows[database]:
            if rows:
                cursor.executemany(
                    # Table and column names come from the models, quoted; the values are bound.
                    f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # nosec B608
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    rows,
                )
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _fixture_teardown(self: TransactionTestCase) -> None:
    if self.available_apps is not None or self.serialized_rollback:
        _django_teardown(self)
        return
    for database in self._databases_names(include_mirrors=False):  # type: ignore[attr-defined]
        if database not in _kept_rows:
            _flush(database, inhibit_post_migrate=False)
            _kept_rows[database] = _read_reference_rows(database)
        else:
            _empty(database)
            _write_reference_rows(database)


def pytest_configure() -> None:
    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[attr-defined]
