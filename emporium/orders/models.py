"""Orders and their lines: prices, names and addresses frozen at the time of sale.

The status moves only along the transitions declared on :class:`Order` (django-fsm-2); the
services in ``emporium.orders.services`` are the only callers, and each records an
:class:`OrderEvent`. Imported orders set their status directly (``protected=False``): history
is written as it happened, not replayed through the machine.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django_fsm import FSMField, transition

from emporium.core.models import TimeStampedModel
from emporium.core.money import Money, default_currency


class OrderStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PAID = "paid", "Paid"
    FULFILLED = "fulfilled", "Fulfilled"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class StockState(models.TextChoices):
    """What an order holds of the warehouse: moved only under the order's row lock, so stock
    is given back (or shipped) exactly once however many workers race."""

    NONE = "", "None (imported)"
    RESERVED = "reserved", "Reserved"
    RELEASED = "released", "Released"
    SHIPPED = "shipped", "Shipped"
    RETURNED = "returned", "Returned to stock"


S = OrderStatus


# Transition conditions (django-fsm types them for any model).
def _awaits_cash_on_delivery(order: models.Model) -> bool:
    return isinstance(order, Order) and order.awaits_cash_on_delivery


def _is_paid_for(order: models.Model) -> bool:
    """Not waiting for cash on delivery: there is something to refund."""
    return isinstance(order, Order) and not order.awaits_cash_on_delivery


def _holds_goods(order: models.Model) -> bool:
    """The goods are still in the warehouse, reserved for this order: they may yet be sent."""
    return isinstance(order, Order) and order.stock_state == StockState.RESERVED


def _on_its_way(order: models.Model) -> bool:
    """The goods have left the warehouse and have not been delivered yet."""
    return isinstance(order, Order) and order.stock_state == StockState.SHIPPED and order.delivered_at is None


class Order(TimeStampedModel):
    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(blank=True)
    status = FSMField(max_length=24, choices=OrderStatus.choices, default=OrderStatus.UNPAID)
    currency = models.CharField(max_length=3, default=default_currency)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    placed_at = models.DateTimeField()
    country = models.CharField(max_length=64, blank=True)
    # Where the order came from outside this shop (e.g. "online-retail:536365"): makes imports idempotent.
    external_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)

    # Checkout: a retried or double-submitted checkout finds its order by this key.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    subtotal_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    tax_amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, db_default=0, help_text="VAT included in the total."
    )
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=0, db_default=0)
    shipping_method_name = models.CharField(max_length=120, blank=True, db_default="")
    voucher_code = models.CharField(max_length=40, blank=True, db_default="")
    # The part of discount_amount automatic promotions took (the rest is the voucher's), and
    # what each took, frozen as the order was placed: [{"id", "name", "scope", "amount"}], scope
    # "items" (on the lines: each line says which), "order" or "shipping" (free shipping).
    promotion_discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    applied_promotions = models.JSONField(null=True, blank=True, default=list)
    # Copies, not links: editing the address book never rewrites where an order went.
    # Nullable (and every new column has a database default) because the data generator
    # COPYs orders naming only the columns it knows.
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True, db_default="")
    paid_at = models.DateTimeField(null=True, blank=True)
    # When the goods reached the customer (mark_order_delivered): an order is delivered once,
    # even after a refund in part has moved its status on.
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Money given back so far, whatever carried it (a payment's refunds, or a refund staff record
    # for an order paid outside the shop): what caps the next refund, and what a failed refund
    # takes back off.
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    stock_state = models.CharField(
        max_length=10, choices=StockState.choices, default=StockState.NONE, db_default="", blank=True
    )
    # An unpaid order gives its reserved stock back after this time (release_expired_orders).
    reserved_until = models.DateTimeField(null=True, blank=True)
    # Cash on delivery: confirmed for fulfilment unpaid (no expiry), shipped unpaid, and marked
    # paid when the courier pays in. See awaits_cash_on_delivery and ADR 0007.
    pays_on_delivery = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-placed_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-placed_at"], name="order_customer_placed_idx"),
            models.Index(fields=["status", "-placed_at"], name="order_status_placed_idx"),
            models.Index(fields=["-placed_at"], name="order_placed_idx"),
            models.Index(
                fields=["reserved_until"],
                condition=models.Q(stock_state="reserved", status="unpaid"),
                name="order_unpaid_reserved_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)

    @property
    def subtotal(self) -> Money:
        return Money(self.subtotal_amount, self.currency)

    @property
    def shipping(self) -> Money:
        return Money(self.shipping_amount, self.currency)

    @property
    def discount(self) -> Money:
        return Money(self.discount_amount, self.currency)

    @property
    def applied_promotion_list(self) -> list[dict[str, str | int]]:
        """``applied_promotions``, or none for an order imported without the column."""
        return list(self.applied_promotions or [])

    @property
    def voucher_discount(self) -> Money:
        return Money(self.discount_amount - self.promotion_discount_amount, self.currency)

    @property
    def tax(self) -> Money:
        return Money(self.tax_amount, self.currency)

    # The part a gift card paid lives in its own row (OrderGiftCardPayment), not in a column
    # here: the order's row is read under lock everywhere, and a wider row means a longer
    # SELECT ... FOR UPDATE for every one of them. Pages load it with the order
    # (select_related("gift_card_payment")), so showing it costs no query.
    @property
    def gift_card_payment_or_none(self) -> OrderGiftCardPayment | None:
        try:
            return self.gift_card_payment
        except ObjectDoesNotExist:
            return None

    @property
    def gift_card_amount(self) -> Decimal:
        part = self.gift_card_payment_or_none
        return part.amount if part is not None else Decimal(0)

    @property
    def gift_card_last_four(self) -> str:
        part = self.gift_card_payment_or_none
        return part.last_four if part is not None else ""

    @property
    def gift_card(self) -> Money:
        return Money(self.gift_card_amount, self.currency)

    @property
    def amount_due(self) -> Money:
        """What a payment takes: the total less the gift card's part (the card paid that)."""
        return Money(self.total_amount - self.gift_card_amount, self.currency)

    @property
    def masked_gift_card(self) -> str:
        return f"\N{HORIZONTAL ELLIPSIS}{self.gift_card_last_four}" if self.gift_card_last_four else ""

    @property
    def refunded(self) -> Money:
        return Money(self.refunded_amount, self.currency)

    @property
    def refunded_to_payment(self) -> Money:
        """What went back the way the customer paid, once the gift card's part is all back on
        the card (a cancelled order, or one refunded in full): ``refunded_amount`` counts the
        card's part too, so the two are never added up twice (``record_gift_card_given_back``)."""
        return Money(max(self.refunded_amount - self.gift_card_amount, Decimal(0)), self.currency)

    @property
    def refundable(self) -> Money:
        return Money(self.total_amount - self.refunded_amount, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def accepts_payment(self) -> bool:
        """Unpaid and still holding its goods: an expired or cancelled order takes no money."""
        return self.status == OrderStatus.UNPAID and self.stock_state != StockState.RELEASED

    @property
    def awaits_cash_on_delivery(self) -> bool:
        """Cash on delivery not collected yet. The one rule that lets an order be fulfilled and
        shipped unpaid, and be marked paid after it left: the transitions below ask it."""
        return self.pays_on_delivery and self.paid_at is None

    # The one place the allowed transitions live. Side effects (stock, events, e-mails) are
    # the services' job, in emporium/orders/services.py; these only move the status.
    # Cash on delivery (conditions=[...awaits_cash_on_delivery]) adds three: fulfil and ship an
    # unpaid order, record the payment of one already on its way (the status stays), and cancel
    # one not paid for when it is refused on delivery (its goods come back to stock).
    # A refund in part (a missing item, a goodwill gesture) does not stop the order: from
    # "partially refunded" it is still fulfilled and shipped while its goods are in the
    # warehouse (_holds_goods), and delivered once they have left, unless they were delivered
    # already (_on_its_way).
    @transition(field=status, source=S.UNPAID, target=S.PAID)
    @transition(
        field=status,
        source=[S.FULFILLED, S.SHIPPED, S.DELIVERED],
        target=None,
        conditions=[_awaits_cash_on_delivery],
    )
    def pay(self) -> None:
        pass

    @transition(field=status, source=S.PAID, target=S.FULFILLED)
    @transition(
        field=status,
        source=S.UNPAID,
        target=S.FULFILLED,
        conditions=[_awaits_cash_on_delivery],
    )
    @transition(field=status, source=S.PARTIALLY_REFUNDED, target=S.FULFILLED, conditions=[_holds_goods])
    def fulfil(self) -> None:
        pass

    @transition(field=status, source=[S.PAID, S.FULFILLED], target=S.SHIPPED)
    @transition(
        field=status,
        source=S.UNPAID,
        target=S.SHIPPED,
        conditions=[_awaits_cash_on_delivery],
    )
    @transition(field=status, source=S.PARTIALLY_REFUNDED, target=S.SHIPPED, conditions=[_holds_goods])
    def ship(self) -> None:
        pass

    @transition(field=status, source=S.SHIPPED, target=S.DELIVERED)
    @transition(field=status, source=S.PARTIALLY_REFUNDED, target=S.DELIVERED, conditions=[_on_its_way])
    def deliver(self) -> None:
        pass

    # An order with nothing to ship (gift cards alone) is delivered when what it bought is
    # e-mailed: straight from paid, with no fulfil or ship step for staff (emporium.giftcards).
    @transition(field=status, source=S.PAID, target=S.DELIVERED)
    def deliver_by_email(self) -> None:
        pass

    @transition(field=status, source=[S.UNPAID, S.PAID], target=S.CANCELLED)
    @transition(
        field=status,
        source=[S.FULFILLED, S.SHIPPED],
        target=S.CANCELLED,
        conditions=[_awaits_cash_on_delivery],
    )
    def cancel(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.PAID, S.FULFILLED, S.SHIPPED, S.DELIVERED, S.PARTIALLY_REFUNDED],
        target=S.REFUNDED,
        conditions=[_is_paid_for],
    )
    def refund(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.PAID, S.FULFILLED, S.SHIPPED, S.DELIVERED, S.PARTIALLY_REFUNDED],
        target=S.PARTIALLY_REFUNDED,
        conditions=[_is_paid_for],
    )
    def refund_partially(self) -> None:
        pass


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    product_name = models.CharField(max_length=255)
    sku = models.CharField(max_length=64)
    quantity = models.IntegerField(help_text="Negative on a cancellation or refund.")
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Quantity x unit price, before any promotion."
    )
    # What promotions took off this line, and their names ("Summer sale; 3 for 2"): part of
    # the order's discount_amount, so the subtotal stays the sum of the lines' totals.
    discount_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0, db_default=0)
    discount_label = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_amount, self.order.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.order.currency)

    @property
    def discount(self) -> Money:
        return Money(self.discount_amount, self.order.currency)

    @property
    def net_total(self) -> Money:
        """What the line costs after its promotions."""
        return Money(self.total_amount - self.discount_amount, self.order.currency)

    @property
    def display_name(self) -> str:
        """The name without the product code that checkout appends to a variant with no name of
        its own ("Mug (MUG-1)"): pages print the code in a column of its own, so it shows once."""
        suffix = f" ({self.sku})"
        return self.product_name.removesuffix(suffix) if self.sku else self.product_name


class OrderGiftCardPayment(models.Model):
    """The part of an order's total a gift card paid, taken off the card as the order was
    placed (emporium.giftcards keeps the card's ledger). A means of payment, not a discount:
    the total and its VAT are the same either way; a payment takes only the rest
    (``Order.amount_due``). Written by ``placing.create_order`` with the order, never changed."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="gift_card_payment")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    last_four = models.CharField(
        max_length=4, help_text="The card's last four characters, to name it masked."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="order_gift_card_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} by gift card on {self.order_id}"


class OrderEventType(models.TextChoices):
    PLACED = "placed", "Placed"
    STATUS_CHANGED = "status_changed", "Status changed"
    STOCK_RELEASED = "stock_released", "Stock released"
    EMAIL_SENT = "email_sent", "E-mail sent"
    NOTE = "note", "Note"


class OrderEvent(models.Model):
    """The order's history: who did what, and when. Written by the services, never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=OrderEventType.choices)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]
        # The sweeps that send e-mails a broker outage kept from being queued look for the
        # orders that moved lately (orders.selectors.list_orders_moved_without_email).
        indexes = [models.Index(fields=["type", "created_at"], name="orderevent_type_created_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.get_type_display()} {self.to_status}".strip()
