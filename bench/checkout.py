"""Checkout under contention: orders placed per second by concurrent buyers, and oversold units.

Buyers are separate processes, as requests are on separate web workers, each with its own
database connection, calling the same ``place_order`` service the checkout page calls, as
fast as they can for a fixed time. Every buyer competes for the same 20 variants, so orders
queue on each other's row locks: the path where overselling would happen. (Selling out
exactly, with clean refusals, is proved by the concurrency tests on PostgreSQL.) Everything
the benchmark creates is deleted afterwards.
"""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.db import connection, connections, transaction

BENCH_PREFIX = "BENCH-CHECKOUT"


@dataclass
class BuyerTally:
    placed: int = 0
    out_of_stock: int = 0
    latencies: list[float] = field(default_factory=list)
    cart_ids: list[int] = field(default_factory=list)


def _create_stock(*, variants: int, stock_each: int) -> tuple[list[int], int]:
    from emporium.catalog.models import Category, Product, Variant
    from emporium.checkout.models import ShippingMethod

    with transaction.atomic():
        category = Category.objects.add_root(
            create_kwargs={"name": "Benchmark", "slug": f"{BENCH_PREFIX.lower()}"}
        )
        variant_ids = []
        for number in range(variants):
            product = Product.objects.create(
                category=category, name=f"Benchmark lantern {number}", slug=f"{BENCH_PREFIX.lower()}-{number}"
            )
            variant = Variant.objects.create(
                product=product,
                sku=f"{BENCH_PREFIX}-{number}",
                price_amount=Decimal("4.95"),
                stock_on_hand=stock_each,
                weight_grams=250,
            )
            variant_ids.append(variant.pk)
        shipping = ShippingMethod.objects.create(name=f"{BENCH_PREFIX} post", price_amount=Decimal("3.95"))
    return variant_ids, shipping.pk


def _buy_until(seed: int, *, deadline: float, variant_ids: list[int], shipping_id: int) -> BuyerTally:
    from emporium.cart.exceptions import OutOfStock
    from emporium.cart.models import Cart
    from emporium.cart.services import add_to_cart
    from emporium.catalog.models import Variant
    from emporium.checkout.models import ShippingMethod
    from emporium.checkout.services import CheckoutDetails, place_order

    tally = BuyerTally()
    rng = random.Random(seed)
    shipping = ShippingMethod.objects.get(pk=shipping_id)
    address = {
        "full_name": "Bench Buyer", "company": "", "line1": "1 Load Street", "line2": "", "city": "London",
        "region": "", "postcode": "E1 6AN", "country": "GB", "phone": "",
    }  # fmt: skip
    try:
        while time.perf_counter() < deadline:
            cart = Cart.objects.create(token=uuid.uuid4())
            tally.cart_ids.append(cart.pk)
            try:
                for variant_id in rng.sample(variant_ids, k=rng.randint(1, 3)):
                    add_to_cart(
                        cart=cart, variant=Variant.objects.get(pk=variant_id), quantity=rng.randint(1, 2)
                    )
                started = time.perf_counter()
                place_order(
                    cart=cart,
                    customer=None,
                    details=CheckoutDetails(
                        email=f"buyer-{seed}@bench.invalid",
                        shipping_address=address,
                        billing_address=address,
                        shipping_method=shipping,
                    ),
                    idempotency_key=uuid.uuid4(),
                )
                tally.latencies.append(time.perf_counter() - started)
                tally.placed += 1
            except OutOfStock:
                tally.out_of_stock += 1
    finally:
        connection.close()
    return tally


def _oversold_units(*, variant_ids: list[int]) -> int:
    from django.db.models import Sum

    from emporium.catalog.models import Variant
    from emporium.orders.models import OrderLine

    oversold = 0
    for variant in Variant.objects.filter(pk__in=variant_ids):
        ordered = OrderLine.objects.filter(variant=variant).aggregate(units=Sum("quantity"))["units"] or 0
        oversold += max(ordered - variant.stock_on_hand, 0)
    return oversold


def _clean_up(*, variant_ids: list[int], shipping_id: int, cart_ids: list[int]) -> None:
    from emporium.cart.models import Cart
    from emporium.catalog.models import Category, Product
    from emporium.checkout.models import ShippingMethod
    from emporium.orders.models import Order

    with transaction.atomic():
        Order.objects.filter(lines__variant_id__in=variant_ids).distinct().delete()
        Cart.objects.filter(pk__in=cart_ids).delete()
        Product.objects.filter(variants__pk__in=variant_ids).delete()
        Category.objects.filter(slug=BENCH_PREFIX.lower()).delete()
        ShippingMethod.objects.filter(pk=shipping_id).delete()


def measure_checkout(
    *, buyers: int, seconds: float, variants: int = 20, stock_each: int = 100
) -> dict[str, object]:
    """Run the buyers and return the numbers; refuses anything but PostgreSQL, where row locks are real."""
    from django.conf import settings

    from config.celery import app as celery_app

    if connection.vendor != "postgresql":
        raise SystemExit("the checkout benchmark needs PostgreSQL: set DATABASE_URL")
    # Confirmation e-mails are rendered as in production but go nowhere, and no worker is needed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    celery_app.conf.task_always_eager = True
    variant_ids, shipping_id = _create_stock(variants=variants, stock_each=stock_each)
    tallies: list[BuyerTally] = []
    warm_up_cart_ids: list[int] = []
    try:
        # Warm up in the parent first, so forked buyers start as a running web worker does:
        # templates compiled, locale data loaded, Celery's task tracer built. Otherwise each
        # buyer's first order pays ~0.3 s of start-up, which on 2 cores is most of a short run.
        warm_up = _buy_until(
            -1, deadline=time.perf_counter() + 0.5, variant_ids=variant_ids, shipping_id=shipping_id
        )
        warm_up_cart_ids = warm_up.cart_ids
        # Forked buyers must not share the parent's database connection.
        connections.close_all()
        deadline = time.perf_counter() + seconds
        began = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(buyers) as pool:
            buyer = partial(_buy_until, deadline=deadline, variant_ids=variant_ids, shipping_id=shipping_id)
            tallies = pool.map(buyer, range(buyers))
        elapsed = time.perf_counter() - began
        latencies = sorted(latency for tally in tallies for latency in tally.latencies)
        placed = sum(tally.placed for tally in tallies)

        def percentile(fraction: float) -> float:
            return (
                latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000
                if latencies
                else 0.0
            )

        result: dict[str, object] = {
            "buyers": buyers,
            "seconds": round(elapsed, 2),
            "stock_units": variants * stock_each,
            "orders_placed": placed,
            "out_of_stock_answers": sum(tally.out_of_stock for tally in tallies),
            "orders_per_second": round(placed / elapsed, 1),
            "place_order_p50_ms": round(percentile(0.50), 1),
            "place_order_p99_ms": round(percentile(0.99), 1),
            "oversold_units": _oversold_units(variant_ids=variant_ids),
        }
    finally:
        _clean_up(
            variant_ids=variant_ids,
            shipping_id=shipping_id,
            cart_ids=[*warm_up_cart_ids, *(cart_id for tally in tallies for cart_id in tally.cart_ids)],
        )
    print(
        f"\ncheckout: {buyers} buyers, {result['seconds']} s, {result['stock_units']} units in stock\n"
        f"  {result['orders_per_second']} orders/s   placed {placed}   out of stock {result['out_of_stock_answers']}"
        f"   place_order p50 {result['place_order_p50_ms']} ms   p99 {result['place_order_p99_ms']} ms"
        f"   oversold units {result['oversold_units']}"
    )
    return result
