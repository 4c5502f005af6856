import itertools
from dataclasses import dataclass
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.models import Product
from emporium.catalog.tests.factories import ProductFactory
from emporium.recommendations.models import (
    CustomerList,
    CustomerListKind,
    Event,
    EventKind,
    ModelVersion,
    ModelVersionStatus,
    NeighbourList,
)


class ModelVersionFactory(DjangoModelFactory[ModelVersion]):
    """An active, ready version by default: what the storefront reads."""

    class Meta:
        model = ModelVersion

    status = ModelVersionStatus.READY
    is_active = True
    finished_at = factory.LazyFunction(timezone.now)


@dataclass(frozen=True)
class ListEntry:
    """What a test put into a list: the list's row, the listed product and its 1-based rank."""

    row: NeighbourList | CustomerList
    product: Product  # for a neighbour list: the product whose page shows the list
    listed: Product
    rank: int

    @property
    def product_id(self) -> int:
        return self.listed.pk if isinstance(self.row, CustomerList) else self.product.pk


class ProductNeighbourFactory:
    """Puts ``neighbour`` at ``rank`` in ``product``'s neighbour list (made when missing)."""

    _ranks = itertools.count(1)

    @classmethod
    def create(
        cls,
        *,
        version: ModelVersion | None = None,
        product: Product | None = None,
        neighbour: Product | None = None,
        rank: int | None = None,
        score: float = 1.0,
    ) -> ListEntry:
        version = version or ModelVersionFactory.create()
        product = product or ProductFactory.create()
        neighbour = neighbour or ProductFactory.create()
        rank = rank if rank is not None else next(cls._ranks)
        row, _ = NeighbourList.objects.get_or_create(version=version, product=product)
        row.neighbour_ids, row.scores = _insert(
            list(zip(row.neighbour_ids, row.scores, strict=True)), rank=rank, entry=(neighbour.pk, score)
        )
        row.save()
        return ListEntry(row=row, product=product, listed=neighbour, rank=rank)


class CustomerRecommendationFactory:
    """Puts ``product`` at ``rank`` in one of ``customer``'s lists (made when missing)."""

    _ranks = itertools.count(1)
    everyone = False

    @classmethod
    def create(
        cls,
        *,
        version: ModelVersion | None = None,
        customer: Any = None,
        kind: CustomerListKind | None = None,
        product: Product | None = None,
        rank: int | None = None,
    ) -> ListEntry:
        version = version or ModelVersionFactory.create()
        if cls.everyone:
            customer, kind = None, CustomerListKind.POPULAR
        else:
            customer = customer or UserFactory.create()
            kind = kind or CustomerListKind.FOR_YOU
        product = product or ProductFactory.create()
        rank = rank if rank is not None else next(cls._ranks)
        row, _ = CustomerList.objects.get_or_create(version=version, customer=customer, kind=kind)
        ids, _scores = _insert([(pk, 0) for pk in row.product_ids], rank=rank, entry=(product.pk, 0))
        row.product_ids = ids
        row.save()
        return ListEntry(row=row, product=product, listed=product, rank=rank)


class PopularProductFactory(CustomerRecommendationFactory):
    """A rank in everyone's popular list."""

    everyone = True


def _insert(entries: list[tuple[int, Any]], *, rank: int, entry: tuple[int, Any]) -> tuple[list, list]:
    """The list with ``entry`` at ``rank``: entries keep their order, ranks only say where it goes."""
    position = min(max(rank - 1, 0), len(entries))
    entries = [*entries[:position], entry, *entries[position:]]
    return [pk for pk, _ in entries], [value for _, value in entries]


class EventFactory(DjangoModelFactory[Event]):
    class Meta:
        model = Event

    kind = EventKind.VIEW
    product = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    occurred_at = factory.LazyFunction(timezone.now)
