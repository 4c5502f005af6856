"""Gift cards in the admin: issue a card (its code is shown once, in the message after saving),
switch one off or change its expiry, and read its ledger. Balances change only through the
services (spending, giving back, adjusting), never by editing the number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from emporium.accounts.identity import signed_in_user
from emporium.core.money import Money
from emporium.giftcards.codes import digest_code
from emporium.giftcards.exceptions import GiftCardBalanceTooLow
from emporium.giftcards.models import GiftCard, GiftCardMovement, GiftCardProduct
from emporium.giftcards.services import adjust_gift_card_balance, issue_gift_card


class GiftCardMovementInline(admin.TabularInline[GiftCardMovement, GiftCard]):
    model = GiftCardMovement
    fields = ("created_at", "kind", "amount", "balance_after", "order", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class IssueGiftCardForm(forms.ModelForm[GiftCard]):
    """What staff give when issuing a card; the code and the balance are made by the service."""

    class Meta:
        model = GiftCard
        fields = ("initial_amount", "currency", "expires_at", "owner", "recipient_email", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("initial_amount")
        if amount is not None and amount <= 0:
            self.add_error("initial_amount", "A gift card must be worth more than nothing.")
        expires_at = data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", "The expiry date must be in the future.")
        return data


class GiftCardChangeForm(forms.ModelForm[GiftCard]):
    """A card's page: its expiry, switch, owner, and a balance adjustment with its reason (a
    ledger row through ``adjust_gift_card_balance``, never an edit of the number)."""

    adjust_by = forms.DecimalField(
        label="Adjust the balance by",
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Positive to add, negative to take off; written to the ledger with the reason.",
    )
    adjust_reason = forms.CharField(label="Reason for the adjustment", max_length=255, required=False)

    class Meta:
        model = GiftCard
        fields = ("expires_at", "is_active", "owner", "recipient_email", "note")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        adjust_by = data.get("adjust_by")
        if adjust_by is None or adjust_by == 0:
            return data
        if not (data.get("adjust_reason") or "").strip():
            self.add_error("adjust_reason", "Say why the balance changes: the ledger keeps it.")
        if self.instance.balance_amount + adjust_by < 0:
            self.add_error("adjust_by", f"At most {self.instance.balance_amount} can be taken off this card.")
        return data


@admin.register(GiftCard)
class GiftCardAdmin(admin.ModelAdmin[GiftCard]):
    list_display = (
        "masked_code",
        "currency",
        "initial_amount",
        "balance_amount",
        "expires_at",
        "is_active",
        "owner",
    )
    list_filter = ("is_active", "currency")
    search_fields = ("recipient_email", "owner__email", "last_four")
    readonly_fields = (
        "masked_code",
        "currency",
        "initial_amount",
        "balance_amount",
        "issued_by",
        "bought_with",
    )
    fields = (
        "masked_code", "currency", "initial_amount", "balance_amount", "adjust_by", "adjust_reason",
        "expires_at", "is_active", "owner", "recipient_email", "issued_by", "bought_with", "note",
    )  # fmt: skip
    form = GiftCardChangeForm
    raw_id_fields = ("owner",)
    inlines = (GiftCardMovementInline,)

    @admin.display(description="Code")
    def masked_code(self, card: GiftCard) -> str:
        return card.masked_code

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[GiftCard], search_term: str
    ) -> tuple[QuerySet[GiftCard], bool]:
        """A full code typed in the search box finds its card (the shop keeps only its digest)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(code_digest=digest_code(search_term))
        return found, may_have_duplicates

    def get_form(
        self, request: HttpRequest, obj: GiftCard | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = IssueGiftCardForm
            kwargs["fields"] = IssueGiftCardForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: GiftCard | None = None) -> Any:
        return IssueGiftCardForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: GiftCard | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: GiftCard | None) -> Any:
        return () if obj is None else self.inlines

    def has_delete_permission(self, request: HttpRequest, obj: GiftCard | None = None) -> bool:
        return False  # a card with a ledger is switched off, never deleted

    def save_model(
        self, request: HttpRequest, obj: GiftCard, form: ModelForm[GiftCard], change: bool
    ) -> None:
        if change:
            # Only what the form edits: saving every column would write back the balance as it
            # was read, over a checkout that spent the card meanwhile.
            obj.save(update_fields=[*GiftCardChangeForm.Meta.fields, "updated_at"])
            adjust_by = form.cleaned_data.get("adjust_by")
            if adjust_by:  # GiftCardChangeForm checked the reason, and the balance as it was read
                try:
                    adjust_gift_card_balance(
                        card=obj,
                        amount=Money(adjust_by, obj.currency),
                        actor=signed_in_user(request),
                        note=form.cleaned_data["adjust_reason"],
                    )
                except GiftCardBalanceTooLow as error:  # spent meanwhile: checked again under its lock
                    self.message_user(
                        request, f"The balance was not adjusted: {error.message}", messages.ERROR
                    )
            return
        data = form.cleaned_data  # IssueGiftCardForm refused what the service would refuse
        issued = issue_gift_card(
            amount=Money(data["initial_amount"], data["currency"]),
            issued_by=signed_in_user(request),
            owner=data.get("owner"),
            recipient_email=data.get("recipient_email") or "",
            expires_at=data.get("expires_at"),
            note=data.get("note") or "",
        )
        obj.pk = issued.card.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            f"Gift card issued. Its code, shown this once (give it to the customer now): {issued.code}",
            messages.SUCCESS,
        )


@admin.register(GiftCardProduct)
class GiftCardProductAdmin(admin.ModelAdmin[GiftCardProduct]):
    """Which variants are sold as gift cards: each unit paid for becomes a card worth its price."""

    list_display = ("variant", "valid_days")
    raw_id_fields = ("variant",)
