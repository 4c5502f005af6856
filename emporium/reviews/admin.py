"""Moderation: new reviews wait as pending; staff approve, hide or reply, through the services,
so the product's rating follows every change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from emporium.reviews.models import Review, ReviewStatus
from emporium.reviews.services import moderate_review, reply_to_review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = (
        "product",
        "rating",
        "title",
        "customer",
        "status",
        "is_verified_purchase",
        "helpful_count",
        "created_at",
    )
    list_filter = ("status", "rating", "is_verified_purchase")
    search_fields = ("product__name", "customer__email", "title")
    list_select_related = ("product", "customer")
    ordering = ("status", "-created_at")
    actions = ("approve", "hide")
    readonly_fields = (
        "product",
        "customer",
        "rating",
        "title",
        "body",
        "status",
        "is_verified_purchase",
        "helpful_count",
        "replied_at",
        "moderated_at",
        "created_at",
    )
    fields = (
        "product",
        "customer",
        "rating",
        "title",
        "body",
        "is_verified_purchase",
        "status",
        "helpful_count",
        "moderated_at",
        "staff_reply",
        "replied_at",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews come from buyers

    @admin.action(description="Approve the selected reviews", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self._moderate(request, queryset, ReviewStatus.APPROVED)

    @admin.action(description="Hide the selected reviews", permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self._moderate(request, queryset, ReviewStatus.HIDDEN)

    def _moderate(self, request: HttpRequest, queryset: QuerySet[Review], status: ReviewStatus) -> None:
        reviews = list(queryset.exclude(status=status).order_by("pk"))
        for review in reviews:
            moderate_review(review=review, status=status)
        self.message_user(request, f"{len(reviews)} review(s) now {status.label.lower()}.", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        if "staff_reply" in form.changed_data:
            reply_to_review(review=obj, reply=obj.staff_reply)
