"""The full journey under load: locust shoppers browse, search, buy and pay, then every order is checked.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python -m bench journey [--connections 50] [--seconds 60]

Starts the shop under gunicorn (DEBUG off, PostgreSQL, Redis), makes sure the demo shipping
methods exist and that the items shoppers pick have stock enough never to sell out, runs
locust headless (``bench/locustfile.py``) with that many shoppers for that long, and reads its
per-step statistics. Then it checks, in the database, every order the run placed:

* each has lines, and its subtotal, discount, shipping and total add up;
* each paid order has captured payments equal to its total, and no unpaid order has any;
* no variant is oversold (the database's ``variant_allocation_within_stock`` constraint
  refuses one; the check reads it again), and each variant's allocated stock grew by exactly
  the quantities of the run's orders that hold stock.

Writes bench/results/journey-<database>.json.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from bench.server import ROOT, gunicorn_server

ITEMS = 200
STOCK_TOP_UP = 10_000


def _prepare() -> dict[str, Any]:
    from emporium.catalog.models import Product, Variant
    from emporium.checkout.demo import set_up_demo_checkout
    from emporium.checkout.models import ShippingMethod

    set_up_demo_checkout()  # idempotent: the demo's methods, VAT and vouchers
    method = ShippingMethod.objects.filter(name__startswith="UK Standard").order_by("pk").first()
    if method is None:
        raise SystemExit("no UK Standard shipping method: the demo checkout set-up did not run")
    variants = list(
        Variant.objects.filter(product__is_published=True, product__is_in_stock=True)
        .select_related("product")
        .order_by("pk")[:ITEMS]
    )
    if not variants:
        raise SystemExit(
            "the journey needs a catalog: run `make run` once, or generate_shop_data (see README)"
        )
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(
        stock_on_hand=F("stock_on_hand") + STOCK_TOP_UP
    )
    words = sorted({word for v in variants for word in v.product.name.lower().split() if len(word) > 3})
    Product.objects.filter(pk__in=[v.product_id for v in variants]).update(is_in_stock=True)
    return {
        "shipping_method": method.pk,
        "items": [{"url": v.product.get_absolute_url(), "variant": v.pk} for v in variants],
        "words": words[:300] or ["gift"],
    }


def _allocated(variant_ids: list[int]) -> dict[int, int]:
    from emporium.catalog.models import Variant

    return dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "stock_allocated"))


def check_orders(*, since: Any, variant_ids: list[int], allocated_before: dict[int, int]) -> dict[str, Any]:
    """Every order placed since ``since``: whole, adding up, paid as it says, its stock held once."""
    from emporium.catalog.models import Variant
    from emporium.orders.models import Order, OrderLine, OrderStatus, StockState
    from emporium.payments.models import Payment

    orders = list(Order.objects.filter(placed_at__gte=since))
    ids = [order.pk for order in orders]
    lines = dict(
        OrderLine.objects.filter(order_id__in=ids)
        .values("order_id")
        .annotate(lines_total=Sum("total_amount"))
        .values_list("order_id", "lines_total")
    )
    captured = dict(
        Payment.objects.filter(order_id__in=ids)
        .values("order_id")
        .annotate(captured_total=Sum("captured_amount"))
        .values_list("order_id", "captured_total")
    )
    without_lines = [o.number for o in orders if o.pk not in lines]
    not_adding_up = [
        o.number
        for o in orders
        if o.pk in lines
        and (
            lines[o.pk] != o.subtotal_amount
            or o.subtotal_amount - o.discount_amount + o.shipping_amount != o.total_amount
        )
    ]
    paid_states = {OrderStatus.PAID, OrderStatus.FULFILLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
    payment_mismatch = [
        o.number
        for o in orders
        if (o.status in paid_states and captured.get(o.pk, Decimal(0)) != o.total_amount)
        or (o.status == OrderStatus.UNPAID and captured.get(o.pk, Decimal(0)) != 0)
    ]
    held = dict(
        OrderLine.objects.filter(
            order_id__in=ids, order__stock_state=StockState.RESERVED, variant_id__in=variant_ids
        )
        .values("variant_id")
        .annotate(quantity=Sum("quantity"))
        .values_list("variant_id", "quantity")
    )
    after = _allocated(variant_ids)
    allocation_mismatch = [
        pk for pk in variant_ids if after.get(pk, 0) - allocated_before.get(pk, 0) != held.get(pk, 0)
    ]
    oversold = Variant.objects.filter(pk__in=variant_ids, stock_allocated__gt=F("stock_on_hand")).count()
    return {
        "orders": len(orders),
        "paid": sum(o.status in paid_states for o in orders),
        "orders_without_lines": len(without_lines),
        "orders_not_adding_up": len(not_adding_up),
        "payment_mismatches": len(payment_mismatch),
        "allocation_mismatches": len(allocation_mismatch),
        "oversold_variants": oversold,
        "examples": {
            "without_lines": without_lines[:5],
            "not_adding_up": not_adding_up[:5],
            "payments": payment_mismatch[:5],
        },
    }


def _locust_stats(prefix: Path) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            steps[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "per_second": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    return steps


def measure_journey(*, users: int, seconds: float, think: str = "1-5", workers: int = 4) -> dict[str, Any]:
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        raise SystemExit("the journey runs as production does: set DATABASE_URL (PostgreSQL) and REDIS_URL")
    data = _prepare()
    variant_ids = [item["variant"] for item in data["items"]]
    allocated_before = _allocated(variant_ids)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        data_file = Path(work) / "journey.json"
        data_file.write_text(json.dumps(data))
        prefix = Path(work) / "locust"
        server_env = {
            "EMPORIUM_ENV": "development",
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
        with gunicorn_server(workers=workers, extra_env=server_env) as url:
            started = timezone.now()
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                 "--users", str(users), "--spawn-rate", str(max(users // 5, 1)), "--run-time", f"{int(seconds)}s",
                 "--host", url, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                cwd=ROOT,
                env={**os.environ, "JOURNEY_DATA": str(data_file), "JOURNEY_THINK_SECONDS": think},
                check=False,
            )  # fmt: skip
            time.sleep(1)
        steps = _locust_stats(prefix)
    aggregated = steps.pop("Aggregated", {})
    requests, failures = aggregated.get("requests", 0), aggregated.get("failures", 0)
    result = {
        "users": users,
        "seconds": seconds,
        "think_seconds": think,
        "gunicorn_workers": workers,
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "requests": requests,
        "error_rate": round(failures / requests, 5) if requests else None,
        "requests_per_second": aggregated.get("per_second"),
        "steps": steps,
        "consistency": check_orders(
            since=started, variant_ids=variant_ids, allocated_before=allocated_before
        ),
    }
    orders = result["consistency"]["orders"]
    result["orders_per_second"] = round(orders / seconds, 1)
    _print(result)
    return result


def _print(result: dict[str, Any]) -> None:
    print(f"\njourney: {result['users']} shoppers ({result['think_seconds']} s on each page) for "
          f"{result['seconds']:.0f} s, {result['requests']} requests, "
          f"error rate {result['error_rate']}, {result['orders_per_second']} orders/s")  # fmt: skip
    for name, step in result["steps"].items():
        print(f"  {name:<15} {step['requests']:>6}  fail {step['failures']:>4}  "
              f"p50 {step['p50_ms']:>6.0f}  p95 {step['p95_ms']:>6.0f}  p99 {step['p99_ms']:>6.0f} ms")  # fmt: skip
    print(f"  consistency: {result['consistency']}")
