from decimal import Decimal
from typing import cast

import factory
from factory.django import DjangoModelFactory

from emporium.giftcards.codes import digest_code, generate_code, last_four
from emporium.giftcards.models import GiftCard, GiftCardMovement, MovementKind


def write_issued_movement(card: GiftCard) -> None:
    """The ledger of a card made with a balance of its own: issued, then adjusted to it."""
    GiftCardMovement.objects.create(
        gift_card=card,
        kind=MovementKind.ISSUED,
        amount=card.initial_amount,
        balance_after=card.initial_amount,
    )
    if card.balance_amount != card.initial_amount:
        GiftCardMovement.objects.create(
            gift_card=card,
            kind=MovementKind.ADJUSTED,
            amount=card.balance_amount - card.initial_amount,
            balance_after=card.balance_amount,
        )


class GiftCardFactory(DjangoModelFactory[GiftCard]):
    """A card with a known code: ``GiftCardFactory(code="...")`` to type it at checkout.

    Its "issued" ledger row is written too, so the ledger sums to the balance as it would."""

    class Meta:
        model = GiftCard
        exclude = ("code",)
        skip_postgeneration_save = True

    code = factory.LazyFunction(generate_code)
    code_digest = factory.LazyAttribute(lambda card: digest_code(card.code))
    last_four = factory.LazyAttribute(lambda card: last_four(card.code))
    currency = "GBP"
    initial_amount = Decimal("50.00")
    balance_amount = factory.SelfAttribute("initial_amount")

    @factory.post_generation
    def issued(obj: object, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            write_issued_movement(cast(GiftCard, obj))
