from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from emporium.accounts.tests.factories import StaffUserFactory
from emporium.core.money import Money
from emporium.giftcards.codes import digest_code, generate_code, normalize_code
from emporium.giftcards.exceptions import GiftCardBalanceTooLow, GiftCardNotApplicable
from emporium.giftcards.models import GiftCard, GiftCardMovement, MovementKind
from emporium.giftcards.services import (
    adjust_gift_card_balance,
    find_gift_card_for_payment,
    gift_card_part_left,
    give_back_gift_card,
    issue_gift_card,
    spend_gift_card,
)
from emporium.giftcards.tests.factories import GiftCardFactory
from emporium.orders.tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4RT8-PZ3A"


def _ledger_sum(card: GiftCard) -> Decimal:
    return card.movements.aggregate(total=Sum("amount"))["total"]


def test_an_issued_card_keeps_only_a_digest_of_its_code_and_shows_it_masked():
    issued = issue_gift_card(amount=Money("25.00", "GBP"), issued_by=StaffUserFactory.create())

    card = GiftCard.objects.get()
    assert card.code_digest == digest_code(issued.code)
    assert issued.code.replace("-", "") not in str(GiftCard.objects.values().get())
    assert card.masked_code == "\N{HORIZONTAL ELLIPSIS}" + issued.code[-4:]
    assert (card.balance_amount, card.initial_amount, _ledger_sum(card)) == (Decimal("25.00"),) * 3


def test_a_code_is_found_in_any_case_with_spaces_or_without_dashes():
    card = GiftCardFactory.create(code=CODE)

    found = find_gift_card_for_payment(code=" 7kq2 m9xd4rt8-pz3a ", currency="GBP")

    assert found == card


def test_codes_are_random_and_read_the_same_when_o_and_i_are_typed_for_0_and_1():
    assert len({generate_code() for _ in range(50)}) == 50
    assert normalize_code("O1I-L") == "0111"


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"code": "0000-0000-0000-0001"}, "There is no gift card with this code"),
        ({"expires_at": timezone.now() - timedelta(days=1)}, "This gift card expired"),
        ({"is_active": False}, "switched off"),
        ({"currency": "EUR"}, "This gift card is in EUR"),
        ({"balance_amount": Decimal(0)}, "nothing left"),
    ],
)
def test_a_card_that_cannot_pay_is_refused_with_the_reason(card, message):
    GiftCardFactory.create(**({"code": CODE} | card))

    with pytest.raises(GiftCardNotApplicable, match=message):
        find_gift_card_for_payment(code=CODE, currency="GBP")


def test_an_empty_code_is_refused():
    with pytest.raises(GiftCardNotApplicable, match="Enter"):
        find_gift_card_for_payment(code=" - ", currency="GBP")


def test_spending_takes_the_amount_off_and_writes_the_ledger():
    card = GiftCardFactory.create(code=CODE, initial_amount=Decimal("30.00"))
    order = OrderFactory.create()

    spend_gift_card(card=card, order=order, amount=Decimal("12.50"))

    card.refresh_from_db()
    assert card.balance_amount == Decimal("17.50") == _ledger_sum(card)
    assert gift_card_part_left(order=order) == Decimal("12.50")


def test_spending_more_than_the_balance_is_refused():
    card = GiftCardFactory.create(initial_amount=Decimal("5.00"))

    with pytest.raises(GiftCardNotApplicable, match="enough"):
        spend_gift_card(card=card, order=OrderFactory.create(), amount=Decimal("5.01"))


def test_the_database_refuses_a_negative_balance():
    card = GiftCardFactory.create(initial_amount=Decimal("5.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card.pk).update(balance_amount=Decimal("-0.01"))


def test_giving_back_returns_what_the_order_took_once():
    card = GiftCardFactory.create(initial_amount=Decimal("30.00"))
    order = OrderFactory.create()
    spend_gift_card(card=card, order=order, amount=Decimal("20.00"))

    first = give_back_gift_card(order=order)
    second = give_back_gift_card(order=order)

    card.refresh_from_db()
    assert (first, second) == (Decimal("20.00"), Decimal(0))
    assert card.balance_amount == Decimal("30.00") == _ledger_sum(card)


def test_giving_back_in_part_leaves_the_rest_to_give_back_later():
    card = GiftCardFactory.create(initial_amount=Decimal("30.00"))
    order = OrderFactory.create()
    spend_gift_card(card=card, order=order, amount=Decimal("20.00"))

    give_back_gift_card(order=order, amount=Decimal("5.00"))

    assert gift_card_part_left(order=order) == Decimal("15.00")
    assert give_back_gift_card(order=order, amount=Decimal("50.00")) == Decimal("15.00")


def test_an_order_without_a_card_gives_nothing_back():
    assert give_back_gift_card(order=OrderFactory.create()) == Decimal(0)


def test_staff_adjust_a_balance_with_a_reason_in_the_ledger():
    card = GiftCardFactory.create(initial_amount=Decimal("10.00"))
    staff = StaffUserFactory.create()

    adjust_gift_card_balance(card=card, amount=Money("-4.00", "GBP"), actor=staff, note="Goodwill taken back")

    card.refresh_from_db()
    movement = card.movements.get(kind=MovementKind.ADJUSTED)
    assert (card.balance_amount, movement.actor, movement.note) == (
        Decimal("6.00"),
        staff,
        "Goodwill taken back",
    )


def test_an_adjustment_below_zero_is_refused():
    card = GiftCardFactory.create(initial_amount=Decimal("10.00"))

    with pytest.raises(GiftCardBalanceTooLow, match="At most"):
        adjust_gift_card_balance(card=card, amount=Money("-10.01", "GBP"), actor=None, note="")


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_a_card_worth_nothing_is_not_issued(amount):
    with pytest.raises(GiftCardBalanceTooLow):
        issue_gift_card(amount=Money(amount, "GBP"))
    assert not GiftCardMovement.objects.exists()


def test_a_card_cannot_be_issued_already_expired():
    with pytest.raises(GiftCardNotApplicable):
        issue_gift_card(amount=Money("5", "GBP"), expires_at=timezone.now() - timedelta(minutes=1))
