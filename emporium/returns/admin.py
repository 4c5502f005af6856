"""Returns for order managers: tick "resaleable" on the lines and write a note on the return,
save, then run the step from the actions menu. Every step goes through the services."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from emporium.accounts.identity import signed_in_user
from emporium.core.exceptions import DomainError
from emporium.returns.models import Return, ReturnLine
from emporium.returns.services import approve_return, receive_return, refund_return, refuse_return


class ReturnLineInline(admin.TabularInline[ReturnLine, Return]):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ("order_line", "quantity", "reason", "resaleable")
    readonly_fields = ("order_line", "quantity", "reason")

    def has_add_permission(self, request: HttpRequest, obj: Return | None = None) -> bool:
        return False


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin[Return]):
    list_display = ("pk", "order", "customer", "status", "refunded_amount", "currency", "created_at")
    list_filter = ("status",)
    search_fields = ("order__number", "order__email", "customer__email")
    list_select_related = ("order", "customer")
    inlines = (ReturnLineInline,)
    fields = (
        "order", "customer", "status", "staff_note", "refund_shipping", "refunded_amount", "currency",
        "received_at", "refunded_at", "created_at",
    )  # fmt: skip
    readonly_fields = (
        "order", "customer", "status", "refund_shipping", "refunded_amount", "currency", "received_at",
        "refunded_at", "created_at",
    )  # fmt: skip
    actions = ("approve", "refuse", "receive", "refund_goods", "refund_goods_and_shipping")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers ask for returns

    def has_delete_permission(self, request: HttpRequest, obj: Return | None = None) -> bool:
        return False  # they are the order's history

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Return], step: Callable[[Return], object], done: str
    ) -> None:
        moved = 0
        for found in queryset.order_by("pk"):
            try:
                step(found)
            except DomainError as error:
                self.message_user(request, f"Return {found.pk}: {error.message}", messages.ERROR)
            else:
                moved += 1
        if moved:
            self.message_user(request, f"{moved} return(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve the selected returns", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._each(
            request,
            queryset,
            lambda r: approve_return(return_request=r, actor=signed_in_user(request)),
            "approved",
        )

    @admin.action(
        description="Refuse the selected returns (with the note written on each)", permissions=["change"]
    )
    def refuse(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._each(
            request,
            queryset,
            lambda r: refuse_return(return_request=r, note=r.staff_note, actor=signed_in_user(request)),
            "refused",
        )

    @admin.action(description="Mark received (restock the lines ticked resaleable)", permissions=["change"])
    def receive(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        def step(found: Return) -> Return:
            ticked = {line.pk: bool(line.resaleable) for line in found.lines.all()}
            return receive_return(return_request=found, resaleable=ticked, actor=signed_in_user(request))

        self._each(request, queryset, step, "received")

    @admin.action(description="Refund the returned goods", permissions=["change"])
    def refund_goods(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._each(
            request,
            queryset,
            lambda r: refund_return(return_request=r, actor=signed_in_user(request)),
            "refunded",
        )

    @admin.action(description="Refund the returned goods and the shipping", permissions=["change"])
    def refund_goods_and_shipping(self, request: HttpRequest, queryset: QuerySet[Return]) -> None:
        self._each(
            request,
            queryset,
            lambda r: refund_return(return_request=r, refund_shipping=True, actor=signed_in_user(request)),
            "refunded",
        )
