"""What promotions never discount, told by the apps above: gift cards sold as products, above all.

A gift card bought at 20% off would be money sold below its value. Promotions sits below the
apps that know such variants (the layers in pyproject.toml), so each registers a source here
from its ``AppConfig.ready()``; the rules' snapshot (emporium.promotions.selectors) reads every
source once when it is built and keeps the answer with the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Each source answers the excluded variants as (variant id, product id) pairs, in one query.
ExcludedVariants = Callable[[], Iterable[tuple[int, int]]]

_sources: list[ExcludedVariants] = []


def register_excluded_variants(source: ExcludedVariants) -> None:
    """Add a source; registering the same one again changes nothing."""
    if source not in _sources:
        _sources.append(source)


def list_excluded_variants() -> list[tuple[int, int]]:
    return [pair for source in _sources for pair in source()]
