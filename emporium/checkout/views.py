"""Checkout pages: one form, one summary, then the order's status page (payment comes next)."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from emporium.accounts.models import User
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart
from emporium.cart.selectors import find_cart, list_cart_lines
from emporium.cart.services import remember_cart_count
from emporium.checkout.exceptions import EmptyCart, ShippingMethodNotAvailable, VoucherNotApplicable
from emporium.checkout.forms import CheckoutForm
from emporium.checkout.services import CheckoutDetails, calculate_checkout_totals, place_order
from emporium.orders.selectors import get_order_for_visitor
from emporium.orders.services import remember_order_in_session


def _customer(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _details(form: CheckoutForm) -> CheckoutDetails:
    data = form.cleaned_data
    return CheckoutDetails(
        email=data["email"],
        shipping_address=data["shipping_address"],
        billing_address=data["billing_address"],
        shipping_method=data["shipping_method"],
        voucher_code=data.get("voucher_code", ""),
    )


@require_http_methods(["GET", "POST"])
def checkout_view(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    cart = find_cart(session=request.session, customer=customer)
    lines = list(list_cart_lines(cart=cart)) if cart else []
    if not lines:
        return redirect("cart:detail")
    initial = {"email": customer.email} if customer else {}
    form = CheckoutForm(request.POST or None, customer=customer, initial=initial)
    totals = None
    if request.method == "POST" and form.is_valid():
        details = _details(form)
        try:
            if "preview" in request.POST:
                totals, _ = calculate_checkout_totals(
                    lines=lines, details=details, customer=customer, currency=cast(Cart, cart).currency
                )
            else:
                order = place_order(
                    cart=cast(Cart, cart),
                    customer=customer,
                    details=details,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
                remember_order_in_session(session=request.session, order=order)
                remember_cart_count(session=request.session, cart=cast(Cart, cart))
                return redirect("checkout:order-status", number=order.number)
        except VoucherNotApplicable as error:
            form.add_error("voucher_code", error.message)
        except ShippingMethodNotAvailable as error:
            form.add_error("shipping_method", error.message)
        except (OutOfStock, EmptyCart) as error:
            form.add_error(None, error.message)
    subtotal = sum(line.total.amount for line in lines)
    context = {
        "form": form,
        "lines": lines,
        "totals": totals,
        "subtotal": subtotal,
        "currency": cast(Cart, cart).currency,
    }
    return render(request, "checkout/checkout.html", context, status=422 if form.errors else 200)


@require_GET
def order_status_view(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_visitor(number=number, customer=_customer(request), session=request.session)
    return render(request, "checkout/order_status.html", {"order": order})
