"""Return pages: the "Return items" form of an order (customers, and guests with the order's
signed link) and a customer's list of returns. Plain forms; no JavaScript needed."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from emporium.accounts.identity import signed_in_user
from emporium.core.exceptions import DomainError
from emporium.orders.links import ORDER_TOKEN_PARAMETER
from emporium.orders.selectors import get_order_for_visitor
from emporium.returns.forms import ReturnForm
from emporium.returns.selectors import (
    get_return_deadline,
    list_customer_returns,
    list_order_returns,
    list_returnable_lines,
)
from emporium.returns.services import check_order_can_be_returned, request_return


@require_http_methods(["GET", "POST"])
def create_return_view(request: HttpRequest, number: str) -> HttpResponse:
    token = request.GET.get(ORDER_TOKEN_PARAMETER)
    customer = signed_in_user(request)
    order = get_order_for_visitor(
        number=number, customer=customer, session=request.session, order_token=token
    )
    lines = list_returnable_lines(order=order)
    form = ReturnForm(request.POST or None, lines=lines)
    refusal = None
    try:
        check_order_can_be_returned(order=order)
    except DomainError as error:
        refusal = error.message
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            created = request_return(order=order, items=form.items(), actor=customer)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Return {created.pk} requested: we will e-mail you once it is approved."
            )
            query = f"?{urlencode({ORDER_TOKEN_PARAMETER: token})}" if token else ""
            return redirect(f"{reverse('returns:create', args=[order.number])}{query}")
    context = {
        "order": order,
        "form": form,
        "refusal": refusal,
        "deadline": get_return_deadline(order=order),
        "returns": list_order_returns(order=order),
        "token": token,
    }
    return render(request, "returns/create_return.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def return_list_view(request: HttpRequest) -> HttpResponse:
    customer = signed_in_user(request)
    assert customer is not None  # login_required
    return render(request, "returns/return_list.html", {"returns": list_customer_returns(customer=customer)})
