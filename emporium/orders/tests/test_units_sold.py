"""Units sold: counted by the orders app from its lines, stored on the catalog's products."""

import pytest

from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import OrderStatus
from emporium.orders.services import refresh_units_sold
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def test_units_sold_ignores_cancelled_orders():
    variant = VariantFactory.create()
    OrderLineFactory.create(variant=variant, quantity=4)
    OrderLineFactory.create(
        variant=variant, quantity=6, order=OrderFactory.create(status=OrderStatus.CANCELLED)
    )

    refresh_units_sold()
    variant.product.refresh_from_db()

    assert variant.product.units_sold == 4
