"""Spelling correction of search words against the catalog's own vocabulary (ADR 0010).

Pure functions, no database: a selector builds the :class:`Vocabulary` from the names of the
published products and caches it; the search selector checks each query word against it.
Correcting words before the search, rather than matching products fuzzily, costs the same on
SQLite and PostgreSQL, lets the page say "did you mean", and grows with the number of
distinct words (a few thousand, even for 50,000 products), not with the number of products.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Words shorter than this are never corrected: two letters resemble too many words.
MIN_CORRECTABLE_LENGTH = 3
# Edits allowed per word length, as Elasticsearch's "AUTO" fuzziness: one for 3 to 5 letters,
# two from 6. "hart" -> "heart", "holdr" -> "holder", "chrismas" -> "christmas". A swap of two
# neighbouring letters ("candel") counts as one edit (optimal string alignment distance).
LONG_WORD_LENGTH = 6
_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The words of a text as search splits a query: lower-cased runs of letters and digits."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """The distinct words of the catalog, sorted, with how many products use each."""

    words: tuple[str, ...]
    product_counts: dict[str, int]

    def __contains__(self, word: object) -> bool:
        return word in self.product_counts

    def has_word_starting_with(self, prefix: str) -> bool:
        """A half-typed word ("christ") is not a typo: the search matches it inside words."""
        index = bisect_left(self.words, prefix)
        return index < len(self.words) and self.words[index].startswith(prefix)


def build_vocabulary(*, names: Iterable[str]) -> Vocabulary:
    """Count each word once per name: a product called "HEART HEART" is one product with "heart"."""
    counts: Counter[str] = Counter()
    for name in names:
        counts.update({word for word in words_of(name) if not word.isdigit()})
    return Vocabulary(words=tuple(sorted(counts)), product_counts=dict(counts))


@dataclass(frozen=True)
class CheckedTerm:
    """A query word, and a catalog word to match as well when the query word is not one.

    ``is_misspelt`` says the alternative is a correction worth offering ("did you mean");
    a plural whose singular is the catalog's word is matched through it, silently.
    """

    text: str
    alternative: str | None = None
    is_misspelt: bool = False
    # A half-typed word: the start of one or more catalog words ("christ"), matched as a prefix.
    is_prefix: bool = False
    # Neither a catalog word, nor the start of one, nor near one: left to fuzzy matching.
    is_unknown: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.text,) if self.alternative is None else (self.text, self.alternative)

    @property
    def best_spelling(self) -> str:
        return self.alternative if self.is_misspelt and self.alternative else self.text


@dataclass(frozen=True)
class CheckedQuery:
    terms: tuple[CheckedTerm, ...]

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(term.text for term in self.terms)

    @property
    def corrected(self) -> str:
        """The query with its misspelt words corrected, or "" when none was misspelt."""
        if not any(term.is_misspelt for term in self.terms):
            return ""
        return " ".join(term.best_spelling for term in self.terms)


def check_spelling(*, terms: Iterable[str], vocabulary: Vocabulary) -> CheckedQuery:
    return CheckedQuery(terms=tuple(_check_term(term, vocabulary) for term in terms))


def _check_term(term: str, vocabulary: Vocabulary) -> CheckedTerm:
    if len(term) < MIN_CORRECTABLE_LENGTH or not term.isalpha() or term in vocabulary:
        return CheckedTerm(term)
    if vocabulary.has_word_starting_with(term):
        return CheckedTerm(term, is_prefix=True)
    for ending in ("es", "s"):
        if term.endswith(ending) and term[: -len(ending)] in vocabulary:
            return CheckedTerm(term, alternative=term[: -len(ending)])
    correction = closest_word(term, vocabulary=vocabulary)
    if correction is None:
        return CheckedTerm(term, is_unknown=True)
    return CheckedTerm(term, alternative=correction, is_misspelt=True)


def closest_word(word: str, *, vocabulary: Vocabulary) -> str | None:
    """The catalog word fewest edits away, the one most products use among equals; None if
    every word is too far. rapidfuzz compares in C++ with a cut-off, so even tens of
    thousands of words take about a millisecond."""
    max_edits = 1 if len(word) < LONG_WORD_LENGTH else 2
    candidates = process.extract(
        word, vocabulary.words, scorer=OSA.distance, score_cutoff=max_edits, limit=None
    )
    if not candidates:
        return None
    best = min(candidates, key=lambda match: (match[1], -vocabulary.product_counts[match[0]], match[0]))
    return str(best[0])
