"""Reading gift cards: a customer's own cards, staff's list, one card's ledger."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from emporium.accounts.models import User
from emporium.giftcards.codes import digest_code
from emporium.giftcards.models import GiftCard, GiftCardMovement, GiftCardProduct
from emporium.orders.models import Order


def list_gift_cards_for_customer(*, customer: User) -> QuerySet[GiftCard]:
    """The cards that are the customer's: given to their account, or issued to their e-mail
    address (a card bought as a present reaches its recipient's account by the address).
    Switched-off cards are not shown; spent and expired ones are, with their balance."""
    mine = Q(owner=customer)
    if customer.email:
        mine |= Q(recipient_email=customer.email.strip().lower())
    return GiftCard.objects.filter(mine, is_active=True).order_by("-created_at", "-pk")


def list_gift_cards_for_staff(*, code: str = "", email: str = "") -> QuerySet[GiftCard]:
    """Every card, newest first; a full code typed finds its card, an e-mail its recipient's."""
    cards = GiftCard.objects.select_related("owner")
    if code:
        cards = cards.filter(code_digest=digest_code(code))
    if email:
        cards = cards.filter(Q(recipient_email=email.strip().lower()) | Q(owner__email__iexact=email.strip()))
    return cards.order_by("-created_at", "-pk")


def list_movements(*, card: GiftCard) -> QuerySet[GiftCardMovement]:
    return card.movements.select_related("order").order_by("created_at", "pk")


def get_gift_card_for_staff(*, card_id: int) -> GiftCard:
    found = GiftCard.objects.filter(pk=card_id).first()
    if found is None:
        raise Http404("No such gift card.")
    return found


def list_gift_card_variants() -> list[tuple[int, int]]:
    """The variants sold as gift cards, as (variant id, product id): promotions never discount
    them (emporium.promotions.exclusions). One query."""
    return list(GiftCardProduct.objects.values_list("variant_id", "variant__product_id"))


def list_gift_card_variant_ids(*, variant_ids: list[int]) -> set[int]:
    """Which of these variants are gift cards (sent by e-mail: nothing to ship). One query."""
    return set(
        GiftCardProduct.objects.filter(variant_id__in=variant_ids).values_list("variant_id", flat=True)
    )


def holds_gift_cards_alone(*, order: Order) -> bool:
    """Whether the order holds gift cards and nothing else: nothing to ship, so it is delivered
    when its cards are e-mailed. A line whose variant is gone counts as goods. One query."""
    kinds = order.lines.annotate(
        is_gift_card=Exists(GiftCardProduct.objects.filter(variant_id=OuterRef("variant_id")))
    ).values_list("is_gift_card", flat=True)
    return set(kinds) == {True}
