"""The search document of a product, shared by the query and the index that serves it.

On PostgreSQL each product stores its full-text document (``Product.search_document``, a
generated column kept by the database itself), so matching and ranking read a stored
vector instead of parsing the name and description of every candidate row again. The
trigram index still serves fuzzy name matching; PostgreSQL uses an index only for the very
expression it was built on, so the migration and the selector take it from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Upper
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

SEARCH_CONFIG = "english"


def product_search_vector() -> CombinedExpression:
    """Name weighs more than description: a query word in the name is the better match."""
    return SearchVector("name", weight="A", config=Value(SEARCH_CONFIG)) + SearchVector(
        "description", weight="B", config=Value(SEARCH_CONFIG)
    )


class SearchDocument(Expression):
    """``product_search_vector()`` on PostgreSQL; NULL elsewhere (the embedded SQLite searches
    with its portable match and has no text vectors), so one model serves both databases."""

    output_field = SearchVectorField()

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        return "NULL", ()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _AsSqlType:
        vector = product_search_vector().resolve_expression(compiler.query)
        return compiler.compile(vector)


def product_name_for_trigrams() -> Upper:
    """Trigram matching is case-sensitive; the index and the query both compare upper case."""
    return Upper("name")
