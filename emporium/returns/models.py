"""Returns (RMA): a customer asks to send lines of an order back; staff move it along.

The status moves only along the transitions declared on :class:`Return` (django-fsm-2, as for
orders); ``emporium.returns.services`` is the only caller and records each step as an order
event. A line's ``quantity`` counts against what its order line bought: the services check the
sum under the order's row lock (a check constraint cannot see other rows), the database checks
that each line asks for at least one unit.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    RECEIVED = "received", "Received"
    REFUNDED = "refunded", "Refunded"


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", "Changed my mind"
    DAMAGED = "damaged", "Arrived damaged"
    WRONG_ITEM = "wrong_item", "Wrong item sent"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    OTHER = "other", "Other"


R = ReturnStatus


class Return(TimeStampedModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    # The order's customer when it was asked for (None: a guest, with the order's signed link).
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="returns"
    )
    status = FSMField(max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED)
    staff_note = models.CharField(
        max_length=255, blank=True, help_text="Shown to the customer: why a return was refused, say."
    )
    refund_shipping = models.BooleanField(default=False)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="return_customer_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(refunded_amount__gte=0), name="return_refund_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of order {self.order_id}"

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_amount, self.currency)

    # The one place the allowed moves live; side effects are the services'.
    @transition(field=status, source=R.REQUESTED, target=R.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=R.REQUESTED, target=R.REFUSED)
    def refuse(self) -> None:
        pass

    @transition(field=status, source=R.APPROVED, target=R.RECEIVED)
    def receive(self) -> None:
        pass

    @transition(field=status, source=R.RECEIVED, target=R.REFUNDED)
    def refund(self) -> None:
        pass

    # A refund the payment provider refused: the return waits, received, for another try.
    @transition(field=status, source=R.REFUNDED, target=R.RECEIVED)
    def reopen_refund(self) -> None:
        pass


class ReturnLine(models.Model):
    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    # Staff decide when the parcel is in: None until then; only resaleable units go back to stock.
    resaleable = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="return_line_once_per_return"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"
