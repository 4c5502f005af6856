"""Training from the shop's orders, and the atomic swap of model versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import ProductFactory
from emporium.orders.models import OrderStatus
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.recommendations.exceptions import NothingToTrainOn
from emporium.recommendations.models import (
    CustomerList,
    CustomerListKind,
    ModelVersion,
    ModelVersionStatus,
    NeighbourList,
)
from emporium.recommendations.services import train_recommendations
from emporium.recommendations.training import ImplicitALS, RepeatDiscovery


def small_model() -> RepeatDiscovery:
    return RepeatDiscovery(als=ImplicitALS(factors=4, iterations=2, threads=1))


def buy(customer, products, *, days_ago: int, status=OrderStatus.DELIVERED) -> None:
    order = OrderFactory.create(
        customer=customer, status=status, placed_at=timezone.now() - timedelta(days=days_ago)
    )
    for product in products:
        OrderLineFactory.create(order=order, variant=product.variants.first())


@pytest.fixture
def shop():
    tea, cups, candle, vase = (ProductFactory.create(name=name) for name in ("Tea", "Cups", "Candle", "Vase"))
    customers = UserFactory.create_batch(6)
    for index, customer in enumerate(customers):
        buy(customer, [tea, cups], days_ago=10 + index)
        buy(customer, [candle if index % 2 else vase], days_ago=40 + index)
    return {"tea": tea, "cups": cups, "candle": candle, "vase": vase, "customers": customers}


@pytest.mark.django_db
def test_training_activates_a_version_with_neighbours_and_customer_lists(shop):
    summary = train_recommendations(model=small_model())

    version = ModelVersion.objects.get(is_active=True)
    assert version.pk == summary.version_id
    assert NeighbourList.objects.get(version=version, product=shop["tea"]).neighbour_ids[0] == shop["cups"].pk
    again = CustomerList.objects.get(
        version=version, customer=shop["customers"][0], kind=CustomerListKind.BUY_AGAIN
    )
    assert set(again.product_ids[:2]) == {shop["tea"].pk, shop["cups"].pk}  # bought most recently
    assert summary.customers == 6
    assert summary.products == 4


@pytest.mark.django_db
def test_a_retrain_replaces_the_active_version_in_one_step(shop):
    first = train_recommendations(model=small_model())
    second = train_recommendations(model=small_model())

    assert list(ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [
        second.version_id
    ]
    assert ModelVersion.objects.get(pk=first.version_id).status == ModelVersionStatus.READY


class ExplodingModel(RepeatDiscovery):
    def discovery_scores(self, rows):
        raise RuntimeError("out of memory half way through")


@pytest.mark.django_db
def test_a_failed_retrain_keeps_the_last_good_model_and_leaves_no_rows(shop):
    good = train_recommendations(model=small_model())
    rows_before = CustomerList.objects.count()

    with pytest.raises(RuntimeError):
        train_recommendations(model=ExplodingModel(als=ImplicitALS(factors=4, iterations=2, threads=1)))

    assert ModelVersion.objects.get(is_active=True).pk == good.version_id
    assert ModelVersion.objects.filter(status=ModelVersionStatus.FAILED).count() == 1
    assert CustomerList.objects.count() == rows_before


@pytest.mark.django_db
def test_cancelled_and_unpaid_orders_are_not_learned_from():
    customer = UserFactory.create()
    buy(customer, [ProductFactory.create()], days_ago=1, status=OrderStatus.CANCELLED)
    buy(customer, [ProductFactory.create()], days_ago=1, status=OrderStatus.UNPAID)

    with pytest.raises(NothingToTrainOn):
        train_recommendations(model=small_model())

    assert not ModelVersion.objects.filter(is_active=True).exists()
