"""The search document of a product, shared by the query and the index that serves it.

PostgreSQL uses an index only for the very expression it was built on, so the migration
that creates the GIN index and the selector that searches both take it from here.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db.models import Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Upper

SEARCH_CONFIG = "english"


def product_search_vector() -> CombinedExpression:
    """Name weighs more than description: a query word in the name is the better match."""
    return SearchVector("name", weight="A", config=Value(SEARCH_CONFIG)) + SearchVector(
        "description", weight="B", config=Value(SEARCH_CONFIG)
    )


def product_name_for_trigrams() -> Upper:
    """Trigram matching is case-sensitive; the index and the query both compare upper case."""
    return Upper("name")
