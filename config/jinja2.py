"""The Jinja2 environment of the storefront's hot fragments (product cards, pictures).

Django's template engine renders the pages; the few fragments a page prints dozens of times
are Jinja2 templates (``<app>/jinja2/``), several times faster (docs/decisions/0017). They
reach the apps' display helpers through the globals and filters below, the same functions
the Django template tags call, so both engines print the same sale prices, ratings and save
buttons. Here, in the project's composition root, because it names apps of every layer.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from jinja2 import Environment

from emporium.core.templatetags.money import money_filter
from emporium.promotions.templatetags.promotions import SalePrice, sale_price_for
from emporium.reviews.templatetags.reviews import rating_stars as rating_stars_context
from emporium.wishlist.templatetags.wishlist import save_control


def _sale_price(request: Any, card: Any) -> SalePrice | None:
    return sale_price_for(
        request,
        product_id=card.id,
        category_id=card.category_id,
        product_type_id=card.product_type_id,
        price=card.price,
    )


def _rating_stars(average: Any, count: int) -> SafeString:
    return render_to_string("reviews/_stars.html", rating_stars_context(average, count))


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)  # Django's backend passes True; say it here, whatever it passes
    env = Environment(autoescape=True, **options)
    env.filters["money"] = money_filter
    env.globals.update(sale_price=_sale_price, rating_stars=_rating_stars, save_button=save_control)
    return env
