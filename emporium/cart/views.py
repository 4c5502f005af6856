"""The cart pages. They work without JavaScript (plain forms and redirects); with htmx the
product page's form updates the header's mini-cart in place."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from emporium.accounts.identity import signed_in_user
from emporium.cart.exceptions import CartLineNotFound, CurrencyMismatch, OutOfStock
from emporium.cart.forms import AddToCartForm, CartLineQuantityForm
from emporium.cart.models import Cart, CartLine
from emporium.cart.selectors import find_cart, get_cart_summary
from emporium.cart.services import (
    add_to_cart,
    remember_cart_count,
    remove_cart_line,
    set_cart_line_quantity,
)
from emporium.cart.signals import variant_added_to_cart


def _cart(request: HttpRequest) -> Cart:
    return cast(Cart, request.cart)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CartRow:
    """A line as the cart page shows it: the quantity box holds what the shopper typed when
    it was refused, with the reason beside it, so they can correct it rather than retype."""

    line: CartLine
    quantity: str
    error: str = ""


def _render_cart(
    request: HttpRequest,
    *,
    refused: tuple[int, str, str] | None = None,
    template: str = "cart/detail.html",
    status: int = 200,
    cart_count: int | None = None,
) -> HttpResponse:
    """The cart page (or its contents, for htmx); ``refused`` is (line id, typed, error)."""
    cart = find_cart(session=request.session, customer=signed_in_user(request))
    summary = get_cart_summary(cart=cart, currency=cart.currency if cart else settings.DEFAULT_CURRENCY)
    rows = [
        CartRow(line=line, quantity=refused[1], error=refused[2])
        if refused is not None and line.pk == refused[0]
        else CartRow(line=line, quantity=str(line.quantity))
        for line in summary.lines
    ]
    context: dict[str, object] = {"summary": summary, "rows": rows}
    if cart_count is not None:  # an htmx answer also updates the header's count
        context.update(cart_count=cart_count, oob=True)
    return render(request, template, context, status=status)


@require_GET
def cart_detail_view(request: HttpRequest) -> HttpResponse:
    return _render_cart(request)


@require_POST
def add_to_cart_view(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    if form.is_valid():
        try:
            variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
            add_to_cart(cart=_cart(request), variant=variant, quantity=quantity)
            variant_added_to_cart.send(sender=Cart, request=request, variant=variant, quantity=quantity)
        except OutOfStock as error:
            form.add_error("quantity", error.message)
        except CurrencyMismatch as error:  # an item priced in another currency than the cart
            form.add_error("variant", error.message)
    is_htmx = bool(getattr(request, "htmx", False))
    if form.errors:
        template = "cart/_add_feedback.html" if is_htmx else "cart/add_error.html"
        return render(request, template, {"form": form}, status=422)
    count = remember_cart_count(session=request.session, cart=_cart(request))
    if is_htmx:
        context = {"form": form, "added": True, "cart_count": count, "oob": True}
        return render(request, "cart/_add_feedback.html", context)
    return redirect("cart:detail")


@require_POST
def update_cart_line_view(request: HttpRequest, line_id: int) -> HttpResponse:
    """Without JavaScript: back to the cart, or the cart again (422) with the refusal on the
    line. With htmx: the cart's contents in place, and the header's count out of band."""
    form = CartLineQuantityForm(request.POST)
    cart = _cart(request)
    error = ""
    if not form.is_valid():
        error = str(form.errors["quantity"][0])
    else:
        try:
            set_cart_line_quantity(cart=cart, line_id=line_id, quantity=form.cleaned_data["quantity"])
        except OutOfStock as refusal:
            error = refusal.message
        except CartLineNotFound:
            pass  # removed in another tab: the page shows what is left
    count = remember_cart_count(session=request.session, cart=cart)
    is_htmx = bool(getattr(request, "htmx", False))
    if not error and not is_htmx:
        return redirect("cart:detail")
    return _render_cart(
        request,
        refused=(line_id, request.POST.get("quantity", ""), error) if error else None,
        template="cart/_contents.html" if is_htmx else "cart/detail.html",
        status=422 if error else 200,
        cart_count=count if is_htmx else None,
    )


@require_POST
def remove_cart_line_view(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = _cart(request)
    with contextlib.suppress(CartLineNotFound):  # already gone: the shopper wanted exactly that
        remove_cart_line(cart=cart, line_id=line_id)
    remember_cart_count(session=request.session, cart=cart)
    return redirect("cart:detail")
