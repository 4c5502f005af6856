"""Checkout under contention: orders placed per second by concurrent buyers, and oversold units.

Buyers are separate processes, as requests are on separate web workers, each with its own
database connection, calling the same services the shop's pages call (``add_to_cart``, then
``place_order``), as fast as they can for a fixed time. Every buyer competes for the same 20
variants, so orders queue on each other's row locks: the path where overselling would happen.

Most variants have stock to spare, so the run measures steady ordering. A few "hot" variants
have only a handful of units: they sell out in the first seconds, with several buyers
holding the last units in their carts at once. That is the moment an oversell would show,
so the run checks afterwards that it happened (``hot_variants_sold_out``) and what it left:
for every variant, the units reserved equal the units of the orders holding stock, and never
exceed the stock on hand. ``oversold_units`` counts any units ordered beyond the stock.
Everything the benchmark creates is deleted afterwards.
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
    out_of_stock: int = 0  # place_order refused: the last units went to another buyer first
    sold_out_when_adding: int = 0  # add_to_cart refused: already sold out, the buyer moved on
    latencies: list[float] = field(default_factory=list)
    cart_ids: list[int] = field(default_factory=list)


def _create_stock(*, stock: list[int]) -> tuple[list[int], int]:
    from emporium.catalog.models import Category, Product, Variant
    from emporium.checkout.models import ShippingMethod

    with transaction.atomic():
        category = Category.objects.add_root(
            create_kwargs={"name": "Benchmark", "slug": f"{BENCH_PREFIX.lower()}"}
        )
        variant_ids = []
        for number, units in enumerate(stock):
            product = Product.objects.create(
                category=category, name=f"Benchmark lantern {number}", slug=f"{BENCH_PREFIX.lower()}-{number}"
            )
            variant = Variant.objects.create(
                product=product,
                sku=f"{BENCH_PREFIX}-{number}",
                price_amount=Decimal("4.95"),
                stock_on_hand=units,
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
            added = 0
            for variant_id in rng.sample(variant_ids, k=rng.randint(1, 3)):
                try:
                    add_to_cart(
                        cart=cart, variant=Variant.objects.get(pk=variant_id), quantity=rng.randint(1, 2)
                    )
                    added += 1
                except OutOfStock:
                    tally.sold_out_when_adding += 1
            if not added:
                continue  # everything this buyer wanted was sold out
            try:
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


def _check_stock(*, variant_ids: list[int]) -> dict[str, int]:
    """What the run left in the warehouse, from the rows themselves.

    An order holds stock while its stock_state is "reserved" (none expires or is paid during
    a run); the variant's stock_allocated must be exactly the units of those orders, and no
    variant may have more units ordered than it had on hand.
    """
    from django.db.models import Q, Sum

    from emporium.catalog.models import Variant
    from emporium.orders.models import StockState

    variants = Variant.objects.filter(pk__in=variant_ids).annotate(
        ordered=Sum(
            "order_lines__quantity", filter=Q(order_lines__order__stock_state=StockState.RESERVED), default=0
        )
    )
    oversold = mismatches = sold_out = ordered_units = 0
    for variant in variants:
        ordered_units += variant.ordered
        oversold += max(variant.ordered - variant.stock_on_hand, 0)
        mismatches += variant.stock_allocated != variant.ordered
        sold_out += variant.stock_allocated == variant.stock_on_hand
    return {
        "units_ordered": ordered_units,
        "sold_out_variants": sold_out,
        "allocation_mismatches": mismatches,
        "oversold_units": oversold,
    }


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


def _remove_leftovers() -> None:
    """What an interrupted earlier run left behind (its clean-up never ran), found by name."""
    from emporium.catalog.models import Variant
    from emporium.checkout.models import ShippingMethod

    leftover_ids = list(Variant.objects.filter(sku__startswith=BENCH_PREFIX).values_list("pk", flat=True))
    shipping_ids = ShippingMethod.objects.filter(name__startswith=BENCH_PREFIX).values_list("pk", flat=True)
    for shipping_id in list(shipping_ids) or [0]:
        _clean_up(variant_ids=leftover_ids, shipping_id=shipping_id, cart_ids=[])


def measure_checkout(
    *,
    buyers: int,
    seconds: float,
    variants: int = 20,
    hot_variants: int = 5,
    hot_stock_each: int = 5,
    stock_each: int = 10_000,
    quiet: bool = False,
) -> dict[str, object]:
    """Run the buyers and return the numbers; refuses anything but PostgreSQL, where row locks are real.

    ``hot_variants`` of the ``variants`` have ``hot_stock_each`` units (gone within seconds at
    any speed this runs at), the others ``stock_each`` (never running out).
    """
    from django.conf import settings

    from config.celery import app as celery_app

    if connection.vendor != "postgresql":
        raise SystemExit("the checkout benchmark needs PostgreSQL: set DATABASE_URL")
    # Confirmation e-mails are rendered as in production but go nowhere, and no worker is needed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    celery_app.conf.task_always_eager = True
    _remove_leftovers()
    stock = [hot_stock_each] * hot_variants + [stock_each] * (variants - hot_variants)
    variant_ids, shipping_id = _create_stock(stock=stock)
    tallies: list[BuyerTally] = []
    warm_up_cart_ids: list[int] = []
    try:
        # Warm up in the parent first, so forked buyers start as a running web worker does:
        # templates compiled, locale data loaded, Celery's task tracer built. Otherwise each
        # buyer's first order pays ~0.3 s of start-up, which on 2 cores is most of a short run.
        # The warm-up buys only plentiful variants, so the hot ones are whole when buyers start.
        warm_up = _buy_until(
            -1,
            deadline=time.perf_counter() + 0.5,
            variant_ids=variant_ids[hot_variants:],
            shipping_id=shipping_id,
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

        stock_check = _check_stock(variant_ids=variant_ids)
        hot_check = _check_stock(variant_ids=variant_ids[:hot_variants])
        result: dict[str, object] = {
            "buyers": buyers,
            "seconds": round(elapsed, 2),
            "variants": variants,
            "hot_variants": hot_variants,
            "hot_stock_each": hot_stock_each,
            "stock_units": sum(stock),
            "orders_placed": placed,
            "orders_per_second": round(placed / elapsed, 1),
            "place_order_p50_ms": round(percentile(0.50), 1),
            "place_order_p99_ms": round(percentile(0.99), 1),
            "out_of_stock_answers": sum(tally.out_of_stock for tally in tallies),
            "sold_out_when_adding": sum(tally.sold_out_when_adding for tally in tallies),
            "hot_variants_sold_out": hot_check["sold_out_variants"],
            "units_ordered": stock_check["units_ordered"],
            "allocation_mismatches": stock_check["allocation_mismatches"],
            "oversold_units": stock_check["oversold_units"],
        }
    finally:
        _clean_up(
            variant_ids=variant_ids,
            shipping_id=shipping_id,
            cart_ids=[*warm_up_cart_ids, *(cart_id for tally in tallies for cart_id in tally.cart_ids)],
        )
    if quiet:
        return result
    print(
        f"\ncheckout: {buyers} buyers, {result['seconds']} s, {variants} variants "
        f"({hot_variants} with {hot_stock_each} units, the rest {stock_each})\n"
        f"  {result['orders_per_second']} orders/s   placed {placed}"
        f"   place_order p50 {result['place_order_p50_ms']} ms   p99 {result['place_order_p99_ms']} ms\n"
        f"  out of stock at checkout {result['out_of_stock_answers']}"
        f"   sold out when adding {result['sold_out_when_adding']}"
        f"   hot variants sold out {result['hot_variants_sold_out']}/{hot_variants}\n"
        f"  allocation mismatches {result['allocation_mismatches']}   oversold units {result['oversold_units']}"
    )
    if result["hot_variants_sold_out"] != hot_variants:
        print("  warning: not every hot variant sold out, so the run did not test selling the last units")
    return result
