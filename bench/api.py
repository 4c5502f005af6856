"""The REST API's product list beside the storefront and the bare view, in one run.

The API's list serves the same cached page data as the storefront's category page, then
serialises 24 product cards to JSON; the storefront renders them to HTML (and, for visitors,
serves the whole page from its page cache). Throttling is switched off for the run: one client
sending thousands of requests a second is exactly what it exists to stop.
"""

from __future__ import annotations

# Requests from the load generator all come from 127.0.0.1 and would be throttled at once.
SERVER_ENV = {"API_THROTTLE_ANON": "", "API_THROTTLE_USER": ""}


def api_pages() -> dict[str, str]:
    from emporium.catalog.models import Category, Product

    roots = Category.objects.filter(depth=1)
    category = max(
        roots,
        key=lambda root: Product.objects.filter(category__path__startswith=root.path).count(),
        default=None,
    )
    if category is None:
        raise SystemExit("the api benchmark needs a catalog: run generate_shop_data first (see README)")
    return {
        "api_products": "/api/v1/products/?page_size=24",
        "api_products_category": f"/api/v1/products/?category={category.slug}&page_size=24",
        "api_products_sorted": (
            f"/api/v1/products/?category={category.slug}&sort=price-asc&in_stock=true&page=2&page_size=24"
        ),
        "storefront_category": category.get_absolute_url(),
    }
