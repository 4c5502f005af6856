"""The checkout benchmark's database check (bench/checkout_http.py) finds what it looks for.

On hand-made rows: a clean variant passes, an oversold one and an order without lines are
each counted, so a run reporting zeros has really been checked.
"""

import pytest

from bench.checkout_http import EMAIL_DOMAIN, check_consistency, parse_wrk_output
from emporium.catalog.models import Variant
from emporium.catalog.tests.factories import VariantFactory
from emporium.orders.models import StockState
from emporium.orders.tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


def _reserving_order(*, variant: Variant, quantity: int) -> None:
    order = OrderFactory.create(email=f"buyer-1@{EMAIL_DOMAIN}", stock_state=StockState.RESERVED)
    OrderLineFactory.create(order=order, variant=variant, quantity=quantity)


def test_consistent_rows_pass() -> None:
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=3)
    _reserving_order(variant=variant, quantity=3)

    assert check_consistency(variant_ids=[variant.pk]) == {
        "units_ordered": 3,
        "oversold_units": 0,
        "allocation_mismatches": 0,
        "orders_without_lines": 0,
    }


def test_oversell_is_counted() -> None:
    # The table refuses stock_allocated above stock_on_hand, so an oversell shows as orders
    # holding more units than the variant has.
    variant = VariantFactory.create(stock_on_hand=2, stock_allocated=2)
    _reserving_order(variant=variant, quantity=3)

    result = check_consistency(variant_ids=[variant.pk])

    assert result["oversold_units"] == 1
    assert result["allocation_mismatches"] == 1


def test_allocation_mismatch_is_counted() -> None:
    variant = VariantFactory.create(stock_on_hand=10, stock_allocated=1)
    _reserving_order(variant=variant, quantity=3)

    result = check_consistency(variant_ids=[variant.pk])

    assert result["allocation_mismatches"] == 1
    assert result["oversold_units"] == 0


def test_order_without_lines_is_counted() -> None:
    variant = VariantFactory.create(stock_on_hand=5, stock_allocated=1)
    _reserving_order(variant=variant, quantity=1)
    OrderFactory.create(email=f"buyer-2@{EMAIL_DOMAIN}", stock_state=StockState.RESERVED)

    assert check_consistency(variant_ids=[variant.pk])["orders_without_lines"] == 1


WRK_OUTPUT = """\
Running 15s test @ http://127.0.0.1:40123
  32 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   131.02ms   20.31ms 310.11ms   80.00%
  Latency Distribution
     50%  129.80ms
     75%  140.60ms
     90%  151.40ms
     99%    1.21s
  3712 requests in 15.10s, 2.10MB read
Requests/sec:    245.83
STATUS place 201 27
STATUS add 409 3
STATUS place 201 2
REPLAY 0b5e-token 7c1d-key EM-AB12-CD34
"""


def test_the_run_is_read_from_wrk_with_the_latency_the_buyers_saw():
    statuses, replays, client_latency = parse_wrk_output(WRK_OUTPUT)

    assert statuses == {("place_order", 201): 29, ("add_to_cart", 409): 3}
    assert replays == [("0b5e-token", "7c1d-key", "EM-AB12-CD34")]
    assert client_latency == {"p50_ms": 129.8, "p75_ms": 140.6, "p90_ms": 151.4, "p99_ms": 1210.0}
