"""Product search: the query's words, spelling correction against the catalog's words (ADR
0010), full-text and trigram matching on PostgreSQL, a portable match elsewhere, suggestions.
"""

from __future__ import annotations

import operator
import re
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When

from emporium.catalog.cache import cached_for_catalog, get_catalog_version
from emporium.catalog.models import Product
from emporium.catalog.search import SEARCH_CONFIG, product_name_for_trigrams
from emporium.catalog.selectors.queries import cards_queryset
from emporium.catalog.spelling import CheckedQuery, Vocabulary, build_vocabulary, check_spelling

# Longer queries are cut: no product name needs more, and it bounds the work a query can ask for.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 8
# Terms shorter than this take no part in the typo match: two letters resemble too many words.
TRIGRAM_MIN_TERM_LENGTH = 3
# pg_trgm's default (0.6) misses one-letter-swap typos of short words ("candel" is 0.57 like
# "candle"); 0.55 still rejects look-alikes such as "music" for "mug" (0.5).
TRIGRAM_WORD_THRESHOLD = 0.55


def normalize_search_query(text: str) -> str:
    """Collapse whitespace and cut to SEARCH_MAX_LENGTH: what the search box shows back."""
    return " ".join(text.split())[:SEARCH_MAX_LENGTH].strip()


def split_search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased. Punctuation, quotes and SQL or HTML syntax drop out."""
    return re.findall(r"\w+", normalize_search_query(query).lower())[:SEARCH_MAX_TERMS]


def get_search_vocabulary() -> Vocabulary:
    """The distinct words of the published products' names, for correcting query words.

    Built with one query per catalog version and cached like the pages. Each process also
    keeps the last one it loaded, so search-as-you-type does not fetch it from the cache on
    every key press; the version check it costs is the one every cached page makes anyway.
    """
    version = get_catalog_version()
    if (remembered := _vocabulary_memo.get(version)) is not None:
        return remembered
    vocabulary = cached_for_catalog(
        key="search-vocabulary",
        build=lambda: build_vocabulary(
            names=Product.objects.published().values_list("name", flat=True).iterator(chunk_size=2000)
        ),
    )
    _vocabulary_memo.clear()  # only the current version is worth keeping (a race only rebuilds)
    _vocabulary_memo[version] = vocabulary
    return vocabulary


_vocabulary_memo: dict[int, Vocabulary] = {}  # this process's copy, by catalog version


def check_search_query(*, query: str) -> CheckedQuery:
    """The query's words, each with the catalog word it was probably meant to be."""
    terms = split_search_terms(query)
    if not terms:
        return CheckedQuery(terms=())
    return check_spelling(terms=terms, vocabulary=get_search_vocabulary())


def search_products(*, query: str) -> QuerySet[Product]:
    """Published products matching the query, best match first.

    Each query word is first checked against the catalog's words (ADR 0010): a word the
    catalog does not use ("chrismas") also matches the closest one it does ("christmas"),
    on every database; a half-typed word ("christ") matches the words it starts. Then:

    On PostgreSQL a product matches when its stored full-text document (name weighted above
    description, English stemming: ``Product.search_document``) holds any of the words, the
    half-typed ones as prefixes. Its GIN index answers that exactly, so no candidate row is
    checked again and ranking reads the stored vector (full-text rank, then best sellers).
    Only a word the catalog neither uses, starts nor comes close to is matched fuzzily, by
    trigram word similarity against the names (their own GIN index).

    Elsewhere (the embedded SQLite) every word, as typed or corrected, must appear in the
    name or description, and products with more of the words in their name come first.
    """
    checked = check_search_query(query=query)
    if not checked.terms:
        return Product.objects.none()
    return _ranked_matches(checked)


def match_products(*, checked: CheckedQuery) -> QuerySet[Product]:
    """Published products matching the checked query, unranked and unordered (for facets)."""
    if not checked.terms:
        return Product.objects.none()
    if connection.vendor == "postgresql":
        return _postgres_matches(Product.objects.published(), checked)
    return Product.objects.published().filter(_portable_match(checked))


def _ranked_matches(checked: CheckedQuery) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        rank = SearchRank(F("search_document"), _postgres_text_query(checked))
        return (
            _postgres_matches(cards_queryset(), checked)
            .annotate(rank=rank)
            .order_by("-rank", "-units_sold", "pk")
        )
    words_in_name = reduce(
        operator.add,
        (
            Case(When(_any_spelling_in("name", term.spellings), then=Value(1)), default=Value(0))
            for term in checked.terms
        ),
    )
    return (
        cards_queryset()
        .filter(_portable_match(checked))
        .annotate(rank=words_in_name)
        .order_by(F("rank").desc(), "-units_sold", "pk")
    )


def _postgres_matches(products: QuerySet[Product], checked: CheckedQuery) -> QuerySet[Product]:
    match = Q(search_document=_postgres_text_query(checked))
    fuzzy = sorted({term.text.upper() for term in checked.terms if term.is_unknown})
    if fuzzy:
        _use_trigram_threshold()
        products = products.alias(trigram_name=product_name_for_trigrams())
        # Upper-case like the indexed expression: trigrams compare case-sensitively.
        match |= reduce(operator.or_, (Q(trigram_name__trigram_word_similar=word) for word in fuzzy))
    return products.filter(match)


def _postgres_text_query(checked: CheckedQuery) -> SearchQuery:
    """Any of the words, each as typed and as corrected; a half-typed word as a prefix
    (``to_tsquery`` stems it first, so "holde" finds "holder" as well as "hold")."""
    words = sorted({spelling for term in checked.terms if not term.is_prefix for spelling in term.spellings})
    prefixes = sorted({term.text for term in checked.terms if term.is_prefix})
    queries = [SearchQuery(word, config=SEARCH_CONFIG, search_type="plain") for word in words]
    # Terms are runs of letters (split_search_terms): nothing in them is tsquery syntax.
    queries += [SearchQuery(f"{prefix}:*", config=SEARCH_CONFIG, search_type="raw") for prefix in prefixes]
    return reduce(operator.or_, queries)


def _any_spelling_in(field: str, spellings: tuple[str, ...]) -> Q:
    return reduce(operator.or_, (Q(**{f"{field}__icontains": spelling}) for spelling in spellings))


def _portable_match(checked: CheckedQuery) -> Q:
    return reduce(
        operator.and_,
        (
            _any_spelling_in("name", term.spellings) | _any_spelling_in("description", term.spellings)
            for term in checked.terms
        ),
    )


def _use_trigram_threshold() -> None:
    """Set the similarity threshold that pg_trgm's ``%>`` operator (and its index) reads.

    It is a setting of the database session, not an argument of the operator; an expression
    such as ``word_similarity(...) > 0.55`` would take an argument but could not use the index.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_WORD_THRESHOLD)]
        )


def suggest_products(*, query: str, limit: int) -> QuerySet[Product]:
    """The best few matches of a partly typed query: just what a suggestion link needs."""
    matches = search_products(query=query).select_related(None).prefetch_related(None)
    return matches.only("name", "slug")[:limit]
