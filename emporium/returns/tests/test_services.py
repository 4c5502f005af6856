"""Returns through their services: with real orders, paid, shipped and delivered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from emporium.catalog.events import stock_returned
from emporium.giftcards.models import GiftCardProduct
from emporium.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from emporium.payments.models import Payment, PaymentState
from emporium.returns.exceptions import (
    EmptyReturn,
    ReturnNotAllowed,
    ReturnQuantityExceeded,
    ReturnTransitionNotAllowed,
)
from emporium.returns.models import ReturnReason, ReturnStatus
from emporium.returns.selectors import get_returnable_quantities
from emporium.returns.services import (
    ReturnItem,
    approve_return,
    receive_return,
    refund_return,
    refuse_return,
    request_return,
)
from emporium.returns.tests.factories import make_delivered_order, variant_of
from emporium.webhooks.models import WebhookEvent, WebhookEventType
from emporium.webhooks.tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db
DAMAGED, CHANGED = ReturnReason.DAMAGED, ReturnReason.CHANGED_MIND


def _lines(order):
    return list(order.lines.order_by("pk"))


def test_a_return_of_2_of_3_lines_refunds_the_right_amount_and_restocks_only_what_is_resaleable(
    django_capture_on_commit_callbacks, mailoutbox
):
    order = make_delivered_order(lines=[("10.00", 2), ("5.00", 1), ("7.50", 3)], shipping="4.95")
    mug, lamp, jar = _lines(order)
    WebhookEndpointFactory.create(event_types=[WebhookEventType.ORDER_REFUNDED])
    heard: list[list[int]] = []
    stock_returned.connect(lambda **kw: heard.append(kw["variant_ids"]), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ret = request_return(
                order=order,
                items=[
                    ReturnItem(mug.pk, 2, CHANGED),
                    ReturnItem(jar.pk, 1, DAMAGED),
                    ReturnItem(lamp.pk, 0, ""),
                ],
            )
            ret = approve_return(return_request=ret)
            mug_line, jar_line = ret.lines.order_by("pk")
            ret = receive_return(return_request=ret, resaleable={mug_line.pk: True, jar_line.pk: False})
            ret = refund_return(return_request=ret, refund_shipping=False)
    finally:
        stock_returned.disconnect(dispatch_uid="t")

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert ret.status == ReturnStatus.REFUNDED
    assert ret.refunded_amount == Decimal("27.50")  # 2 x 10.00 + 1 x 7.50, no shipping
    assert (payment.refunded_amount, payment.state) == (Decimal("27.50"), PaymentState.PARTIALLY_REFUNDED)
    assert (order.refunded_amount, order.status) == (Decimal("27.50"), OrderStatus.PARTIALLY_REFUNDED)
    # Shipped: 10 - 2 = 8 on hand; the two mugs come back, the damaged jar does not.
    assert (variant_of(mug).stock_on_hand, variant_of(jar).stock_on_hand) == (10, 7)
    assert variant_of(lamp).stock_on_hand == 9
    assert heard == [[mug.variant_id]]
    assert WebhookEvent.objects.filter(type=WebhookEventType.ORDER_REFUNDED).count() == 1
    messages = list(
        OrderEvent.objects.filter(order=order, message__startswith="Return").values_list("message", flat=True)
    )
    assert [m.split(":")[0] for m in messages if "e-mail" not in m] == [
        f"Return {ret.pk} requested",
        f"Return {ret.pk} approved",
        f"Return {ret.pk} received",
        f"Return {ret.pk} refunded",
    ]
    subjects = [m.subject for m in mailoutbox]
    for words in ("return request", "is approved", "received your return", "is refunded"):
        assert any(words in subject for subject in subjects), words


def test_the_discount_is_shared_across_the_goods_and_shipping_is_refunded_once():
    # 40.00 of goods, 10.00 off: each pound of goods cost 0.75; shipping 5.00.
    order = make_delivered_order(lines=[("10.00", 2), ("20.00", 1)], discount="10.00", shipping="5.00")
    mug, lamp = _lines(order)

    first = request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])
    receive_return(return_request=approve_return(return_request=first), resaleable={})
    first = refund_return(return_request=first, refund_shipping=True)
    second = request_return(order=order, items=[ReturnItem(lamp.pk, 1, CHANGED)])
    receive_return(return_request=approve_return(return_request=second), resaleable={})
    second = refund_return(return_request=second, refund_shipping=True)

    assert (first.refunded_amount, second.refunded_amount) == (Decimal("12.50"), Decimal("15.00"))
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("27.50")


def test_a_lines_own_promotion_stays_with_it_and_the_voucher_is_shared_across_the_goods():
    # Three mugs at 4.00 on "3 for 2" (one free: 4.00 off that line), a lamp at 10.00, and a
    # voucher of 10% on the 18.00 the goods came to after it (1.80): 16.20 paid.
    order = make_delivered_order(lines=[("4.00", 3), ("10.00", 1)], discount="5.80")
    mugs, lamp = _lines(order)
    OrderLine.objects.filter(pk=mugs.pk).update(discount_amount=Decimal("4.00"), discount_label="3 for 2")
    Order.objects.filter(pk=order.pk).update(
        promotion_discount_amount=Decimal("4.00"),
        applied_promotions=[{"id": 1, "name": "3 for 2", "scope": "items", "amount": "4.00"}],
    )
    order.refresh_from_db()

    one_mug = request_return(order=order, items=[ReturnItem(mugs.pk, 1, CHANGED)])
    receive_return(return_request=approve_return(return_request=one_mug), resaleable={})
    the_rest = request_return(
        order=order, items=[ReturnItem(mugs.pk, 2, CHANGED), ReturnItem(lamp.pk, 1, CHANGED)]
    )
    receive_return(return_request=approve_return(return_request=the_rest), resaleable={})

    # A mug cost 8.00 / 3 after its promotion, then 90% of that after the voucher.
    assert refund_return(return_request=one_mug, refund_shipping=False).refunded_amount == Decimal("2.40")
    assert refund_return(return_request=the_rest, refund_shipping=False).refunded_amount == Decimal("13.80")
    order.refresh_from_db()
    assert order.refunded_amount == order.total_amount == Decimal("16.20")


def test_a_second_return_cannot_exceed_what_was_bought_minus_what_was_returned():
    order = make_delivered_order(lines=[("10.00", 3)])
    (mug,) = _lines(order)
    request_return(order=order, items=[ReturnItem(mug.pk, 2, CHANGED)])

    with pytest.raises(ReturnQuantityExceeded) as error:
        request_return(order=order, items=[ReturnItem(mug.pk, 2, CHANGED)])

    assert error.value.details["returnable"] == 1
    assert request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)]).lines.get().quantity == 1
    assert get_returnable_quantities(order=order) == {mug.pk: 0}
    with pytest.raises(ReturnQuantityExceeded):
        request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])


def test_a_gift_card_is_not_sent_back_the_goods_beside_it_are():
    order = make_delivered_order(lines=[("25.00", 1), ("10.00", 1)])
    gift_card, mug = _lines(order)
    GiftCardProduct.objects.create(variant=variant_of(gift_card))

    with pytest.raises(ReturnQuantityExceeded) as error:
        request_return(order=order, items=[ReturnItem(gift_card.pk, 1, CHANGED)])

    assert "gift card" in error.value.message
    assert get_returnable_quantities(order=order) == {mug.pk: 1}
    assert request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)]).lines.get().order_line == mug


def test_a_line_named_twice_adds_up_and_cannot_pass_what_was_bought():
    order = make_delivered_order(lines=[("10.00", 2)])
    (mug,) = _lines(order)

    with pytest.raises(ReturnQuantityExceeded):
        request_return(order=order, items=[ReturnItem(mug.pk, 2, CHANGED), ReturnItem(mug.pk, 1, CHANGED)])


def test_a_refused_return_gives_its_units_back_to_ask_again_and_refunds_nothing(
    mailoutbox, django_capture_on_commit_callbacks
):
    order = make_delivered_order(lines=[("10.00", 1)])
    (mug,) = _lines(order)
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])

    with django_capture_on_commit_callbacks(execute=True):
        ret = refuse_return(return_request=ret, note="Worn and washed")

    assert (ret.status, ret.staff_note) == (ReturnStatus.REFUSED, "Worn and washed")
    assert "Worn and washed" in mailoutbox[-1].body
    with pytest.raises(ReturnTransitionNotAllowed):
        refund_return(return_request=ret)
    order.refresh_from_db()
    assert order.refunded_amount == 0
    assert get_returnable_quantities(order=order) == {mug.pk: 1}


def test_steps_out_of_order_are_refused():
    order = make_delivered_order(lines=[("10.00", 1)])
    (mug,) = _lines(order)
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])

    with pytest.raises(ReturnTransitionNotAllowed):
        receive_return(return_request=ret, resaleable={})
    with pytest.raises(ReturnTransitionNotAllowed):
        refund_return(return_request=ret)


def test_the_return_window_closes_return_window_days_after_delivery(settings):
    settings.RETURN_WINDOW_DAYS = 30
    order = make_delivered_order(lines=[("10.00", 1)])
    (mug,) = _lines(order)
    assert order.delivered_at is not None
    delivered = order.delivered_at
    later = delivered + timedelta(days=30, minutes=1)

    with pytest.raises(ReturnNotAllowed) as error:
        request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)], now=later)

    assert "deadline" in error.value.details
    assert request_return(
        order=order, items=[ReturnItem(mug.pk, 1, CHANGED)], now=delivered + timedelta(days=29)
    )


def test_a_shipped_order_counts_its_window_from_shipping():
    order = make_delivered_order(lines=[("10.00", 2)], delivered=False)
    (mug,) = _lines(order)

    assert request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])
    with pytest.raises(ReturnNotAllowed):
        request_return(
            order=order, items=[ReturnItem(mug.pk, 1, CHANGED)], now=timezone.now() + timedelta(days=31)
        )


def test_an_order_not_shipped_cannot_be_returned():
    from emporium.orders.tests.factories import OrderLineFactory
    from emporium.payments.tests.factories import make_unpaid_order

    order = make_unpaid_order()
    line = OrderLineFactory.create(order=order)

    with pytest.raises(ReturnNotAllowed):
        request_return(order=order, items=[ReturnItem(line.pk, 1, CHANGED)])


def test_nothing_chosen_or_no_reason_is_refused():
    order = make_delivered_order(lines=[("10.00", 1)])
    (mug,) = _lines(order)

    with pytest.raises(EmptyReturn):
        request_return(order=order, items=[ReturnItem(mug.pk, 0, CHANGED)])
    with pytest.raises(EmptyReturn):
        request_return(order=order, items=[ReturnItem(mug.pk, 1, "bored")])


def test_a_line_of_another_order_is_refused():
    order = make_delivered_order(lines=[("10.00", 1)])
    other = make_delivered_order(lines=[("10.00", 1)])

    with pytest.raises(ReturnQuantityExceeded):
        request_return(order=order, items=[ReturnItem(other.lines.get().pk, 1, CHANGED)])


def test_refunding_twice_refunds_once():
    order = make_delivered_order(lines=[("10.00", 1)])
    (mug,) = _lines(order)
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED)])
    receive_return(return_request=approve_return(return_request=ret), resaleable={})
    refund_return(return_request=ret)

    with pytest.raises(ReturnTransitionNotAllowed):
        refund_return(return_request=ret)
    assert Payment.objects.get(order=order).refunded_amount == Decimal("10.00")


def test_the_admin_actions_run_every_step(admin_client, settings):
    settings.STAFF_MFA_REQUIRED = False  # two factors have their own tests
    order = make_delivered_order(lines=[("10.00", 1), ("4.00", 1)], shipping="2.00")
    mug, jar = _lines(order)
    ret = request_return(order=order, items=[ReturnItem(mug.pk, 1, CHANGED), ReturnItem(jar.pk, 1, DAMAGED)])
    url = "/admin/returns/return/"

    def run(action: str) -> None:
        response = admin_client.post(url, {"action": action, "_selected_action": [ret.pk]}, follow=True)
        assert response.status_code == 200

    run("approve")
    ret.lines.filter(order_line=mug).update(resaleable=True)  # ticked in the inline
    run("receive")
    run("refund_goods_and_shipping")

    ret.refresh_from_db()
    assert (ret.status, ret.refunded_amount) == (ReturnStatus.REFUNDED, Decimal("16.00"))
    assert (variant_of(mug).stock_on_hand, variant_of(jar).stock_on_hand) == (10, 9)
    assert admin_client.get(f"{url}{ret.pk}/change/").status_code == 200


def test_the_admin_refuses_a_return_without_a_note_and_says_so(admin_client, settings):
    settings.STAFF_MFA_REQUIRED = False
    order = make_delivered_order(lines=[("10.00", 1)])
    ret = request_return(order=order, items=[ReturnItem(order.lines.get().pk, 1, CHANGED)])

    response = admin_client.post(
        "/admin/returns/return/", {"action": "refuse", "_selected_action": [ret.pk]}, follow=True
    )

    assert "Say why the return is refused" in response.content.decode()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REQUESTED
