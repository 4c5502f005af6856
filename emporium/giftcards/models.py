"""Gift cards and their ledger.

A card's ``balance_amount`` is what is left to spend; every change of it is a
:class:`GiftCardMovement` written in the same transaction under the card's row lock, so the
balance is always the sum of the card's movements (issued, used on an order, given back when
an order is cancelled or refunded, adjusted by staff) and can be explained line by line. The
database refuses a balance below zero whatever the code does.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money, default_currency
from emporium.giftcards.codes import mask


class GiftCardQuerySet(models.QuerySet["GiftCard"]):
    def usable(self) -> GiftCardQuerySet:
        """Active, not expired, something left on it."""
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now), is_active=True, balance_amount__gt=0
        )


class GiftCard(TimeStampedModel):
    # The code itself is never stored: its SHA-256 digest finds the card (emporium.giftcards.codes).
    code_digest = models.CharField(max_length=64, unique=True, editable=False)
    last_four = models.CharField(max_length=4, editable=False)
    currency = models.CharField(max_length=3, default=default_currency)
    initial_amount = models.DecimalField(max_digits=12, decimal_places=2)
    balance_amount = models.DecimalField(max_digits=12, decimal_places=2)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    is_active = models.BooleanField(default=True, help_text="Untick to stop the card being used.")
    # Who the card is for: a customer's account, or an e-mail address (a customer who signs up
    # with it sees the card too).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="gift_cards"
    )
    recipient_email = models.EmailField(blank=True)
    # Where it came from: a member of staff, or the order line that bought it.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bought_with = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)

    objects: ClassVar[GiftCardQuerySet] = GiftCardQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_amount__gte=0), name="gift_card_balance_not_negative"),
            models.CheckConstraint(condition=Q(initial_amount__gt=0), name="gift_card_initial_positive"),
        ]
        indexes = [models.Index(fields=["recipient_email"], name="gift_card_recipient_idx")]

    def __str__(self) -> str:
        return f"Gift card {self.masked_code}"

    @property
    def masked_code(self) -> str:
        return mask(self.last_four)

    @property
    def balance(self) -> Money:
        return Money(self.balance_amount, self.currency)

    @property
    def initial(self) -> Money:
        return Money(self.initial_amount, self.currency)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class MovementKind(models.TextChoices):
    ISSUED = "issued", "Issued"
    USED = "used", "Used on an order"
    GIVEN_BACK = "given_back", "Given back (order cancelled or refunded)"
    ADJUSTED = "adjusted", "Adjusted by staff"


class GiftCardMovement(models.Model):
    """One change of a card's balance: ``amount`` is signed (spending is negative)."""

    gift_card = models.ForeignKey(GiftCard, on_delete=models.CASCADE, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(max_digits=12, decimal_places=2)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="gift_card_movements"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="gift_card_movement_balance"),
            models.CheckConstraint(condition=~Q(amount=0), name="gift_card_movement_not_zero"),
            # Spending takes money off, giving back and issuing put it on.
            models.CheckConstraint(
                condition=Q(kind="used", amount__lt=0)
                | Q(kind__in=["issued", "given_back"], amount__gt=0)
                | Q(kind="adjusted"),
                name="gift_card_movement_sign",
            ),
        ]
        indexes = [models.Index(fields=["order", "gift_card"], name="gift_card_movement_order_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.gift_card.currency)


class GiftCardProduct(models.Model):
    """A variant the shop sells as a gift card: each unit paid for becomes a card worth the
    line's unit price, e-mailed to the buyer (``deliver_bought_gift_cards``). Kept here rather
    than as a catalog field: the catalog knows nothing of gift cards."""

    variant = models.OneToOneField("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    valid_days = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: cards never expire.")

    def __str__(self) -> str:
        return f"Gift card product {self.variant_id}"
