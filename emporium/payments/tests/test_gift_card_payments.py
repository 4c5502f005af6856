"""An order a gift card paid part of: the payment takes only the rest, refunds send each part
back where it came from (never the card's part to the gateway), and a cancelled order gives the
card's part back once."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db.models import Sum
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.cart.tests.factories import CartFactory, CartLineFactory
from emporium.catalog.tests.factories import VariantFactory
from emporium.checkout.services import place_order
from emporium.checkout.tests.factories import ShippingMethodFactory, make_details
from emporium.core.money import Money
from emporium.core.tests.api_clients import bearer_client
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.exceptions import RefundExceedsOrderTotal
from emporium.orders.models import Order, OrderStatus
from emporium.payments.exceptions import GatewayError, GatewayUnavailable
from emporium.payments.models import PaymentState, Refund, RefundState
from emporium.payments.services import (
    cancel_order_and_refund,
    cancel_order_and_release,
    check_pending_refunds,
    confirm_payment,
    refund_order_payment,
    start_payment,
)

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4RT8-PZ3A"
SUCCEEDS = "4242 4242 4242 4242"


def _order(*, card_balance: str = "15.00") -> Order:
    """24.00 in all (20.00 of goods, 4.00 shipping), ``card_balance`` of it on the gift card."""
    GiftCardFactory.create(code=CODE, initial_amount=Decimal(card_balance))
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(price_amount=Decimal("20.00")))
    details = make_details(
        shipping_method=ShippingMethodFactory.create(price_amount=Decimal("4.00")), gift_card_code=CODE
    )
    return place_order(cart=cart, customer=None, details=details, idempotency_key=uuid4())


def _paid_by_card(order: Order) -> Order:
    payment = start_payment(order=order, gateway_name="offline")
    confirm_payment(payment=payment, details={"card_number": SUCCEEDS})
    return Order.objects.get(pk=order.pk)


def _card_balance() -> Decimal:
    from emporium.giftcards.models import GiftCard

    card = GiftCard.objects.get()
    assert card.movements.aggregate(total=Sum("amount"))["total"] == card.balance_amount
    return card.balance_amount


def test_the_payment_is_for_what_the_card_left_and_it_pays_the_order():
    order = _order()

    payment = start_payment(order=order, gateway_name="offline")
    confirm_payment(payment=payment, details={"card_number": SUCCEEDS})

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount, payment.captured_amount) == (Decimal("9.00"), Decimal("9.00"))
    assert order.status == OrderStatus.PAID
    assert not payment.flagged_for_review


def test_a_full_refund_gives_the_card_its_part_and_the_payment_only_its_own():
    order = _paid_by_card(_order())

    order = refund_order_payment(order=order)

    refund = Refund.objects.get()
    assert refund.amount == Decimal("9.00")  # never the card's 15.00
    assert _card_balance() == Decimal("15.00")
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))


def test_a_partial_refund_goes_to_the_payment_first_then_to_the_card():
    order = _paid_by_card(_order())

    order = refund_order_payment(order=order, amount=Money("12.00", "GBP"), partial=True)

    assert Refund.objects.get().amount == Decimal("9.00")
    assert _card_balance() == Decimal("3.00")
    assert (order.status, order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, Decimal("12.00"))


def test_a_refund_of_more_than_both_parts_is_refused_and_moves_nothing():
    order = _paid_by_card(_order())

    with pytest.raises(RefundExceedsOrderTotal):
        refund_order_payment(order=order, amount=Money("24.01", "GBP"), partial=True)

    assert not Refund.objects.exists()
    assert _card_balance() == Decimal(0)


def test_an_order_the_card_paid_in_full_is_refunded_onto_the_card():
    order = _order(card_balance="50.00")

    order = refund_order_payment(order=order)

    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))
    assert _card_balance() == Decimal("50.00")


def test_refunding_in_two_parts_gives_the_card_back_no_more_than_it_paid():
    order = _order(card_balance="50.00")

    refund_order_payment(order=order, amount=Money("10.00", "GBP"), partial=True)
    order = refund_order_payment(order=Order.objects.get(pk=order.pk))

    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))
    assert _card_balance() == Decimal("50.00")


def test_cancelling_an_unpaid_order_gives_the_card_its_part_back_once():
    order = _order()

    cancel_order_and_release(order=order, reason="Not paid in time")

    assert _card_balance() == Decimal("15.00")
    assert order.events.filter(message__contains="given back to gift card").count() == 1


def test_cancelling_a_paid_order_refunds_the_payment_and_gives_the_card_back():
    order = _paid_by_card(_order())

    cancel_order_and_refund(order=order, reason="Out of stock after all")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Refund.objects.get().amount == Decimal("9.00")
    assert order.payments.get().state == PaymentState.REFUNDED
    assert _card_balance() == Decimal("15.00")


def test_the_cancellation_e_mail_says_the_cards_part_is_back_on_it(
    mailoutbox, django_capture_on_commit_callbacks
):
    order = _order()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order_and_release(order=order, reason="Not paid in time")

    cancelled = next(email for email in mailoutbox if "cancelled" in email.subject)
    assert "The £15.00 your gift card \N{HORIZONTAL ELLIPSIS}PZ3A paid is back on the card." in cancelled.body


def test_the_payments_api_charges_what_the_card_left(client):
    customer = UserFactory.create()
    GiftCardFactory.create(code=CODE, initial_amount=Decimal("15.00"))
    cart = CartFactory.create()
    CartLineFactory.create(cart=cart, variant=VariantFactory.create(price_amount=Decimal("20.00")))
    details = make_details(
        shipping_method=ShippingMethodFactory.create(price_amount=Decimal("4.00")), gift_card_code=CODE
    )
    order = place_order(cart=cart, customer=customer, details=details, idempotency_key=uuid4())

    response = bearer_client(customer).post(
        "/api/v1/payments/", {"order_number": order.number, "gateway": "offline"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["amount"] == {"amount": "9.00", "currency": "GBP"}


# --- The card is credited only once the provider's refund succeeded ----------------------------

RETURN_URL = "https://shop.example/payments/orders/EM-1/1/return/"


def _paid_through_stripe(order: Order) -> Order:
    payment = start_payment(order=order, gateway_name="stripe")
    confirm_payment(payment=payment, details={"payment_method": "pm_card_visa"}, return_url=RETURN_URL)
    return Order.objects.get(pk=order.pk)


def _unchanged(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.refunded_amount,
        _card_balance(),
        order.events.filter(message__contains="gift card").count(),
    )


def test_a_full_refund_the_test_gateway_refuses_leaves_the_card_and_the_order_as_they_were(settings):
    order = _paid_by_card(_order())
    before = _unchanged(order)
    settings.OFFLINE_GATEWAY_REFUNDS = "refuse"

    refund_order_payment(order=order)

    assert Refund.objects.get().state == RefundState.FAILED
    assert _unchanged(order) == before == (OrderStatus.PAID, Decimal(0), Decimal(0), 0)


def test_a_partial_refund_the_test_gateway_refuses_does_not_credit_the_cards_share(settings):
    order = _paid_by_card(_order())
    settings.OFFLINE_GATEWAY_REFUNDS = "refuse"

    refund_order_payment(order=order, amount=Money("12.00", "GBP"), partial=True)

    assert _unchanged(order) == (OrderStatus.PAID, Decimal(0), Decimal(0), 0)


def test_the_card_is_credited_in_the_transaction_that_records_the_test_gateways_success():
    order = _paid_by_card(_order())

    order = refund_order_payment(order=order)

    refund = Refund.objects.get()
    assert (refund.state, refund.gift_card_amount) == (RefundState.SUCCEEDED, Decimal("15.00"))
    assert _card_balance() == Decimal("15.00")
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_full_refund_stripe_refuses_leaves_the_card_and_the_order_as_they_were(fake_stripe):
    order = _paid_through_stripe(_order())
    fake_stripe.refund_status = "failed"

    refund_order_payment(order=order)

    assert Refund.objects.get().state == RefundState.FAILED
    assert fake_stripe.requests_to("/v1/refunds")[0].form["amount"] == "900"  # never the card's part
    assert _unchanged(order) == (OrderStatus.PAID, Decimal(0), Decimal(0), 0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_full_refund_stripe_cannot_take_leaves_the_card_and_the_order_as_they_were(fake_stripe):
    order = _paid_through_stripe(_order())
    intent = order.payments.get().provider_reference
    fake_stripe.refunds["re_dashboard"] = {"id": "re_dashboard", "payment_intent": intent, "amount": 900}

    with pytest.raises(GatewayError):
        refund_order_payment(order=order)

    assert _unchanged(order) == (OrderStatus.PAID, Decimal(0), Decimal(0), 0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_pending_stripe_refund_credits_the_card_only_once_stripe_says_it_succeeded(fake_stripe):
    order = _paid_through_stripe(_order())
    fake_stripe.refund_status = "pending"

    refund_order_payment(order=order)
    balance_while_pending = _card_balance()
    refund = Refund.objects.get()
    fake_stripe.refunds[refund.provider_reference]["status"] = "succeeded"
    Refund.objects.filter(pk=refund.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    check_pending_refunds()
    check_pending_refunds(now=timezone.now() + timedelta(hours=2))  # settled once, credited once

    order.refresh_from_db()
    assert balance_while_pending == Decimal(0)
    assert _card_balance() == Decimal("15.00")
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_full_refund_through_stripe_gives_each_part_back_where_it_came_from(fake_stripe):
    order = _paid_through_stripe(_order())

    order = refund_order_payment(order=order)

    assert fake_stripe.requests_to("/v1/refunds")[0].form["amount"] == "900"
    assert _card_balance() == Decimal("15.00")
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, Decimal("24.00"))


# --- Cancelled after payment: the card's part is counted once --------------------------------


def test_cancelling_a_paid_order_counts_the_cards_part_as_refunded_once():
    order = _paid_by_card(_order())

    cancel_order_and_refund(order=order, reason="Out of stock after all")

    order.refresh_from_db()
    assert order.refunded_amount == Decimal("24.00")  # 9.00 to the payment, 15.00 to the card
    assert list(order.events.filter(message__contains="gift card").values_list("message", flat=True)) == [
        "£15.00 given back to gift card \N{HORIZONTAL ELLIPSIS}PZ3A (counted as refunded)"
    ]


def test_cancelling_an_unpaid_order_refunds_nothing_though_the_card_gets_its_part():
    order = _order()

    cancel_order_and_release(order=order, reason="Not paid in time")

    order.refresh_from_db()
    assert (order.refunded_amount, _card_balance()) == (Decimal(0), Decimal("15.00"))


def test_the_cancellation_e_mail_of_a_paid_order_names_each_part_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    order = _paid_by_card(_order())

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order_and_refund(order=order, reason="Out of stock after all")

    cancelled = next(email for email in mailoutbox if "cancelled" in email.subject)
    assert "We have refunded £9.00 to the way you paid" in cancelled.body
    assert "The £15.00 your gift card \N{HORIZONTAL ELLIPSIS}PZ3A paid is back on the card." in cancelled.body


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_full_refund_stripe_never_answered_then_a_cancellation_gives_the_card_its_part_once(
    fake_stripe, settings, closed_port_url
):
    order = _paid_through_stripe(_order())
    settings.STRIPE_API_BASE = closed_port_url
    with pytest.raises(GatewayUnavailable):
        refund_order_payment(order=order)
    unanswered = _unchanged(order)
    settings.STRIPE_API_BASE = fake_stripe.url

    cancel_order_and_refund(order=order, reason="Refund it all")  # resends the unanswered refund

    order.refresh_from_db()
    assert unanswered == (OrderStatus.PAID, Decimal(0), Decimal(0), 0)
    assert (order.status, order.refunded_amount, _card_balance()) == (
        OrderStatus.CANCELLED,
        Decimal("24.00"),
        Decimal("15.00"),
    )
    assert Refund.objects.get().state == RefundState.SUCCEEDED
