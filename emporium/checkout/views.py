"""Checkout pages: one form, one summary, then the order's status page (payment comes next)."""

from __future__ import annotations

import logging
import uuid
from typing import cast

from allauth.core.ratelimit import consume
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from emporium.accounts.identity import signed_in_user
from emporium.accounts.models import User
from emporium.cart.exceptions import OutOfStock
from emporium.cart.models import Cart, CartLine
from emporium.cart.selectors import find_cart, get_cart_summary
from emporium.cart.services import remember_cart_count
from emporium.checkout.calculations import Totals
from emporium.checkout.exceptions import (
    EmptyCart,
    IdempotencyKeyReused,
    ItemNotForSale,
    ShippingMethodNotAvailable,
    ShippingMethodRequired,
    VoucherNotApplicable,
)
from emporium.checkout.forms import CheckoutForm, OrderLookupForm
from emporium.checkout.services import (
    CheckoutDetails,
    GiftCardPayment,
    apply_gift_card,
    calculate_checkout_totals,
    needs_shipping,
    place_order,
)
from emporium.giftcards.exceptions import GiftCardNotApplicable, TooManyGiftCardCodes
from emporium.giftcards.limits import limiting_wrong_gift_card_codes
from emporium.orders.invoices import invoice_html_context, invoice_pdf_response
from emporium.orders.links import ORDER_TOKEN_PARAMETER, make_order_link
from emporium.orders.selectors import get_order_for_visitor, look_up_order
from emporium.orders.services import remember_order_in_session
from emporium.promotions.exceptions import PromotionUsedUp

logger = logging.getLogger(__name__)


def _details(form: CheckoutForm) -> CheckoutDetails:
    data = form.cleaned_data
    return CheckoutDetails(
        email=data["email"],
        shipping_address=data["shipping_address"],
        billing_address=data["billing_address"],
        shipping_method=data.get("shipping_method"),
        voucher_code=data.get("voucher_code", ""),
        gift_card_code=data.get("gift_card_code", ""),
        save_shipping_address=bool(data.get("save_address")) and data.get("saved_address") is None,
    )


def _partial_details(form: CheckoutForm) -> CheckoutDetails | None:
    """What the form holds so far, if it is enough to price shipping: a method and a country."""
    form.is_valid()  # fills cleaned_data with every field that is valid so far
    data = form.cleaned_data
    method, address = data.get("shipping_method"), data.get("shipping_address") or {}
    if (method is None and form.needs_shipping) or not address.get("country"):
        return None
    return CheckoutDetails(
        email=data.get("email", ""),
        shipping_address=address,
        billing_address=address,
        shipping_method=method,
        voucher_code=data.get("voucher_code", ""),
        gift_card_code=data.get("gift_card_code", ""),
    )


def _preview_totals(
    form: CheckoutForm, *, request: HttpRequest, cart: Cart, lines: list[CartLine], customer: User | None
) -> tuple[Totals | None, GiftCardPayment | None, str]:
    """Totals for what the form holds so far and the gift card's part of them, or why they
    cannot be given (also on the field). A gift card refused leaves the totals shown; so does
    one not looked up because too many wrong codes were tried (``giftcards.limits``)."""
    currency = cart.currency
    details = _partial_details(form)
    if details is None:
        return None, None, ""
    try:
        totals, _ = calculate_checkout_totals(
            lines=lines, details=details, customer=customer, currency=currency
        )
    except VoucherNotApplicable as error:
        form.add_error("voucher_code", error.message)
        return None, None, error.message
    except ShippingMethodNotAvailable as error:
        form.add_error("shipping_method", error.message)
        return None, None, error.message
    except ShippingMethodRequired as error:  # the cart changed since the page was shown
        form.add_error(None, error.message)
        return None, None, error.message
    try:
        with limiting_wrong_gift_card_codes(
            request=request, code=details.gift_card_code, cart_key=str(cart.pk)
        ):
            gift_card = apply_gift_card(code=details.gift_card_code, totals=totals)
    except (GiftCardNotApplicable, TooManyGiftCardCodes) as error:
        form.add_error("gift_card_code", error.message)
        return totals, None, error.message
    return totals, gift_card, ""


def _checkout_context(request: HttpRequest) -> tuple[User | None, Cart | None, list[CartLine]]:
    """The customer, their cart, and its lines priced as the cart page prices them (each
    carries its promotions' part: emporium.cart.selectors.get_cart_summary)."""
    customer = signed_in_user(request)
    cart = find_cart(session=request.session, customer=customer)
    lines = get_cart_summary(cart=cart, currency=cart.currency).lines if cart else []
    return customer, cart, lines


@require_http_methods(["GET", "POST"])
def checkout_view(request: HttpRequest) -> HttpResponse:
    customer, cart, lines = _checkout_context(request)
    if cart is None:
        return redirect("cart:detail")
    placing = request.method == "POST" and "preview" not in request.POST
    if not lines and not placing:
        return redirect("cart:detail")
    initial = {"email": customer.email} if customer else {}
    form = CheckoutForm(
        request.POST or None,
        customer=customer,
        currency=cart.currency,
        initial=initial,
        needs_shipping=needs_shipping(lines) if lines else True,
    )
    totals, gift_card = None, None
    if placing and form.is_valid():
        # Even when the cart is empty: a retry of a submit that went through (a double click,
        # a reload after a timeout) emptied it, and place_order hands back that order.
        details = _details(form)
        try:
            with limiting_wrong_gift_card_codes(
                request=request, code=details.gift_card_code, cart_key=str(cart.pk)
            ):
                order = place_order(
                    cart=cart,
                    customer=customer,
                    details=details,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
        except EmptyCart:
            return redirect("cart:detail")
        except VoucherNotApplicable as error:
            form.add_error("voucher_code", error.message)
        except (GiftCardNotApplicable, TooManyGiftCardCodes) as error:
            form.add_error("gift_card_code", error.message)
        except PromotionUsedUp as error:  # the page shows the new prices with the message
            form.add_error(None, error.message)
        except ShippingMethodNotAvailable as error:
            form.add_error("shipping_method", error.message)
        except ShippingMethodRequired as error:  # goods were added in another tab meanwhile
            form.add_error(None, error.message)
        except (OutOfStock, ItemNotForSale) as error:  # the messages name the item
            form.add_error(None, error.message)
        except IdempotencyKeyReused as error:
            form.add_error(None, error.message)
            _renew_idempotency_key(form)
        except (OperationalError, InterfaceError):
            # The connection broke, possibly at the commit: the order may exist. A bare 500
            # would send the shopper to start again with a new key and buy twice.
            return _outcome_unknown(request, form=form)
        else:
            remember_order_in_session(session=request.session, order=order)
            remember_cart_count(session=request.session, cart=cart)
            if not order.accepts_payment:  # a voucher or a gift card paid for all of it
                return redirect("checkout:order-status", number=order.number)
            return redirect("payments:pay", number=order.number)  # payment is the next step
    elif request.method == "POST" and not placing:
        # Without JavaScript, "Update totals" shows what the live summary shows: what the form
        # holds so far is enough, and the fields still missing are pointed out.
        # The page shows a refusal next to its field; only the htmx summary says it in the summary.
        totals, gift_card, _ = _preview_totals(
            form, request=request, cart=cart, lines=lines, customer=customer
        )
    if not lines:
        return redirect("cart:detail")  # nothing left to check out
    context = {
        "form": form,
        "lines": lines,
        "totals": totals,
        "gift_card": gift_card,
        **_summary_context(lines, cart.currency, form),
    }
    return render(request, "checkout/checkout.html", context, status=422 if form.errors else 200)


def _outcome_unknown(request: HttpRequest, *, form: CheckoutForm) -> HttpResponse:
    """Offer to ask again with the same idempotency key: place_order then hands back the
    order if it committed, or places it once if it did not.

    Rendered without the shop's layout and context processors, which need the database
    that has just failed."""
    key = form.cleaned_data["idempotency_key"]
    logger.exception("Placing the order with idempotency key %s failed; it may have committed", key)
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    context = {
        "action": request.path,
        "fields": fields,
        "csrf_token": get_token(request),
        "idempotency_key": key,
    }
    html = get_template("checkout/outcome_unknown.html").render(context)
    return HttpResponse(html, status=503, headers={"Retry-After": "5"})


def _renew_idempotency_key(form: CheckoutForm) -> None:
    """Give the page a new key: the one it sent names another cart's order, and sending it
    again would be refused again."""
    data = cast(QueryDict, form.data).copy()  # the form is bound to request.POST
    data["idempotency_key"] = str(uuid.uuid4())
    form.data = data


def _summary_context(
    lines: list[CartLine], currency: str, form: CheckoutForm | None = None
) -> dict[str, object]:
    """What the summary shows besides the totals: the rows name the shipping method and the
    voucher, as the order's pages and e-mails do once it is placed."""
    # Only a form that was validated has cleaned_data (the first GET's has none).
    data = form.cleaned_data if form is not None and hasattr(form, "cleaned_data") else {}
    method = data.get("shipping_method")
    return {
        "subtotal": sum(line.total.amount for line in lines),
        # Before shipping is known, the promotions the lines earn (the cart page's figures).
        "promotion_discount": sum(line.promotion_discount.amount for line in lines),
        "currency": currency,
        "shipping_method_name": method.name if method is not None else "",
        "voucher_code": str(data.get("voucher_code") or "").strip().upper(),
    }


@require_POST
def checkout_totals_view(request: HttpRequest) -> HttpResponse:
    """The order summary again for what the form holds now: htmx asks on every change."""
    customer, cart, lines = _checkout_context(request)
    if cart is None or not lines:
        return HttpResponse(status=204)
    form = CheckoutForm(
        request.POST, customer=customer, currency=cart.currency, needs_shipping=needs_shipping(lines)
    )
    totals, gift_card, problem = _preview_totals(
        form, request=request, cart=cart, lines=lines, customer=customer
    )
    summary = _summary_context(lines, cart.currency, form)
    context = {"lines": lines, "totals": totals, "gift_card": gift_card, "problem": problem, **summary}
    return render(request, "checkout/_summary.html", context)


@require_GET
def order_status_view(request: HttpRequest, number: str) -> HttpResponse:
    """The order for whoever placed it: their session, their account, or the signed link of
    the confirmation page and e-mail (any browser). A link that has expired or was altered
    gets a page saying how to look the order up, with a 404 and nothing of the order."""
    token = request.GET.get(ORDER_TOKEN_PARAMETER)
    try:
        order = get_order_for_visitor(
            number=number, customer=signed_in_user(request), session=request.session, order_token=token
        )
    except Http404:
        if token is None:
            raise
        expired = {"days": settings.GUEST_ORDER_TOKEN_DAYS}
        return render(request, "checkout/order_link_expired.html", expired, status=404)
    if token is not None:
        # Paying or reloading from here goes through pages that know the session, not the link.
        remember_order_in_session(session=request.session, order=order)
    context: dict[str, object] = {"order": order}
    if order.customer_id is None:
        link = request.build_absolute_uri(make_order_link(order=order, absolute=False))
        context |= {"order_link": link, "order_link_days": settings.GUEST_ORDER_TOKEN_DAYS}
    return render(request, "checkout/order_status.html", context)


@require_GET
def order_invoice_view(request: HttpRequest, number: str) -> HttpResponse:
    """The invoice for whoever may see the order (a guest's session, or its customer)."""
    order = get_order_for_visitor(number=number, customer=signed_in_user(request), session=request.session)
    pdf_url = reverse("checkout:order-invoice-pdf", args=[order.number])
    return render(request, "orders/invoice.html", invoice_html_context(order=order, pdf_url=pdf_url))


@require_GET
def order_invoice_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_visitor(number=number, customer=signed_in_user(request), session=request.session)
    return invoice_pdf_response(order=order)


LOOKUP_NOT_FOUND = "We found no order with that number and e-mail address. Check both and try again."
LOOKUP_TOO_MANY = "Too many tries. Please wait a few minutes and try again."


@require_http_methods(["GET", "POST"])
def order_lookup_view(request: HttpRequest) -> HttpResponse:
    """A guest without the e-mail's link finds the order by its number and e-mail address.

    Rate-limited per address and per order number (ACCOUNT_RATE_LIMITS["order_lookup"]), and
    one answer for a wrong number and a wrong address (emporium.orders.selectors.look_up_order)."""
    form = OrderLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip().upper()
        if not consume(request, action="order_lookup", key=number):
            form.add_error(None, LOOKUP_TOO_MANY)
            return render(request, "checkout/order_lookup.html", {"form": form}, status=429)
        found = look_up_order(number=number, email=form.cleaned_data["email"])
        if found.sign_in_required:
            account_page = reverse("accounts:order-detail", args=[number])
            return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: account_page})}")
        if found.order is not None:
            remember_order_in_session(session=request.session, order=found.order)
            return redirect("checkout:order-status", number=found.order.number)
        form.add_error(None, LOOKUP_NOT_FOUND)
    return render(request, "checkout/order_lookup.html", {"form": form}, status=422 if form.errors else 200)
