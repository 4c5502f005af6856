"""``{% product_reviews product %}``: the product page's reviews section, first page by most helpful.

A tag, so the catalog's page names no reviews code beyond it (the reviews app depends on the
catalog, not the other way round), as ``{% recommendations %}`` does for its widgets.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context

from emporium.reviews.listing import RatedProduct, build_review_listing
from emporium.reviews.selectors import ReviewSort

register = template.Library()


@register.inclusion_tag("reviews/_section.html", takes_context=True)
def product_reviews(context: Context, product: RatedProduct) -> dict[str, Any]:
    """Rendered in the page's own context (its CSRF token and site name), not a new one that
    would run every context processor again."""
    listing = build_review_listing(context["request"], product=product, sort=ReviewSort.HELPFUL, page=1)
    return {"listing": listing, "site_name": context.get("site_name")}


@register.inclusion_tag("reviews/_stars.html")
def rating_stars(average: Any, count: int) -> dict[str, Any]:
    """ "4.5 out of 5 (3 reviews)", with the stars as text that screen readers skip."""
    filled = 0 if average is None else min(max(round(float(average)), 0), 5)
    return {"average": average, "count": count, "stars": "\u2605" * filled + "\u2606" * (5 - filled)}
