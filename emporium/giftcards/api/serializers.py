"""Input and output shapes of the gift cards API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from emporium.accounts.models import User
from emporium.core.api.fields import MoneyField
from emporium.core.money import CURRENCY_CODES
from emporium.giftcards.models import GiftCard, GiftCardMovement


class GiftCardOutput(serializers.ModelSerializer[GiftCard]):
    """A card as its owner (or staff) sees it: never its code, only the last four characters."""

    code = serializers.CharField(source="masked_code", help_text="Masked: …7KQ2. Never the full code.")
    balance = MoneyField()
    initial = MoneyField()

    class Meta:
        model = GiftCard
        fields: tuple[str, ...] = ("id", "code", "currency", "balance", "initial", "expires_at", "created_at")


class StaffGiftCardOutput(GiftCardOutput):
    class Meta(GiftCardOutput.Meta):
        fields = (
            *GiftCardOutput.Meta.fields, "is_active", "owner_id", "recipient_email", "issued_by_id", "note",
        )  # fmt: skip


class IssuedGiftCardOutput(StaffGiftCardOutput):
    full_code = serializers.SerializerMethodField(
        help_text="The card's code in full: shown in this answer only, never again. Give it to the customer."
    )

    class Meta(StaffGiftCardOutput.Meta):
        fields = (*StaffGiftCardOutput.Meta.fields, "full_code")

    def get_full_code(self, card: GiftCard) -> str:
        return str(self.context["code"])


class IssueGiftCardInput(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.ChoiceField(choices=CURRENCY_CODES, help_text="ISO 4217, e.g. GBP.")
    recipient_email = serializers.EmailField(required=False, allow_blank=True, default="")
    owner_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None, source="owner"
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry date must be in the future.")
        return value


class StaffGiftCardFilters(serializers.Serializer):
    code = serializers.CharField(required=False, max_length=40, help_text="A full code: finds its card.")
    email = serializers.CharField(
        required=False, max_length=254, help_text="The recipient's or owner's e-mail."
    )


class GiftCardMovementOutput(serializers.ModelSerializer[GiftCardMovement]):
    """One line of a card's ledger: ``amount`` is signed (spending is negative)."""

    order_number = serializers.CharField(
        source="order.number",
        default=None,
        allow_null=True,
        help_text="The order it was used on or given back from.",
    )

    class Meta:
        model = GiftCardMovement
        fields = ("id", "kind", "amount", "balance_after", "order_number", "actor_id", "note", "created_at")


class GiftCardAdjustmentInput(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="In the card's currency: positive puts money on the card, negative takes it off "
        "(never below a zero balance).",
    )
    note = serializers.CharField(
        max_length=255,
        help_text="Why the balance changes (a goodwill credit, a correction): the ledger keeps it.",
    )

    def validate_amount(self, value: Decimal) -> Decimal:
        if value == 0:
            raise serializers.ValidationError("An adjustment must change the balance.")
        return value
