"""The cart pages. They work without JavaScript (plain forms and redirects); with htmx the
product page's form updates the header's mini-cart in place."""

from __future__ import annotations

import contextlib
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from emporium.accounts.models import User
from emporium.cart.exceptions import CartLineNotFound, OutOfStock
from emporium.cart.forms import AddToCartForm, CartLineQuantityForm
from emporium.cart.models import Cart
from emporium.cart.selectors import find_cart, get_cart_summary
from emporium.cart.services import (
    add_to_cart,
    remember_cart_count,
    remove_cart_line,
    set_cart_line_quantity,
)


def _customer(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _cart(request: HttpRequest) -> Cart:
    return cast(Cart, request.cart)  # type: ignore[attr-defined]


@require_GET
def cart_detail_view(request: HttpRequest) -> HttpResponse:
    cart = find_cart(session=request.session, customer=_customer(request))
    summary = get_cart_summary(cart=cart, currency=cart.currency if cart else settings.DEFAULT_CURRENCY)
    errors = request.session.pop("cart_errors", {})
    return render(request, "cart/detail.html", {"summary": summary, "line_errors": errors})


@require_POST
def add_to_cart_view(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    if form.is_valid():
        try:
            variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
            add_to_cart(cart=_cart(request), variant=variant, quantity=quantity)
        except OutOfStock as error:  # the one error this form can explain next to a field
            form.add_error("quantity", error.message)
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
    form = CartLineQuantityForm(request.POST)
    cart = _cart(request)
    if not form.is_valid():
        request.session["cart_errors"] = {str(line_id): form.errors["quantity"][0]}
        return redirect("cart:detail")
    try:
        set_cart_line_quantity(cart=cart, line_id=line_id, quantity=form.cleaned_data["quantity"])
    except OutOfStock as error:
        request.session["cart_errors"] = {str(line_id): error.message}
    except CartLineNotFound:
        pass  # removed in another tab: the page shows what is left
    remember_cart_count(session=request.session, cart=cart)
    return redirect("cart:detail")


@require_POST
def remove_cart_line_view(request: HttpRequest, line_id: int) -> HttpResponse:
    cart = _cart(request)
    with contextlib.suppress(CartLineNotFound):  # already gone: the shopper wanted exactly that
        remove_cart_line(cart=cart, line_id=line_id)
    remember_cart_count(session=request.session, cart=cart)
    return redirect("cart:detail")
