"""Cold caches for tests that count a cold page's queries."""

from django.core.cache import cache

from emporium.catalog.cache import local_pages


def empty_caches() -> None:
    """Empty the shared cache and this process's own copies of pages (``local_pages``), as a
    page served by a worker that has just started would find them."""
    cache.clear()
    local_pages.clear()
