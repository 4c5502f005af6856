"""The customer's order history pages under /account/orders/: the list, each order and its
invoice. Every view needs a login, and every order is looked up through a selector scoped to
request.user, so somebody else's order number is a 404.

They are pages of the account section (its templates, its "accounts:" URL names): config/urls.py
mounts them there, because accounts sits below orders and must not import them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from emporium.accounts.identity import authenticated_user
from emporium.orders.invoices import invoice_html_context, invoice_pdf_response
from emporium.orders.selectors import get_order_for_customer, list_orders_for_customer

ORDERS_PER_PAGE = 20


@login_required
def order_list_view(request: HttpRequest) -> HttpResponse:
    # Pages, not one long table: a customer of many years (the imported shop has some with
    # hundreds of orders) would otherwise load all of them. A page number out of range or not a
    # number shows the nearest page rather than an error.
    page = Paginator(
        list_orders_for_customer(customer=authenticated_user(request)), ORDERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "accounts/order_list.html", {"orders": page.object_list, "page": page})


@login_required
def order_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_customer(customer=authenticated_user(request), number=number)
    return render(request, "accounts/order_detail.html", {"order": order})


@login_required
def order_invoice_view(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_customer(customer=authenticated_user(request), number=number)
    pdf_url = reverse("accounts:order-invoice-pdf", args=[order.number])
    return render(request, "orders/invoice.html", invoice_html_context(order=order, pdf_url=pdf_url))


@login_required
def order_invoice_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    return invoice_pdf_response(
        order=get_order_for_customer(customer=authenticated_user(request), number=number)
    )
