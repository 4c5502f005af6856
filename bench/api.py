"""The REST API's product list beside the storefront and the bare view.

The API's list serves the same cached page data as the storefront's category page, then
serialises 24 product cards to JSON; the storefront renders them to HTML (and, for visitors,
serves the whole page from its page cache). The API keeps the JSON it rendered under the
catalog version too, so a warm read costs one cache round trip: the first server's rows
measure that. A second server runs with that JSON cache off (``API_CATALOG_BODY_CACHE=0``):
its ``_serialised`` rows build and serialise the page for every request, which is what the
first request after any catalog edit, and every rarely asked URL, costs. Beside them, the
storefront's product page, which is rendered for every visitor from cached data, as these are
serialised from it.

Throttling is switched off for the run: one client sending thousands of requests a second is
exactly what it exists to stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emporium.catalog.models import Category

# Requests from the load generator all come from 127.0.0.1 and would be throttled at once.
SERVER_ENV = {"API_THROTTLE_ANON": "", "API_THROTTLE_USER": ""}
SERIALISING_SERVER_ENV = {**SERVER_ENV, "API_CATALOG_BODY_CACHE": "0"}
SERIALISING_TITLE = "REST API, JSON built and serialised for every request (API_CATALOG_BODY_CACHE=0)"


def _largest_category() -> Category:
    from emporium.catalog.models import Category, Product

    roots = Category.objects.filter(depth=1)
    category = max(
        roots,
        key=lambda root: Product.objects.filter(category__path__startswith=root.path).count(),
        default=None,
    )
    if category is None:
        raise SystemExit("the api benchmark needs a catalog: run generate_shop_data first (see README)")
    return category


def _pages(*, suffix: str) -> dict[str, str]:
    category = _largest_category()
    slug = category.slug
    return {
        f"api_products{suffix}": "/api/v1/products/?page_size=24",
        f"api_products_category{suffix}": f"/api/v1/products/?category={slug}&page_size=24",
        f"api_products_sorted{suffix}": (
            f"/api/v1/products/?category={slug}&sort=price-asc&in_stock=true&page=2&page_size=24"
        ),
        "storefront_category": category.get_absolute_url(),
    }


def api_pages() -> dict[str, str]:
    return _pages(suffix="")


def serialising_api_pages() -> dict[str, str]:
    """The same lists on the server that keeps no rendered JSON, beside the same storefront page
    and the storefront's best-selling product page, which is rendered for every visitor."""
    from emporium.catalog.models import Product

    product = Product.objects.published().order_by("-units_sold").first()
    if product is None:
        raise SystemExit("the api benchmark needs a catalog: run generate_shop_data first (see README)")
    return {**_pages(suffix="_serialised"), "storefront_product": product.get_absolute_url()}
