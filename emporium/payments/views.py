"""The storefront's payment pages: choose a method, pay, confirm. Thin callers of the services.

Who may pay is who may see the order (emporium.orders.selectors): its customer, or the guest
session that placed it. The amount is never read from the request: the services take it from
the order. Every page works without JavaScript except Stripe's, whose Payment Element needs it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from emporium.accounts.identity import signed_in_user
from emporium.orders.models import Order
from emporium.orders.selectors import get_order_for_visitor
from emporium.orders.services import remember_order_in_session
from emporium.payments.exceptions import (
    GatewayError,
    GatewayNotAvailable,
    GatewayUnavailable,
    OrderNotPayable,
    PaymentActionNotAllowed,
    PaymentDeclined,
)
from emporium.payments.forms import AuthenticationDecisionForm, ChooseMethodForm, TestCardForm
from emporium.payments.gateways.offline import TEST_CARDS, OfflineTestGateway
from emporium.payments.models import Payment, PaymentState
from emporium.payments.registry import get_gateway, list_enabled_gateways
from emporium.payments.return_tokens import is_return_token_of
from emporium.payments.selectors import get_payment_of_order
from emporium.payments.services import confirm_payment, start_payment


def _order(request: HttpRequest, number: str) -> Order:
    customer = signed_in_user(request)
    return get_order_for_visitor(number=number, customer=customer, session=request.session)


def _pay_page(
    request: HttpRequest,
    order: Order,
    *,
    card_form: TestCardForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "order": order,
        "gateways": list_enabled_gateways(),
        "card_form": card_form or TestCardForm(),
        "test_cards": TEST_CARDS,
        "error": error,
        "is_payable": order.accepts_payment,
    }
    return render(request, "payments/pay.html", context, status=status)


def _after_payment(order: Order, payment: Payment) -> HttpResponse:
    if payment.state == PaymentState.REQUIRES_ACTION:
        return redirect("payments:authenticate", number=order.number, payment_id=payment.pk)
    if payment.is_paid:
        return redirect("checkout:order-status", number=order.number)
    return redirect("payments:payment", number=order.number, payment_id=payment.pk)


@require_http_methods(["GET", "POST"])
def pay_view(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    if request.method == "GET":
        return _pay_page(request, order)
    form = ChooseMethodForm(request.POST)
    if not form.is_valid():
        return _pay_page(request, order, error="Choose one of the payment methods below.", status=422)
    try:
        payment = start_payment(order=order, gateway_name=form.cleaned_data["gateway"])
    except GatewayUnavailable as error:
        return _pay_page(request, order, error=error.message, status=503)
    except (OrderNotPayable, GatewayNotAvailable, GatewayError) as error:
        return _pay_page(request, order, error=error.message, status=409)
    return _after_payment(order, payment)


@require_POST
def test_card_view(request: HttpRequest, number: str) -> HttpResponse:
    """The test gateway's card form, on our own page: start (or resume) the payment and confirm it."""
    order = _order(request, number)
    form = TestCardForm(request.POST)
    if not form.is_valid():
        return _pay_page(request, order, card_form=form, status=422)
    try:
        payment = start_payment(order=order, gateway_name=OfflineTestGateway.name)
        payment = confirm_payment(payment=payment, details={"card_number": form.cleaned_data["card_number"]})
    except PaymentDeclined as error:
        form.add_error("card_number", f"{error.message} Try another card.")
        return _pay_page(request, order, card_form=form, status=422)
    except GatewayUnavailable as error:
        return _pay_page(request, order, card_form=form, error=error.message, status=503)
    except (OrderNotPayable, GatewayNotAvailable, PaymentActionNotAllowed) as error:
        return _pay_page(request, order, card_form=form, error=error.message, status=409)
    if payment.is_paid:
        messages.success(request, "Thank you: your payment was received.")
    return _after_payment(order, payment)


@require_GET
def payment_view(request: HttpRequest, number: str, payment_id: int) -> HttpResponse:
    """One payment: Stripe's Payment Element, bank details, cash on delivery, or where it stands."""
    order = _order(request, number)
    payment = get_payment_of_order(order=order, payment_id=payment_id)
    gateway = get_gateway(payment.gateway, enabled_only=False)
    context: dict[str, object] = {"order": order, "payment": payment, "gateway": gateway}
    context.update(gateway.payment_page_context())
    # The gateway's own page (Stripe's Payment Element) only while the payment can still be
    # paid: once the order is paid, cancelled or expired, nothing may be paid for it any more.
    if not (payment.is_open and order.accepts_payment):
        return render(request, "payments/payment.html", context)
    if gateway.confirms_on_return:
        context["return_url"] = request.build_absolute_uri(
            reverse("payments:stripe-return", kwargs={"number": order.number, "payment_id": payment.pk})
        )
    return render(request, gateway.payment_template, context)


@require_http_methods(["GET", "POST"])
def authenticate_view(request: HttpRequest, number: str, payment_id: int) -> HttpResponse:
    """The test gateway's confirmation step, standing in for a bank's 3-D Secure page."""
    order = _order(request, number)
    payment = get_payment_of_order(order=order, payment_id=payment_id)
    gateway = get_gateway(payment.gateway, enabled_only=False)
    if not gateway.authenticates_on_our_page or payment.state != PaymentState.REQUIRES_ACTION:
        return _after_payment(order, payment)
    error = ""
    if request.method == "POST":
        form = AuthenticationDecisionForm(request.POST)
        if form.is_valid():
            try:
                payment = confirm_payment(
                    payment=payment, details={"authentication": form.cleaned_data["decision"]}
                )
            except PaymentDeclined as declined:
                messages.error(request, f"{declined.message} You can pay with another card.")
                return redirect("payments:pay", number=order.number)
            except (OrderNotPayable, PaymentActionNotAllowed) as refused:
                # The order expired or was cancelled while the customer was on this step.
                messages.error(request, refused.message)
                return redirect("payments:pay", number=order.number)
            except GatewayUnavailable as unavailable:
                error = unavailable.message
            else:
                messages.success(request, "Thank you: your payment was received.")
                return _after_payment(order, payment)
    context = {"order": order, "payment": payment, "error": error}
    return render(request, "payments/authenticate.html", context, status=503 if error else 200)


@require_GET
def stripe_return_view(request: HttpRequest, number: str, payment_id: int) -> HttpResponse:
    """Where Stripe.js sends the customer back. The webhook may have been faster; either way we
    ask Stripe, and applying the same answer twice changes nothing.

    Stripe payments only: a plain GET must never confirm a bank transfer or fail a test card.
    A browser back from paying in an app (the API) shows the token the API signed into this
    address instead of a session; this browser then remembers the order, for its status page."""
    if is_return_token_of(token=request.GET.get("token"), payment_id=payment_id, order_number=number):
        order = get_object_or_404(Order, number=number)
        remember_order_in_session(session=request.session, order=order)
    order = _order(request, number)
    payment = get_payment_of_order(order=order, payment_id=payment_id)
    if not get_gateway(payment.gateway, enabled_only=False).confirms_on_return:
        raise Http404("No such Stripe payment.")
    try:
        payment = confirm_payment(payment=payment, details={})
    except PaymentDeclined as error:
        messages.error(request, error.message)
        return redirect("payments:payment", number=order.number, payment_id=payment.pk)
    except GatewayUnavailable:
        messages.info(request, "Your payment is being confirmed; this page will show it shortly.")
    except GatewayError:
        # Stripe would not tell us now; its webhook still will, if the customer paid.
        messages.warning(
            request,
            "We could not confirm your payment yet. If you completed it, this page will show it shortly.",
        )
    except (OrderNotPayable, PaymentActionNotAllowed):
        pass
    return redirect("checkout:order-status", number=order.number)
