"""The shared Online Retail file imported whole, where it exists (on PostgreSQL: on SQLite it is slow).

The expected counts come from the file (see its README): 3,774 raw stock codes are 3,680 once
"85123a" and "85123A" are one code; 129 of those never sold at a positive price with a
description and 20 are charges or bookkeeping, which leaves 3,531 products.
"""

from __future__ import annotations

import pytest

from emporium.catalog.models import Product
from emporium.datasets.online_retail import SkipReason
from emporium.datasets.services import import_online_retail
from emporium.datasets.tests.conftest import SHARED_FILE
from emporium.orders.models import Order, OrderStatus

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(not SHARED_FILE.exists(), reason=f"{SHARED_FILE} is not on this machine"),
]


def test_the_shared_file_imports_whole_and_only_once(is_postgres):
    if not is_postgres:
        pytest.skip("Imports 320,705 rows: run it on PostgreSQL (DATABASE_URL=postgres://...).")

    first = import_online_retail(path=SHARED_FILE, batch_size=2000)
    second = import_online_retail(path=SHARED_FILE, batch_size=2000)

    assert (first.rows_read, first.rows_imported, first.rows_skipped) == (320_705, 318_257, 2_448)
    assert (first.products_created, first.customers_created, first.orders_created) == (3_531, 3_360, 14_662)
    assert first.skipped[SkipReason.STOCK_ADJUSTMENT] == 925
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 2_279
    assert Product.objects.filter(is_in_stock=True).count() == 3_531
    assert (second.created_anything, second.rows_already_imported) == (False, 318_257)
