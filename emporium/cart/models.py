"""Carts live in the database: a visitor's cart survives a closed tab, and at login it joins
the customer's own cart, so nothing put aside is lost on the way to checkout."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money, default_currency


class Cart(TimeStampedModel):
    """A customer's cart is theirs (one each); a visitor's is found by a random token kept in
    the session. Not by the session key: login cycles the key, and the cart must survive it."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    currency = models.CharField(max_length=3, default=default_currency)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(token__isnull=False), name="cart_has_an_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.customer_id or 'a visitor'}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The price when the shopper put it in the cart: the cart says so when it changed since.
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True)

    # Not columns: set on the lines emporium.cart.selectors.get_cart_summary returns, from the
    # promotions' pricing (what they take off this line, their names, and what is left).
    promotion_discount: Money
    promotion_label: str
    promotion_total: Money

    class Meta:
        ordering: ClassVar[list[str]] = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id}"

    @property
    def unit_price(self) -> Money:
        """What the shopper pays now: today's price of the variant."""
        return self.variant.price

    @property
    def added_price(self) -> Money:
        return Money(self.unit_price_amount, self.variant.currency)

    @property
    def has_price_changed(self) -> bool:
        return self.variant.price_amount != self.unit_price_amount

    @property
    def total(self) -> Money:
        return self.variant.price * self.quantity
