"""Staff work on orders here. Every action goes through the services, so the state machine
and the order's history apply to staff exactly as to code: the payments workflows for each
step other apps follow (shipping captures a held card, cancelling gives back the voucher use
and closes open payment attempts), emporium.orders.services for the rest (delivered).

The admin of the orders app's model, kept here above payments (it shows the order's payments
and calls their workflows); its pages stay at /admin/orders/order/, the model's address."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from emporium.accounts.identity import signed_in_user
from emporium.accounts.models import User
from emporium.core.exceptions import DomainError
from emporium.core.money import Money
from emporium.orders.invoices import invoice_html_context, invoice_pdf_response
from emporium.orders.models import Order, OrderEvent, OrderLine
from emporium.orders.services import mark_order_delivered
from emporium.payments.admin import PaymentInline
from emporium.payments.exceptions import message_for_staff
from emporium.payments.services import (
    cancel_order_and_refund,
    fulfil_order,
    mark_order_paid_by_staff,
    refund_order_payment,
    ship_order,
)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = (
        "sku",
        "product_name",
        "quantity",
        "unit_price_amount",
        "total_amount",
        "discount_amount",
        "discount_label",
    )
    readonly_fields = fields
    can_delete = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ("created_at", "type", "from_status", "to_status", "actor", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        # Who did it, in the same query: a long history must not cost a query per event.
        return super().get_queryset(request).select_related("actor")


class OrderActionForm(ActionForm):
    tracking_number = forms.CharField(required=False, help_text="For “Mark shipped”.")
    # Plain text here: were it a DecimalField, Django would drop a mistyped amount and say
    # "No action selected". "Refund in part" checks it (PartialRefundForm) and shows the error.
    refund_amount = forms.CharField(required=False, max_length=20, help_text="For “Refund in part”.")


class ShipmentForm(forms.Form):
    tracking_number = forms.CharField(
        max_length=Order._meta.get_field("tracking_number").max_length, required=False, strip=True
    )


class PartialRefundForm(forms.Form):
    refund_amount = forms.DecimalField(
        label="Amount to refund", max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    reason = forms.CharField(max_length=200, required=False)


class CustomerFilter(admin.SimpleListFilter):
    """One customer's orders (``?customer_id=``), or the guests'.

    Django's related-field filter would list every customer in the sidebar, a hundred thousand
    links on a real shop. Staff reach one customer's orders from the "orders" link beside the
    customer in the list (or the customer's e-mail in search); the filter then names them.
    """

    title = "customer"
    parameter_name = "customer_id"
    GUESTS = "guests"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Order]) -> list[tuple[str, str]]:
        choices = [(self.GUESTS, "Guests (no account)")]
        value = self.value()
        if value and value.isdigit():
            email = User.objects.filter(pk=int(value)).values_list("email", flat=True).first()
            if email is not None:
                choices.insert(0, (value, email))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        value = self.value()
        if not value:
            return queryset
        if value == self.GUESTS:
            return queryset.filter(customer__isnull=True)
        if value.isdigit():
            return queryset.filter(customer_id=int(value))
        return queryset.none()  # a mistyped id finds nothing rather than everything


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin[Order]):
    list_display = (
        "number",
        "placed_at",
        "customer_link",
        "email",
        "status",
        "total_amount",
        "currency",
        "country",
        "invoice_link",
    )
    list_filter = ("status", "placed_at", CustomerFilter, "country")
    list_select_related = ("customer",)
    search_fields = ("number", "email", "customer__email")
    date_hierarchy = "placed_at"
    inlines = (OrderLineInline, PaymentInline, OrderEventInline)
    show_full_result_count = False
    action_form = OrderActionForm
    actions = (
        "mark_paid",
        "mark_fulfilled",
        "mark_shipped",
        "mark_delivered",
        "cancel",
        "refund",
        "refund_partially",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> list[str]:
        """Every field. An order is the record of a sale: its prices, currency, addresses and
        refunds are frozen, and what may change (status, stock, refunds, tracking) changes only
        through the actions below, that is through the state machine and its history. Typing
        over ``refunded_amount`` or ``pays_on_delivery`` would bypass both."""
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout (or the importer), never made up by hand

    @admin.display(description="Customer", ordering="customer__email")
    def customer_link(self, order: Order) -> str:
        if order.customer is None:
            return "Guest"
        return format_html(
            '{} (<a href="?{}={}">orders</a>)',
            order.customer.email,
            CustomerFilter.parameter_name,
            order.customer_id,
        )

    @admin.display(description="Invoice")
    def invoice_link(self, order: Order) -> str:
        return format_html(
            '<a href="{}">Invoice</a> · <a href="{}">PDF</a>',
            reverse("admin:orders_order_invoice", args=[order.pk]),
            reverse("admin:orders_order_invoice_pdf", args=[order.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        invoice = path(
            "<int:order_id>/invoice/",
            self.admin_site.admin_view(self.invoice_view),
            name="orders_order_invoice",
        )
        invoice_pdf = path(
            "<int:order_id>/invoice.pdf",
            self.admin_site.admin_view(self.invoice_pdf_view),
            name="orders_order_invoice_pdf",
        )
        return [invoice, invoice_pdf, *super().get_urls()]

    def invoice_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order.objects.prefetch_related("lines"), pk=order_id)
        pdf_url = reverse("admin:orders_order_invoice_pdf", args=[order.pk])
        return render(request, "orders/invoice.html", invoice_html_context(order=order, pdf_url=pdf_url))

    def invoice_pdf_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return invoice_pdf_response(
            order=get_object_or_404(Order.objects.prefetch_related("lines"), pk=order_id)
        )

    def _run(self, request: HttpRequest, queryset: QuerySet[Order], change: object, done: str) -> None:
        changed = 0
        for order in queryset.order_by("pk"):
            try:
                change(order)  # type: ignore[operator]
                changed += 1
            except DomainError as error:
                self.message_user(request, f"{order.number}: {message_for_staff(error)}", messages.ERROR)
        if changed:
            self.message_user(request, f"{changed} order(s) {done}.", messages.SUCCESS)

    @admin.action(description="Mark paid", permissions=["change"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(
            request,
            queryset,
            lambda order: mark_order_paid_by_staff(order=order, actor=signed_in_user(request)),
            "marked paid",
        )

    @admin.action(description="Mark fulfilled (picked and packed)", permissions=["change"])
    def mark_fulfilled(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(
            request,
            queryset,
            lambda order: fulfil_order(order=order, actor=signed_in_user(request)),
            "marked fulfilled",
        )

    @admin.action(description="Mark shipped (tracking number above)", permissions=["change"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        form = ShipmentForm({"tracking_number": request.POST.get("tracking_number", "")})
        if not form.is_valid():  # checked here, as the action form would only say "no action"
            error = form.errors["tracking_number"][0]
            self.message_user(request, f"Tracking number: {error} Nothing was shipped.", messages.ERROR)
            return
        tracking = form.cleaned_data["tracking_number"]
        self._run(
            request,
            queryset,
            lambda order: ship_order(order=order, tracking_number=tracking, actor=signed_in_user(request)),
            "shipped",
        )

    @admin.action(description="Mark delivered", permissions=["change"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(
            request,
            queryset,
            lambda order: mark_order_delivered(order=order, actor=signed_in_user(request)),
            "delivered",
        )

    @admin.action(description="Cancel (refunds what was paid)", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(
            request,
            queryset,
            lambda order: cancel_order_and_refund(
                order=order, actor=signed_in_user(request), reason="By staff"
            ),
            "cancelled",
        )

    @admin.action(description="Refund in full", permissions=["change"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._run(
            request,
            queryset,
            lambda order: refund_order_payment(order=order, actor=signed_in_user(request)),
            "refunded",
        )

    @admin.action(description="Refund in part (amount above)", permissions=["change"])
    def refund_partially(self, request: HttpRequest, queryset: QuerySet[Order]) -> HttpResponse | None:
        """Without a valid amount nothing is refunded: a page asks for it again, showing what was
        typed and why it is refused, and submitting it runs this action once more."""
        form = PartialRefundForm(
            {"refund_amount": request.POST.get("refund_amount", ""), "reason": request.POST.get("reason", "")}
        )
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Refund in part",
                "form": form,
                "orders": queryset.order_by("pk"),
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/orders/order/refund_partially.html", context)
        amount = form.cleaned_data["refund_amount"]
        self._run(
            request,
            queryset,
            lambda order: refund_order_payment(
                order=order,
                amount=Money(amount, order.currency),
                partial=True,
                actor=signed_in_user(request),
                reason=form.cleaned_data["reason"],
            ),
            "partially refunded",
        )
        return None
