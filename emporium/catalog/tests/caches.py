"""Cold caches for tests that count a cold page's queries."""

from django.core.cache import cache

from emporium.catalog.cache import local_cards, local_data, local_pages
from emporium.core.cache import counter_cache


def empty_caches() -> None:
    """Empty the shared cache and this process's own copies of pages, data and cards
    (``local_pages``, ``local_data``, ``local_cards``), as a page served by a worker that has
    just started would find them, and the counters it kept in memory while a test's Redis was
    down (login and request limits: another test's attempts from the same address must not
    count against this one's)."""
    cache.clear()
    local_pages.clear()
    local_data.clear()
    local_cards.clear()
    counter_cache.local.clear()
