"""Products a customer saved for later. A visitor's are kept in the session (services) and
join the account at login."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WishlistItem(models.Model):
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "product"], name="wishlist_item_once")]
        # The wishlist page and API list a customer's items newest first.
        indexes = [models.Index(fields=["customer", "-created_at"], name="wishlist_customer_newest_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} saved {self.product_id}"
