"""Writing gift cards: issuing, spending on an order, giving back, adjusting.

Every change of a balance happens under the card's row lock (``select_for_update``) and writes
one ledger row (:class:`GiftCardMovement`) in the same transaction, so the balance is always
the sum of the card's movements. Where a card is locked beside other rows, it comes after the
voucher and before the variants: ``place_order`` locks cart, lines, voucher, card, variants,
and the cancel and refund workflows lock order, voucher, card, then move stock. Taking a card's
money twice for one order is impossible (``place_order`` runs once per idempotency key), and
giving it back is counted from the ledger under the lock, so it happens at most once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from emporium.accounts.models import User
from emporium.core.money import Money, format_money, quantize
from emporium.giftcards.codes import digest_code, generate_code, last_four, normalize_code
from emporium.giftcards.exceptions import BoughtGiftCardSpent, GiftCardBalanceTooLow, GiftCardNotApplicable
from emporium.giftcards.models import GiftCard, GiftCardMovement, GiftCardProduct, MovementKind
from emporium.giftcards.selectors import holds_gift_cards_alone
from emporium.orders.emails import send_order_email_once
from emporium.orders.models import Order, OrderLine, OrderStatus
from emporium.orders.services import lock_order, mark_order_delivered_by_email, record_gift_card_note

ZERO = Decimal(0)


@dataclass(frozen=True)
class IssuedGiftCard:
    """A new card and its code: the only time the code exists in full outside the customer's hands."""

    card: GiftCard
    code: str


@transaction.atomic
def issue_gift_card(
    *,
    amount: Money,
    issued_by: User | None = None,
    owner: User | None = None,
    recipient_email: str = "",
    expires_at: datetime | None = None,
    bought_with: OrderLine | None = None,
    note: str = "",
) -> IssuedGiftCard:
    """Make a card worth ``amount`` with a new random code, and its "issued" ledger row."""
    currency = str(amount.currency)
    value = quantize(amount.amount, currency)
    if value <= 0:
        raise GiftCardBalanceTooLow("A gift card must be worth more than nothing.")
    if expires_at is not None and expires_at <= timezone.now():
        raise GiftCardNotApplicable("The expiry date must be in the future.")
    code = generate_code()
    card = GiftCard.objects.create(
        code_digest=digest_code(code),
        last_four=last_four(code),
        currency=currency,
        initial_amount=value,
        balance_amount=value,
        expires_at=expires_at,
        owner=owner,
        recipient_email=recipient_email.strip().lower(),
        issued_by=issued_by,
        bought_with=bought_with,
        note=note[:255],
    )
    GiftCardMovement.objects.create(
        gift_card=card,
        kind=MovementKind.ISSUED,
        amount=value,
        balance_after=value,
        actor=issued_by,
        note=note[:255],
    )
    return IssuedGiftCard(card=card, code=code)


def find_gift_card_for_payment(*, code: str, currency: str, lock: bool = False) -> GiftCard:
    """The card this code names, if it can pay an order in ``currency`` now; else
    :class:`GiftCardNotApplicable` saying why. With ``lock`` the card's row is locked for the
    caller's transaction (``place_order``), so its balance is the one that will be spent."""
    if not normalize_code(code):
        raise GiftCardNotApplicable("Enter the gift card's code.")
    cards = GiftCard.objects.select_for_update() if lock else GiftCard.objects.all()
    card = cards.filter(code_digest=digest_code(code)).first()
    if card is None:
        raise GiftCardNotApplicable("There is no gift card with this code. Check it and try again.")
    if not card.is_active:
        raise GiftCardNotApplicable("This gift card has been switched off. Please contact us.")
    if card.is_expired:
        assert card.expires_at is not None
        raise GiftCardNotApplicable(f"This gift card expired on {card.expires_at:%d %B %Y}.")
    if card.currency != currency:
        raise GiftCardNotApplicable(f"This gift card is in {card.currency}, and your order in {currency}.")
    if card.balance_amount <= 0:
        raise GiftCardNotApplicable("This gift card has nothing left to spend.")
    return card


def spend_gift_card(*, card: GiftCard, order: Order, amount: Decimal) -> GiftCardMovement:
    """Take ``amount`` off a card (locked by the caller) to pay part of ``order``.

    The UPDATE only succeeds while the balance covers the amount, so even a caller that forgot
    the lock could not take the balance below zero (and the CHECK constraint backs it up).
    """
    if amount <= 0:
        raise GiftCardNotApplicable("Nothing to take off this gift card.")
    taken = GiftCard.objects.filter(pk=card.pk, balance_amount__gte=amount).update(
        balance_amount=F("balance_amount") - amount, updated_at=timezone.now()
    )
    if not taken:
        raise GiftCardNotApplicable("This gift card does not have enough left for this order.")
    card.refresh_from_db(fields=["balance_amount"])
    return GiftCardMovement.objects.create(
        gift_card=card,
        kind=MovementKind.USED,
        amount=-amount,
        balance_after=card.balance_amount,
        order=order,
        note=f"Order {order.number}",
    )


def gift_card_part_left(*, order: Order) -> Decimal:
    """What the order took off gift cards and has not given back yet (read from the ledger)."""
    total = GiftCardMovement.objects.filter(
        order=order, kind__in=[MovementKind.USED, MovementKind.GIVEN_BACK]
    ).aggregate(total=Sum("amount"))["total"]
    return -(total or ZERO)


def give_back_gift_card(
    *, order: Order, amount: Decimal | None = None, actor: User | None = None, note: str = ""
) -> Decimal:
    """Put what ``order`` took off its gift card back on it: all that is left (``amount`` None,
    a cancellation or a full refund) or part of it (a refund in part). Returns how much went back.

    Called by the cancel and refund workflows under the order's row lock, after the voucher and
    before any stock moves. What is left to give back is read from the ledger under the card's
    lock, so two workers giving back the same order put the money back once.
    """
    used = GiftCardMovement.objects.filter(order=order, kind=MovementKind.USED).values_list(
        "gift_card_id", flat=True
    )
    card_ids = sorted(set(used))
    if not card_ids:
        return ZERO
    given = ZERO
    for card in GiftCard.objects.select_for_update().filter(pk__in=card_ids).order_by("pk"):
        left = gift_card_part_left(order=order) - given
        value = left if amount is None else min(amount - given, left)
        if value <= 0:
            break
        GiftCard.objects.filter(pk=card.pk).update(
            balance_amount=F("balance_amount") + value, updated_at=timezone.now()
        )
        card.refresh_from_db(fields=["balance_amount"])
        GiftCardMovement.objects.create(
            gift_card=card,
            kind=MovementKind.GIVEN_BACK,
            amount=value,
            balance_after=card.balance_amount,
            order=order,
            actor=actor,
            note=(note or f"Order {order.number}")[:255],
        )
        given += value
    return given


@transaction.atomic
def adjust_gift_card_balance(
    *, card: GiftCard, amount: Money, actor: User | None, note: str
) -> GiftCardMovement:
    """Staff put money on a card or take it off (a goodwill credit, a correction), with a reason.
    Returns the ledger row it adds (its ``gift_card`` the card with its new balance)."""
    card = GiftCard.objects.select_for_update().get(pk=card.pk)
    if str(amount.currency) != card.currency:
        raise GiftCardBalanceTooLow(f"This gift card is in {card.currency}.")
    value = quantize(amount.amount, card.currency)
    if value == 0:
        raise GiftCardBalanceTooLow("An adjustment must change the balance.")
    if card.balance_amount + value < 0:
        raise GiftCardBalanceTooLow(
            f"At most {format_money(card.balance)} can be taken off this gift card.",
            balance=str(card.balance_amount),
        )
    card.balance_amount += value
    card.save(update_fields=["balance_amount", "updated_at"])
    return GiftCardMovement.objects.create(
        gift_card=card,
        kind=MovementKind.ADJUSTED,
        amount=value,
        balance_after=card.balance_amount,
        actor=actor,
        note=note[:255],
    )


def switch_off_bought_gift_cards(
    *, order: Order, refuse_if_spent: bool, why: str, actor: User | None = None
) -> list[GiftCard]:
    """Switch off the gift cards ``order`` bought, as it is refunded in full or cancelled: the
    money they hold goes back to the buyer, so they must no longer pay for anything. Returns
    the cards switched off now (those already off are left as they are).

    What a shop does (Shopify disables the gift card of a refunded gift card line): the card is
    switched off, not emptied, so its ledger still explains its balance, and staff can switch
    it on again (:func:`switch_on_gift_cards`, when the provider refuses the refund). A card
    already spent, in part or all, cannot be taken back: its money bought something. With
    ``refuse_if_spent`` (staff asking, before any money moves) the whole refund or cancellation
    is refused with :class:`BoughtGiftCardSpent` naming the cards, and staff refund the order in
    part, leaving out what was spent. Without it (recording a refund the provider has already
    made, which cannot be refused) a spent card is left on and the order's history says so.

    Under the cards' row locks, in card order: a card being spent at checkout (``place_order``
    locks it too) is either spent before, and seen as spent, or refused once switched off.
    """
    with transaction.atomic():
        cards = list(GiftCard.objects.select_for_update().filter(bought_with__order=order).order_by("pk"))
        spent = [card for card in cards if card.balance_amount < card.initial_amount]
        if spent and refuse_if_spent:
            names = ", ".join(
                f"{card.masked_code} ({format_money(card.balance)} left of {format_money(card.initial)})"
                for card in spent
            )
            raise BoughtGiftCardSpent(
                f"Order {order.number} bought gift cards already spent: {names}. Their money bought "
                "something, so the order cannot be refunded in full or cancelled: refund it in part, "
                "leaving out what the cards spent.",
                cards=[card.masked_code for card in spent],
            )
        switched = [card for card in cards if card.is_active and card not in spent]
        if switched:
            GiftCard.objects.filter(pk__in=[card.pk for card in switched]).update(
                is_active=False, updated_at=timezone.now()
            )
            names = ", ".join(card.masked_code for card in switched)
            record_gift_card_note(
                order=order, message=f"Gift cards it bought switched off ({why}): {names}", actor=actor
            )
        if spent:
            names = ", ".join(card.masked_code for card in spent)
            record_gift_card_note(
                order=order,
                message=f"Gift cards it bought left on, already spent ({why}): {names}",
                actor=actor,
            )
    return switched


def switch_on_gift_cards(*, cards: list[GiftCard], order: Order, why: str, actor: User | None = None) -> None:
    """Undo :func:`switch_off_bought_gift_cards` for these cards: the refund did not happen."""
    if not cards:
        return
    with transaction.atomic():
        GiftCard.objects.filter(pk__in=[card.pk for card in cards]).update(
            is_active=True, updated_at=timezone.now()
        )
        names = ", ".join(card.masked_code for card in cards)
        record_gift_card_note(
            order=order, message=f"Gift cards it bought switched on again ({why}): {names}", actor=actor
        )


GIFT_CARD_DELIVERY_EVENT_MESSAGE = "Gift card delivery"
SENT_BY_EMAIL_MESSAGE = "Gift cards sent by e-mail: nothing to ship"


def _gift_card_lines(order: Order) -> list[tuple[OrderLine, GiftCardProduct]]:
    products = {
        product.variant_id: product
        for product in GiftCardProduct.objects.filter(
            variant_id__in=order.lines.filter(variant__isnull=False).values("variant_id")
        )
    }
    return [
        (line, products[line.variant_id])
        for line in order.lines.filter(variant_id__in=products, quantity__gt=0).order_by("pk")
        if line.variant_id is not None
    ]


def deliver_bought_gift_cards_after_commit(*, order: Order) -> None:
    """Once the transaction that marked ``order`` paid commits, issue and e-mail the gift cards
    it bought (if it bought any: one query to ask)."""
    if not GiftCardProduct.objects.filter(
        variant_id__in=order.lines.filter(variant__isnull=False).values("variant_id")
    ).exists():
        return
    from emporium.giftcards.tasks import deliver_bought_gift_cards_task

    transaction.on_commit(functools.partial(deliver_bought_gift_cards_task.delay, order_id=order.pk))


def deliver_bought_gift_cards(*, order: Order) -> list[IssuedGiftCard]:
    """Issue a card per unit of the paid order's gift card lines, worth the line's unit price,
    and e-mail their codes to the buyer; returns the cards issued now.

    One transaction under the order's row lock: the cards and the e-mail go together, so a
    mail server that fails rolls the cards back and the retried task issues them afresh (a code
    is never stored, so it could not be e-mailed later). Units that already have their card are
    skipped, so a task run twice issues nothing the second time. A worker killed between the
    send and the commit would send codes that were never stored: the customer asks, and staff
    issue the cards again (the order's history shows no delivery).

    An order of gift cards alone has nothing left to ship once they are issued: it moves from
    paid to delivered here, before the e-mail goes, so a failed send rolls that back too. One
    with goods beside them waits for staff to fulfil and ship it as usual.
    """
    with transaction.atomic():
        order = lock_order(order)
        if not order.is_paid or order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
            return []  # refunded or cancelled before the task ran: no card to switch off later
        issued: list[IssuedGiftCard] = []
        for line, product in _gift_card_lines(order):
            already = GiftCard.objects.filter(bought_with=line).count()
            expires_at = (
                timezone.now() + timedelta(days=product.valid_days)
                if product.valid_days is not None
                else None
            )
            issued += [
                issue_gift_card(
                    amount=Money(line.unit_price_amount, order.currency),
                    owner=order.customer,
                    recipient_email=order.email,
                    expires_at=expires_at,
                    bought_with=line,
                    note=f"Bought with order {order.number}",
                )
                for _ in range(line.quantity - already)
            ]
        if issued:
            if order.status == OrderStatus.PAID and holds_gift_cards_alone(order=order):
                order = mark_order_delivered_by_email(order=order, message=SENT_BY_EMAIL_MESSAGE)
            send_order_email_once(
                order=order,
                event_message=f"{GIFT_CARD_DELIVERY_EVENT_MESSAGE} ({len(issued)} cards)",
                subject=f"{settings.SITE_NAME}: your gift cards from order {order.number}",
                template="giftcards/email/gift_cards",
                extra_context={"issued": issued},
            )
    return issued
