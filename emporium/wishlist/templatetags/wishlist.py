"""``{% save_button product %}``: the "Save" / "Saved" toggle on product pages and cards.

Which products are saved is read once per request (one query for a customer, the session for a
visitor). A visitor without a session is on a page the catalog may cache for everybody, where a
form would print a CSRF token and stop the page from being cached: they get a link to the
save page instead, and they cannot have saved anything yet.
"""

from __future__ import annotations

from typing import Any, Protocol

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString

from emporium.accounts.identity import signed_in_user
from emporium.core.reverse import reverse_one
from emporium.wishlist.selectors import list_saved_product_ids

register = template.Library()


class Saveable(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...


def saved_product_ids(request: HttpRequest) -> set[int]:
    cached: set[int] | None = getattr(request, "_wishlist_saved_ids", None)
    if cached is None:
        customer = signed_in_user(request)
        session = getattr(request, "session", None)
        cached = list_saved_product_ids(customer=customer, session=session)
        request._wishlist_saved_ids = cached  # type: ignore[attr-defined]
    return cached


def button_context(product: Saveable, *, saved: bool) -> dict[str, Any]:
    return {"product_id": product.id, "product_name": product.name, "saved": saved}


@register.simple_tag(takes_context=True)
def save_button(context: Context, product: Saveable, as_form: bool = False) -> SafeString:
    return save_control(context.get("request"), product, as_form=as_form)


def save_control(request: HttpRequest | None, product: Saveable, *, as_form: bool = False) -> SafeString:
    """The tag's answer for templates of any engine (the product cards are Jinja2)."""
    if request is None:
        return SafeString("")
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES or request.user.is_authenticated
    if not (has_session or as_form):
        # Printed on every card of every cached listing: markup here, not a template render.
        # The card's title names the product; a link name repeating it would also match
        # searches for the product's own link.
        return format_html(
            '<a class="button button--small save-button" href="{}">Save'
            '<span class="visually-hidden"> to your wishlist</span></a>',
            reverse_one("wishlist:save", kwarg="product_id", value=product.id),
        )
    saved = product.id in saved_product_ids(request)
    return render_to_string(
        "wishlist/_save_button.html",
        {**button_context(product, saved=saved), "next": request.get_full_path()},
        request=request,
    )
