"""Which recommendation widgets a storefront page shows, and what is in them.

The one place that decides the page -> widgets mapping, for the template tag; the API has one
operation per list instead. Every widget is built from one selector call (at most two queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from emporium.accounts.identity import signed_in_user
from emporium.cart.services import CART_TOKEN_SESSION_KEY
from emporium.catalog.cache import cached_for_catalog
from emporium.catalog.selectors import ProductCard
from emporium.recommendations.models import CustomerListKind
from emporium.recommendations.selectors import (
    list_cart_product_ids,
    list_complete_your_order,
    list_customer_lists,
    list_customers_also_bought,
)

WIDGET_SIZE = 4
WIDGET_TITLES = {
    "buy_again": "Buy it again",
    "for_you": "Recommended for you",
    "popular": "Popular right now",
    "also_bought": "Customers also bought",
    "complete_order": "Complete your order",
}
PAGES = ("home", "account", "product", "cart")


@dataclass(frozen=True)
class Widget:
    name: str
    cards: Sequence[ProductCard]

    @property
    def title(self) -> str:
        return WIDGET_TITLES[self.name]


def widgets_for_page(*, request: HttpRequest, page: str, product: Any = None) -> list[Widget]:
    customer = signed_in_user(request)
    cart_token = request.session.get(CART_TOKEN_SESSION_KEY) if hasattr(request, "session") else None
    in_cart = list_cart_product_ids(customer_id=customer.pk if customer else None, cart_token=cart_token)
    # A visitor without a cart sees what every such visitor sees: cached with the catalog
    # version (bumped when a model version is activated), so their pages stay query-free.
    is_shared = customer is None and not cart_token
    widgets: list[Widget] = []
    if page in ("home", "account"):
        # A customer's two lists and the popular fallback come from one query; a visitor's
        # popular list too. Popular shows only when the customer's lists are both empty.
        lists = list_customer_lists(
            customer_id=customer.pk if customer else None,
            kinds=[CustomerListKind.BUY_AGAIN, CustomerListKind.FOR_YOU, CustomerListKind.POPULAR]
            if customer
            else [CustomerListKind.POPULAR],
            exclude_product_ids=in_cart,
            limit=WIDGET_SIZE,
        )
        popular = lists.pop(CustomerListKind.POPULAR)
        widgets += [Widget(name=str(kind.value), cards=cards) for kind, cards in lists.items()]
        if not any(widget.cards for widget in widgets):
            widgets.append(Widget("popular", popular))
    elif page == "product" and product is not None:

        def also_bought() -> tuple[ProductCard, ...]:  # immutable: cached copies are shared
            return tuple(
                list_customers_also_bought(
                    product_id=product.id, exclude_product_ids=in_cart, limit=WIDGET_SIZE
                )
            )

        cards = (
            cached_for_catalog(key=f"recommendations:also-bought:{product.id}", build=also_bought)
            if is_shared
            else also_bought()
        )
        widgets.append(Widget("also_bought", cards))
    elif page == "cart":
        widgets.append(
            Widget("complete_order", list_complete_your_order(cart_product_ids=in_cart, limit=WIDGET_SIZE))
        )
    return [widget for widget in widgets if widget.cards]
