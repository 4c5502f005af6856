import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from emporium.recommendations.models import (
    CustomerListKind,
    CustomerRecommendation,
    Event,
    EventKind,
    ModelVersion,
    ModelVersionStatus,
    ProductNeighbour,
)


class ModelVersionFactory(DjangoModelFactory[ModelVersion]):
    """An active, ready version by default: what the storefront reads."""

    class Meta:
        model = ModelVersion

    status = ModelVersionStatus.READY
    is_active = True
    finished_at = factory.LazyFunction(timezone.now)


class ProductNeighbourFactory(DjangoModelFactory[ProductNeighbour]):
    class Meta:
        model = ProductNeighbour

    version = factory.SubFactory(ModelVersionFactory)
    product = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    neighbour = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    rank = factory.Sequence(lambda n: n + 1)
    score = 1.0


class CustomerRecommendationFactory(DjangoModelFactory[CustomerRecommendation]):
    class Meta:
        model = CustomerRecommendation

    version = factory.SubFactory(ModelVersionFactory)
    customer = factory.SubFactory("emporium.accounts.tests.factories.UserFactory")
    kind = CustomerListKind.FOR_YOU
    product = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    rank = factory.Sequence(lambda n: n + 1)
    score = 1.0


class PopularProductFactory(CustomerRecommendationFactory):
    """A rank in everyone's popular list."""

    customer = None  # type: ignore[assignment]  # everyone's list has no customer
    kind = CustomerListKind.POPULAR


class EventFactory(DjangoModelFactory[Event]):
    class Meta:
        model = Event

    kind = EventKind.VIEW
    product = factory.SubFactory("emporium.catalog.tests.factories.ProductFactory")
    occurred_at = factory.LazyFunction(timezone.now)
