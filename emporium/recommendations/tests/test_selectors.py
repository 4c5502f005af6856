"""Reading purchases for training: the same frame from PostgreSQL's binary COPY and from SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emporium.accounts.tests.factories import UserFactory
from emporium.catalog.tests.factories import ProductFactory, VariantFactory
from emporium.orders.models import OrderStatus
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory
from emporium.recommendations.interactions import read_interactions

pytestmark = pytest.mark.django_db


def test_purchases_are_read_with_their_product_order_and_exact_time():
    first, second = UserFactory.create_batch(2)
    shirt = ProductFactory.create()
    red, blue = VariantFactory.create_batch(2, product=shirt)  # two variants of one product
    mug = VariantFactory.create()
    placed = datetime(2026, 3, 4, 5, 6, 7, 891_011, tzinfo=UTC)
    earlier = OrderFactory.create(customer=first, status=OrderStatus.PAID, placed_at=placed)
    later = OrderFactory.create(
        customer=second, status=OrderStatus.DELIVERED, placed_at=placed + timedelta(days=1)
    )
    OrderLineFactory.create(order=earlier, variant=red)
    OrderLineFactory.create(order=earlier, variant=mug)
    OrderLineFactory.create(order=later, variant=blue)
    too_old = OrderFactory.create(
        customer=first, status=OrderStatus.PAID, placed_at=placed - timedelta(days=9)
    )
    OrderLineFactory.create(order=too_old, variant=mug)

    frame = read_interactions(since=placed - timedelta(days=1)).sort_values(["invoice", "product"])

    assert frame[["customer", "product", "invoice"]].values.tolist() == sorted(
        [
            [first.pk, shirt.pk, earlier.pk],
            [first.pk, mug.product_id, earlier.pk],
            [second.pk, shirt.pk, later.pk],
        ],
        key=lambda row: (row[2], row[1]),
    )
    assert set(frame["at"]) == {placed, placed + timedelta(days=1)}
    assert str(frame["at"].dt.tz) == "UTC"


def test_no_purchases_read_as_an_empty_frame_with_the_same_columns():
    frame = read_interactions(since=datetime(2026, 1, 1, tzinfo=UTC))

    assert list(frame.columns) == ["customer", "product", "invoice", "at"]
    assert frame.empty
