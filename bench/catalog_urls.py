"""The URLs a page benchmark sends, drawn from the catalog it runs on.

A shop's traffic is not one URL: shoppers and crawlers open different categories, pages,
filters and sorts, products and search words, so every such request misses a page cache.
Each kind of page gets a list of paths drawn here (the same lists for the same catalog and
seed), and the benchmark measures it twice: its first path repeated (what a cache answers)
and every path in turn (what a shop meets).
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter
from urllib.parse import urlencode

from django.urls import reverse

PAGE_SIZE = 24  # the storefront's and the benchmark's API page size
# Page numbers shoppers reach: the first pages most, but crawlers walk them all.
FIRST_PAGES = 5


def catalog_size() -> dict[str, int]:
    from emporium.catalog.models import Category, Product

    return {
        "products": Product.objects.published().count(),
        "categories": Category.objects.count(),
    }


def _listings(rng: random.Random) -> list[tuple[str, str, int]]:
    """(slug, URL, pages) of every category with published products (its own or below it)."""
    from emporium.catalog.models import Category, Product

    published = Product.objects.published()
    found = []
    for category in Category.objects.order_by("path"):
        count = published.filter(category__path__startswith=category.path).count()
        if count:
            found.append((category.slug, category.get_absolute_url(), math.ceil(count / PAGE_SIZE)))
    if not found:
        raise SystemExit("the page benchmarks need a catalog: run generate_shop_data first (see README)")
    rng.shuffle(found)
    return found


def _page(rng: random.Random, pages: int) -> int:
    if pages <= 1:
        return 1
    return rng.randint(1, min(pages, FIRST_PAGES)) if rng.random() < 0.7 else rng.randint(1, pages)


def _query(params: dict[str, object]) -> str:
    return urlencode({key: value for key, value in params.items() if value not in (None, "", 1)})


def _misspelt(word: str, rng: random.Random) -> str:
    """One typo: a letter dropped, doubled or two swapped (never the first letter)."""
    at = rng.randint(1, len(word) - 2)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def search_words(rng: random.Random, *, count: int, misspelt_share: float = 0.2) -> list[str]:
    """``count`` search queries from the words of the product names (the commoner words rather
    than not, a tenth two-word phrases), a share of them with one typo."""
    from emporium.catalog.models import Product

    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for name in Product.objects.published().values_list("name", flat=True).iterator(chunk_size=5000):
        tokens = [token for token in re.findall(r"[a-z]+", name.lower()) if len(token) >= 4]
        words.update(tokens)
        pairs.update(f"{first} {second}" for first, second in itertools.pairwise(tokens))
    common = [word for word, _ in words.most_common(count * 2)]
    phrases = [pair for pair, _ in pairs.most_common(count // 5)]
    chosen = rng.sample(common, min(len(common), count - len(phrases) // 2)) + phrases[: len(phrases) // 2]
    rng.shuffle(chosen)
    return [
        _misspelt(query, rng)
        if len(query) >= 5 and " " not in query and rng.random() < misspelt_share
        else query
        for query in chosen
    ]


def draw_paths(*, seed: int = 1, per_kind: int = 20_000, search_count: int = 1000) -> dict[str, list[str]]:
    """Distinct paths by kind of page: ``category``, ``category_filtered``, ``product``,
    ``search``, ``api_products`` and ``api_products_filtered``; the first of each is its "one URL"."""
    from emporium.catalog.models import Product
    from emporium.catalog.selectors import ProductSort

    rng = random.Random(seed)
    listings = _listings(rng)
    sorts = [sort.value for sort in ProductSort]
    category, filtered, api, api_filtered = [], [], [], []
    for index in range(per_kind):
        slug, url, pages = listings[index % len(listings)]
        query = _query({"page": _page(rng, pages)})
        category.append(f"{url}?{query}" if query else url)
        # In stock only roughly halves the pages; a sort other than the default reorders them.
        sort, in_stock = rng.choice(sorts), rng.random() < 0.5
        filtered.append(
            f"{url}?{_query({'sort': sort, 'in_stock': 'on' if in_stock else '', 'page': _page(rng, pages // 2 or 1)})}"
        )
        api.append(
            f"/api/v1/products/?{_query({'category': slug, 'page': _page(rng, pages), 'page_size': PAGE_SIZE})}"
        )
        api_filtered.append(
            "/api/v1/products/?"
            + _query(
                {
                    "category": slug,
                    "sort": sort,
                    "in_stock": "true" if in_stock else "",
                    "page": _page(rng, pages // 2 or 1),
                    "page_size": PAGE_SIZE,
                }
            )
        )
    # Products: the best sellers are opened most, but any product can be.
    ids = list(Product.objects.published().order_by("-units_sold", "pk").values_list("pk", flat=True))
    head = ids[: max(1, len(ids) // 10)]
    picked = [rng.choice(head) if rng.random() < 0.5 else rng.choice(ids) for _ in range(per_kind)]
    slugs = dict(Product.objects.filter(pk__in=set(picked)).values_list("pk", "slug"))
    products = [reverse("catalog:product-detail", kwargs={"slug": slugs[pk]}) for pk in picked]
    # Each query as typed, then refined as shoppers do (in stock only, the next pages), so a run
    # that gets through every word still asks a new URL, rendered and ranked from scratch.
    queries = search_words(rng, count=search_count)
    refined: list[dict[str, object]] = [
        {"q": query, "in_stock": "on" if in_stock else "", "page": page}
        for query in queries
        for in_stock, page in ((True, 1), (False, 2), (True, 2), (False, 3))
    ]
    rng.shuffle(refined)
    searches = [f"/search/?{urlencode({'q': query})}" for query in queries] + [
        f"/search/?{_query(params)}" for params in refined
    ]
    drawn = {
        "category": category,
        "category_filtered": filtered,
        "product": products,
        "search": searches,
        "api_products": api,
        "api_products_filtered": api_filtered,
    }
    # Each path once, in the order drawn: a run asks each one once until it has asked them all
    # (a small catalog has few distinct pages; the results say how many requests a run sent).
    return {kind: list(dict.fromkeys(paths)) for kind, paths in drawn.items()}
