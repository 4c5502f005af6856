"""Staff see every payment, its refunds and its provider log here, and act through the services:
capture, mark a manual payment received, refund in full or in part, clear a review flag.
Nothing is edited by hand; the log and the provider events are read-only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from emporium.accounts.identity import signed_in_user
from emporium.core.exceptions import DomainError
from emporium.core.money import Money
from emporium.payments.exceptions import GatewayUnavailable, message_for_staff
from emporium.payments.models import Payment, PaymentLogEntry, ProviderEvent, Refund, RefundState
from emporium.payments.services import (
    capture_payment,
    clear_review_flag,
    complete_refund,
    mark_payment_received,
    refund_payment,
)


def _refund_outcome(refund: Refund) -> tuple[str, int]:
    if refund.state == RefundState.SUCCEEDED:
        return f"Refunded {refund.amount} {refund.currency}.", messages.SUCCESS
    if refund.state == RefundState.PENDING:
        return (
            f"Refund {refund.pk} of {refund.amount} {refund.currency} is pending at the provider: "
            "the payment and the order follow once it confirms.",
            messages.WARNING,
        )
    return f"Refund {refund.pk} failed; the payment is flagged for review.", messages.ERROR


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "currency", "state", "provider_reference", "reason", "actor")
    readonly_fields = fields


class PaymentLogEntryInline(ReadOnlyInline):
    model = PaymentLogEntry
    fields = ("created_at", "direction", "operation", "method", "url", "status_code", "error", "duration_ms")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    """On the order's page: its payments, each linking to where staff act on it."""

    model = Payment
    fields = (
        "payment_link",
        "gateway",
        "state",
        "amount",
        "refunded_amount",
        "flagged_for_review",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="Payment")
    def payment_link(self, payment: Payment) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:payments_payment_change", args=[payment.pk]), payment.pk
        )


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Empty: all that is left.",
    )
    reason = forms.CharField(max_length=255, required=False)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin[Payment]):
    list_display = (
        "id",
        "order",
        "gateway",
        "state",
        "amount",
        "currency",
        "refunded_amount",
        "flagged_for_review",
        "created_at",
    )
    list_filter = ("state", "gateway", "flagged_for_review", "created_at")
    list_select_related = ("order",)
    search_fields = ("order__number", "provider_reference", "order__email")
    date_hierarchy = "created_at"
    raw_id_fields = ("order",)
    readonly_fields = (
        "order",
        "gateway",
        "state",
        "amount",
        "currency",
        "captured_amount",
        "refunded_amount",
        "provider_reference",
        "idempotency_key",
        "failure_code",
        "failure_message",
        "flagged_for_review",
        "review_reason",
        "cancel_requested_at",
        "refund_link",
        "created_at",
        "updated_at",
    )
    exclude = ("client_secret",)
    inlines = (RefundInline, PaymentLogEntryInline)
    show_full_result_count = False
    actions = ("capture", "mark_received", "refund_in_full", "retry_pending_refunds", "clear_flag")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="Refund")
    def refund_link(self, payment: Payment) -> str:
        if not payment.pk:
            return ""
        return format_html(
            '<a href="{}">Refund in full or in part…</a>',
            reverse("admin:payments_payment_refund", args=[payment.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        refund = path(
            "<int:payment_id>/refund/",
            self.admin_site.admin_view(self.refund_view),
            name="payments_payment_refund",
        )
        return [refund, *super().get_urls()]

    def refund_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=payment_id)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            amount = form.cleaned_data["amount"]
            try:
                refund = refund_payment(
                    payment=payment,
                    amount=Money(amount, payment.currency) if amount else None,
                    actor=signed_in_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except GatewayUnavailable as error:
                # The refund is recorded, pending; retry_pending_refunds_task resends it.
                self.message_user(request, message_for_staff(error), messages.WARNING)
                return HttpResponseRedirect(reverse("admin:payments_payment_change", args=[payment.pk]))
            except DomainError as error:
                form.add_error("amount", message_for_staff(error))
            else:
                self.message_user(request, *_refund_outcome(refund))
                return HttpResponseRedirect(reverse("admin:payments_payment_change", args=[payment.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "payment": payment,
            "form": form,
            "title": f"Refund payment {payment.pk} of order {payment.order.number}",
        }
        return render(request, "admin/payments/refund.html", context)

    def _run(
        self, request: HttpRequest, items: QuerySet[Any], change: Callable[[Any], object], done: str
    ) -> None:
        changed = 0
        for item in items.order_by("pk"):
            try:
                change(item)
                changed += 1
            except DomainError as error:
                self.message_user(request, f"{item}: {message_for_staff(error)}", messages.ERROR)
        if changed:
            self.message_user(request, f"{changed} {done}.", messages.SUCCESS)

    @admin.action(description="Capture authorized payments", permissions=["change"])
    def capture(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._run(
            request,
            queryset,
            lambda p: capture_payment(payment=p, actor=signed_in_user(request)),
            "payment(s) captured",
        )

    @admin.action(description="Mark received (bank transfer, cash on delivery)", permissions=["change"])
    def mark_received(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._run(
            request,
            queryset,
            lambda p: mark_payment_received(payment=p, actor=signed_in_user(request)),
            "payment(s) received",
        )

    @admin.action(description="Refund in full", permissions=["change"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._run(
            request,
            queryset,
            lambda p: refund_payment(payment=p, actor=signed_in_user(request)),
            "refund(s) requested",
        )

    @admin.action(description="Retry pending refunds", permissions=["change"])
    def retry_pending_refunds(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        pending = Refund.objects.filter(payment__in=queryset, state=RefundState.PENDING)
        self._run(request, pending, lambda refund: complete_refund(refund=refund), "refund(s) retried")

    @admin.action(description="Clear the review flag (after checking)", permissions=["change"])
    def clear_flag(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._run(
            request,
            queryset,
            lambda p: clear_review_flag(payment=p, actor=signed_in_user(request)),
            "payment(s) cleared",
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PaymentLogEntry)
class PaymentLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "gateway",
        "direction",
        "operation",
        "payment",
        "status_code",
        "error",
        "duration_ms",
    )
    list_filter = ("gateway", "direction", "operation")
    search_fields = ("payment__order__number", "idempotency_key")
    raw_id_fields = ("payment",)
    show_full_result_count = False


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "gateway", "type", "event_id", "payment", "deliveries", "processed_at")
    list_filter = ("gateway", "type", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id",)
    raw_id_fields = ("payment",)
    show_full_result_count = False
