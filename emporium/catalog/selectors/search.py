"""Product search: the query's words, spelling correction against the catalog's words (ADR
0010), full-text and trigram matching on PostgreSQL, a portable match elsewhere, suggestions.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When, Window

from emporium.catalog.cache import cached_for_catalog, get_catalog_version
from emporium.catalog.models import Product
from emporium.catalog.search import SEARCH_CONFIG, product_name_for_trigrams
from emporium.catalog.selectors.filters import ProductFilters
from emporium.catalog.selectors.queries import FilterShape, TreeNode, cards_queryset, prepare_filter
from emporium.catalog.selectors.shapes import CARD_COLUMNS, ProductCard
from emporium.catalog.spelling import CheckedQuery, Vocabulary, build_vocabulary, check_spelling
from emporium.core.prepared import Bind, PreparedQuery, bound_slice

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
    return _ranked_matches(SearchWords.of(checked))


@dataclass(frozen=True)
class PreparedSearch:
    """The ranked matches of :func:`search_products`, narrowed by category, prices and stock,
    run from SQL compiled once per shape of query (ADR 19): the words, category ids and prices
    are values. Building and compiling the ranked query cost about 1.5 ms of a search's Python."""

    matches: PreparedQuery[Product]
    page: PreparedQuery[Product]
    values: Mapping[str, object]
    words: SearchWords

    def read(self, offset: int, limit: int) -> tuple[list[ProductCard], int]:
        """One page's cards, and how many products match in all (counted with the page)."""
        self.words.set_up_session()
        rows = self.page.rows((*CARD_COLUMNS, "matches"), offset=offset, limit=limit, **self.values)
        return [ProductCard.from_columns(*row[:-1]) for row in rows], (rows[0][-1] if rows else 0)

    def count(self) -> int:
        self.words.set_up_session()
        return self.matches.count(**self.values)


def prepare_search(
    *,
    checked: CheckedQuery,
    filters: ProductFilters,
    category: TreeNode | None,
    subtree: Sequence[tuple[str, int]],
) -> PreparedSearch | None:
    """``search_products(...)`` narrowed to ``category`` and ``filters``, prepared; None for an
    empty query and for what ``queries.prepare_filter`` leaves to the ORM."""
    prepared = prepare_filter(category=category, filters=filters, subtree=subtree)
    if prepared is None or not checked.terms:
        return None
    shape, values = prepared
    words = SearchWords.of(checked)
    matches, page = _search_queries(words=words.shape, narrowed=shape, vendor=connection.vendor)
    return PreparedSearch(matches=matches, page=page, values={**values, **words.values()}, words=words)


# Shapes: how many words, prefixes and unknown words (PostgreSQL) or spellings a term (elsewhere),
# times the listing's filter shapes; shoppers type few words, so a few hundred at most.
@functools.lru_cache(maxsize=512)
def _search_queries(
    *, words: tuple[int, int, int, tuple[int, ...]], narrowed: FilterShape, vendor: str
) -> tuple[PreparedQuery[Product], PreparedQuery[Product]]:
    def matches() -> QuerySet[Product]:
        return _ranked_matches(SearchWords.bound(words)).filter(narrowed.condition())

    return (
        PreparedQuery(matches, server_prepared=False),
        # The count comes with the page (COUNT(*) OVER ()): ranking found every match anyway.
        PreparedQuery(
            lambda: bound_slice(matches().annotate(matches=Window(Count("pk")))), server_prepared=False
        ),
    )


def match_products(*, checked: CheckedQuery) -> QuerySet[Product]:
    """Published products matching the checked query, unranked and unordered (for facets)."""
    if not checked.terms:
        return Product.objects.none()
    return products_matching(SearchWords.of(checked))


def products_matching(words: SearchWords) -> QuerySet[Product]:
    """Published products matching the words (or a prepared query's values of them), unranked."""
    if connection.vendor == "postgresql":
        return _postgres_matches(Product.objects.published(), words)
    return Product.objects.published().filter(_portable_match(words))


Word = str | Bind  # a word as such, or a prepared query's value standing for one


@dataclass(frozen=True)
class SearchWords:
    """What a checked query matches with, on either database: on PostgreSQL the whole words
    (as typed and as corrected), the half-typed ones as tsquery prefixes and the unknown ones
    for trigram similarity; elsewhere each term's spellings. As the words themselves
    (:meth:`of`), or as a prepared query's values of the same shape (:meth:`bound`)."""

    words: tuple[Word, ...]
    prefixes: tuple[Word, ...]
    fuzzy: tuple[Word, ...]
    spellings: tuple[tuple[Word, ...], ...]

    @classmethod
    def of(cls, checked: CheckedQuery) -> SearchWords:
        terms = checked.terms
        return cls(
            words=tuple(
                sorted({spelling for term in terms if not term.is_prefix for spelling in term.spellings})
            ),
            # Terms are runs of letters (split_search_terms): nothing in them is tsquery syntax.
            prefixes=tuple(sorted({f"{term.text}:*" for term in terms if term.is_prefix})),
            # Upper-case like the indexed expression: trigrams compare case-sensitively.
            fuzzy=tuple(sorted({term.text.upper() for term in terms if term.is_unknown})),
            spellings=tuple(term.spellings for term in terms),
        )

    @property
    def shape(self) -> tuple[int, int, int, tuple[int, ...]]:
        return len(self.words), len(self.prefixes), len(self.fuzzy), tuple(map(len, self.spellings))

    @classmethod
    def bound(cls, shape: tuple[int, int, int, tuple[int, ...]]) -> SearchWords:
        """Values named as :meth:`values` names them, in place of words of that shape."""
        words, prefixes, fuzzy, spellings = shape
        text = CharField()
        return cls(
            words=tuple(Bind(f"word{index}", text) for index in range(words)),
            prefixes=tuple(Bind(f"prefix{index}", text) for index in range(prefixes)),
            fuzzy=tuple(Bind(f"fuzzy{index}", text) for index in range(fuzzy)),
            spellings=tuple(
                tuple(Bind(f"term{term}_{index}", text) for index in range(count))
                for term, count in enumerate(spellings)
            ),
        )

    def set_up_session(self) -> None:
        """Before running a query built from these words: the trigram threshold is a setting
        of the database session, which a connection opened since the query was built lacks."""
        if self.fuzzy and connection.vendor == "postgresql":
            _use_trigram_threshold()

    def values(self) -> dict[str, Word]:
        named = {f"word{index}": word for index, word in enumerate(self.words)}
        named |= {f"prefix{index}": prefix for index, prefix in enumerate(self.prefixes)}
        named |= {f"fuzzy{index}": word for index, word in enumerate(self.fuzzy)}
        for term, spellings in enumerate(self.spellings):
            named |= {f"term{term}_{index}": spelling for index, spelling in enumerate(spellings)}
        return named


def _ranked_matches(words: SearchWords) -> QuerySet[Product]:
    if connection.vendor == "postgresql":
        rank = SearchRank(F("search_document"), _postgres_text_query(words))
        return (
            _postgres_matches(cards_queryset(), words)
            .annotate(rank=rank)
            .order_by("-rank", "-units_sold", "pk")
        )
    words_in_name = reduce(
        operator.add,
        (
            Case(When(_any_spelling_in("name", spellings), then=Value(1)), default=Value(0))
            for spellings in words.spellings
        ),
    )
    return (
        cards_queryset()
        .filter(_portable_match(words))
        .annotate(rank=words_in_name)
        .order_by(F("rank").desc(), "-units_sold", "pk")
    )


def _postgres_matches(products: QuerySet[Product], words: SearchWords) -> QuerySet[Product]:
    match = Q(search_document=_postgres_text_query(words))
    if words.fuzzy:
        _use_trigram_threshold()
        products = products.alias(trigram_name=product_name_for_trigrams())
        match |= reduce(operator.or_, (Q(trigram_name__trigram_word_similar=word) for word in words.fuzzy))
    return products.filter(match)


def _postgres_text_query(words: SearchWords) -> SearchQuery:
    """Any of the words, each as typed and as corrected; a half-typed word as a prefix
    (``to_tsquery`` stems it first, so "holde" finds "holder" as well as "hold")."""
    queries = [SearchQuery(word, config=SEARCH_CONFIG, search_type="plain") for word in words.words]
    queries += [SearchQuery(prefix, config=SEARCH_CONFIG, search_type="raw") for prefix in words.prefixes]
    return reduce(operator.or_, queries)


def _any_spelling_in(field: str, spellings: tuple[Word, ...]) -> Q:
    return reduce(operator.or_, (Q(**{f"{field}__icontains": spelling}) for spelling in spellings))


def _portable_match(words: SearchWords) -> Q:
    return reduce(
        operator.and_,
        (
            _any_spelling_in("name", spellings) | _any_spelling_in("description", spellings)
            for spellings in words.spellings
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
