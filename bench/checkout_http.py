"""Checkout over HTTP: orders per second through gunicorn, with wrk as the buyers.

Each of ``connections`` buyers is one wrk thread with one keep-alive connection, running
bench/checkout.lua: create a cart (``POST /api/v1/carts/``), add one or two lines
(``POST /api/v1/cart/lines/`` with the ``X-Cart-Token`` header), place the order
(``POST /api/v1/checkout/orders/`` with an idempotency key), and start again. wrk is C with a
small Lua state per thread, so the load generator costs little of the 2 cores the server
and PostgreSQL share (the in-process benchmark, bench/checkout.py, forks 32 Python buyers).

Of the 20 variants, 5 "hot" ones have a handful of units and sell out in the first seconds
(their 409 ``out_of_stock`` answers are counted, not errors); the rest never run out. A
warm-up on the plentiful variants only comes first, so the workers are warm and the hot
variants are whole when the measured run starts.

The server runs 2 sync workers, as the page benchmarks and ``make serve`` do: with PostgreSQL
on the same two cores, more workers only share the CPU more ways (2026-12-06: 1 worker 31
orders/s, 2 57-64, 3 56-60, 4 49-58, 6 51; ``--workers N``). It runs as in service mode:
DEBUG off, PostgreSQL, Redis cache and Celery broker (the confirmation e-mail tasks are
queued, as a web server queues them for the workers, and purged afterwards), LOG_LEVEL=WARNING.
The API throttles are off for the run (``API_THROTTLE_ANON=""``): 32 buyers from one address
would otherwise be one client at 120 requests a minute.

Latency per step comes from gunicorn's access log (``%(D)s``, microseconds, as the server saw
it), and wrk's distribution of every step together (``--latency``) is what the buyers saw,
the wait for a free worker included; orders per second from the place-order answers of the
measured run. Afterwards the database is checked (``check_consistency``): no unit oversold,
every variant's allocated stock equal to the units of the orders holding stock, no order
without lines; and a few placed orders are sent again with the same key and cart, which must
answer the same order and create none.

Each run deletes what it placed, and those dead rows (tens of thousands of orders, lines and
carts a run) slow the next run's index scans until VACUUM removes them. A production server's
autovacuum would have done that long before; a development server may have it off (the
machines of 2026-12-07: runs on one database fell from 100-107 to 78-87 orders/s over ten
runs, and back to 91-92 after a VACUUM). So every run starts with ``VACUUM (ANALYZE)`` and
records the server's ``autovacuum`` setting with its result.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

from bench.server import gunicorn_server

SCRIPT = Path(__file__).resolve().parent / "checkout.lua"
EMAIL_DOMAIN = "bench-http.invalid"
STEPS = {"/api/v1/carts/": "create_cart", "/api/v1/cart/lines/": "add_to_cart", "/api/v1/checkout/orders/": "place_order"}  # fmt: skip
LUA_STEPS = {"cart": "create_cart", "add": "add_to_cart", "place": "place_order"}
SERVER_ENV = {
    "API_THROTTLE_ANON": "",  # one address, 32 buyers: the per-client throttle would cap the run
    "API_THROTTLE_USER": "",
    "LOG_LEVEL": "WARNING",  # no INFO line per request or per task
}
ADDRESS = {"full_name": "Bench Buyer", "line1": "1 Load Street", "city": "London", "postcode": "E1 6AN", "country": "GB"}  # fmt: skip


def check_consistency(*, variant_ids: list[int]) -> dict[str, int]:
    """What the run left, from the rows: units oversold, allocation mismatches, orders without lines.

    An order holds stock while its stock_state is "reserved" (none expires, is paid or is
    cancelled during a run). A variant is oversold by the units its reserving orders or its
    allocated count take beyond its stock on hand; its allocated count must equal those
    orders' units. Every order the buyers placed must have lines.
    """
    from django.db.models import Q, Sum

    from emporium.catalog.models import Variant
    from emporium.orders.models import Order, StockState

    variants = Variant.objects.filter(pk__in=variant_ids).annotate(
        ordered=Sum(
            "order_lines__quantity", filter=Q(order_lines__order__stock_state=StockState.RESERVED), default=0
        )
    )
    oversold = mismatches = units = 0
    for variant in variants:
        units += variant.ordered
        oversold += max(max(variant.ordered, variant.stock_allocated) - variant.stock_on_hand, 0)
        mismatches += variant.stock_allocated != variant.ordered
    without_lines = Order.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", lines__isnull=True).count()
    return {
        "units_ordered": units,
        "oversold_units": oversold,
        "allocation_mismatches": mismatches,
        "orders_without_lines": without_lines,
    }


def _run_wrk(*, url: str, connections: int, seconds: float, variant_ids: list[int], shipping_id: int, seed: int) -> tuple[Counter[tuple[str, int]], list[tuple[str, str, str]], dict[str, float]]:  # fmt: skip
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("the checkout benchmark needs wrk (apt-get install wrk)")
    env = {
        **os.environ,
        "BENCH_VARIANTS": ",".join(map(str, variant_ids)),
        "BENCH_SHIPPING": str(shipping_id),
        "BENCH_SEED": str(seed),
    }
    # One thread per connection: each buyer's requests stay in order (cart, lines, order).
    output = subprocess.run(
        [wrk, f"-t{connections}", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s",
         "--latency", "-s", str(SCRIPT), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return parse_wrk_output(output)


def parse_wrk_output(output: str) -> tuple[Counter[tuple[str, int]], list[tuple[str, str, str]], dict[str, float]]:  # fmt: skip
    """The answers by step and status, the orders to replay (checkout.lua's ``done``), and wrk's
    latency distribution (``--latency``) in milliseconds."""
    statuses: Counter[tuple[str, int]] = Counter()
    replays = []
    client_latency: dict[str, float] = {}
    for line in output.splitlines():
        fields = line.split()
        if fields[:1] == ["STATUS"]:
            statuses[(LUA_STEPS[fields[1]], int(fields[2]))] += int(fields[3])
        elif fields[:1] == ["REPLAY"]:
            replays.append((fields[1], fields[2], fields[3]))
        elif percentile := re.fullmatch(r"(50|75|90|99)%\s+([\d.]+)(us|ms|s)", line.strip()):
            scale = {"us": 0.001, "ms": 1, "s": 1000}[percentile[3]]
            client_latency[f"p{percentile[1]}_ms"] = round(float(percentile[2]) * scale, 1)
    return statuses, replays, client_latency


def _latencies(log: Path, *, offset: int) -> dict[str, dict[str, float | int]]:
    """p50/p95/p99 per step from the access log lines after ``offset`` ("path status microseconds")."""
    by_step: dict[str, list[float]] = defaultdict(list)
    with log.open() as lines:
        lines.seek(offset)
        for line in lines:
            match = re.fullmatch(r"(\S+) (\d+) (\d+)", line.strip())
            if match and match[1] in STEPS:
                by_step[STEPS[match[1]]].append(int(match[3]) / 1000)
    result = {}
    for step, values in by_step.items():
        values.sort()

        def at(fraction: float, values: list[float] = values) -> float:
            return round(values[min(len(values) - 1, int(fraction * len(values)))], 1)

        result[step] = {"requests": len(values), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99)}
    return result


def _replay(*, url: str, shipping_id: int, replays: list[tuple[str, str, str]]) -> dict[str, int]:
    """Send placed orders again with the same cart and key: the same number, no new order."""
    from emporium.orders.models import Order

    before = Order.objects.count()
    same = 0
    with httpx.Client(base_url=url, timeout=10) as client:
        for token, key, number in replays:
            answer = client.post(
                "/api/v1/checkout/orders/",
                headers={"X-Cart-Token": token},
                json={"email": f"replay@{EMAIL_DOMAIN}", "shipping_address": ADDRESS,
                      "shipping_method_id": shipping_id, "idempotency_key": key},
            )  # fmt: skip
            same += answer.status_code == 201 and answer.json().get("number") == number
    return {
        "replayed": len(replays),
        "replays_answered_same_order": same,
        "orders_created_by_replays": Order.objects.count() - before,
    }


def _vacuum() -> str:
    """Remove the dead rows earlier runs' clean-ups left, as autovacuum would have; answer the
    server's ``autovacuum`` setting. Outside a transaction (VACUUM cannot run in one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("SHOW autovacuum")
        row = cursor.fetchone()
    return str(row[0]) if row else "unknown"


def _clean_up(*, variant_ids: list[int], shipping_id: int, first_cart_id: int) -> None:
    from django.db import transaction

    from bench.checkout import _clean_up as clean_up_stock
    from emporium.cart.models import Cart
    from emporium.orders.models import Order

    with transaction.atomic():
        Order.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
        Cart.objects.filter(pk__gt=first_cart_id, customer=None).delete()
    clean_up_stock(variant_ids=variant_ids, shipping_id=shipping_id, cart_ids=[])


def measure_checkout_http(
    *,
    connections: int,
    seconds: float,
    workers: int = 2,
    threads: int = 1,
    warm_up_seconds: float = 3,
    variants: int = 20,
    hot_variants: int = 5,
    hot_stock_each: int = 5,
    stock_each: int = 100_000,
    quiet: bool = False,
) -> dict[str, object]:
    """Serve the shop, run the buyers, check the database; PostgreSQL only, where row locks are real."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import F, Max

    from bench.checkout import _create_stock, _remove_leftovers
    from config.celery import app as celery_app
    from emporium.cart.models import Cart
    from emporium.catalog.models import Variant

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("the checkout benchmark needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    _remove_leftovers()
    autovacuum = _vacuum()
    stock = [hot_stock_each] * hot_variants + [stock_each] * (variants - hot_variants)
    variant_ids, shipping_id = _create_stock(stock=stock)
    first_cart_id = Cart.objects.aggregate(last=Max("pk"))["last"] or 0
    connection.close()  # the server's workers should not wait behind an idle connection of ours
    log = Path(tempfile.mkstemp(prefix="checkout-access-", suffix=".log")[1])
    args = ["--access-logfile", str(log), "--access-logformat", "%(U)s %(s)s %(D)s"]
    # gthread: each worker serves ``threads`` requests at once, so one waiting on a row lock or
    # on PostgreSQL does not leave its process idle (Django opens a connection per thread).
    if threads > 1:
        args += ["--worker-class", "gthread", "--threads", str(threads)]
    kind = f"gthread workers of {threads} threads" if threads > 1 else "sync workers"
    try:
        load_before = os.getloadavg()
        with gunicorn_server(workers=workers, extra_env=SERVER_ENV, extra_args=args) as url:
            _run_wrk(url=url, connections=connections, seconds=warm_up_seconds,
                     variant_ids=variant_ids[hot_variants:], shipping_id=shipping_id, seed=1000)  # fmt: skip
            offset = log.stat().st_size
            began = time.perf_counter()
            statuses, replays, client_latency = _run_wrk(url=url, connections=connections, seconds=seconds,
                                         variant_ids=variant_ids, shipping_id=shipping_id, seed=1)  # fmt: skip
            elapsed = time.perf_counter() - began
            load_after = os.getloadavg()
            time.sleep(0.5)  # gunicorn writes the access log after each answer
            latency = _latencies(log, offset=offset)
            consistency = check_consistency(variant_ids=variant_ids)
            hot_sold_out = Variant.objects.filter(
                pk__in=variant_ids[:hot_variants], stock_allocated=F("stock_on_hand")
            ).count()
            replay = _replay(url=url, shipping_id=shipping_id, replays=replays[:16])
        placed = statuses[("place_order", 201)]
        expected = {("create_cart", 201), ("add_to_cart", 201), ("add_to_cart", 409), ("place_order", 201), ("place_order", 409)}  # fmt: skip
        result: dict[str, object] = {
            "server": f"gunicorn, {workers} {kind}, DEBUG off, PostgreSQL + Redis, throttles off",
            "load_generator": f"wrk -t{connections} -c{connections} -s bench/checkout.lua",
            "workers": workers,
            "threads": threads,
            "connections": connections,
            "seconds": round(elapsed, 2),
            "warm_up_seconds": warm_up_seconds,
            "load_average_before": [round(value, 2) for value in load_before],
            "load_average_after": [round(value, 2) for value in load_after],
            "variants": variants,
            "hot_variants": hot_variants,
            "hot_stock_each": hot_stock_each,
            "orders_placed": placed,
            "orders_per_second": round(placed / elapsed, 1),
            "latency_ms": latency,
            # As the buyers saw it, every step together: the server's time above plus the wait
            # for a free worker (32 buyers, ``workers`` processes).
            "client_latency_ms": client_latency,
            "out_of_stock_at_checkout": statuses[("place_order", 409)],
            "sold_out_when_adding": statuses[("add_to_cart", 409)],
            "errors_by_status": {
                f"{step} {status}": count
                for (step, status), count in sorted(statuses.items())
                if (step, status) not in expected
            },
            "hot_variants_sold_out": hot_sold_out,
            "vacuumed_before_run": True,
            "server_autovacuum": autovacuum,
            **consistency,
            **replay,
        }
    finally:
        log.unlink(missing_ok=True)
        celery_app.control.purge()  # the confirmation e-mails the server queued; no worker runs
        _clean_up(variant_ids=variant_ids, shipping_id=shipping_id, first_cart_id=first_cart_id)
    if not quiet:
        _print(result)
    return result


def _print(result: dict[str, object]) -> None:
    latency = result["latency_ms"]
    assert isinstance(latency, dict)
    print(
        f"\ncheckout over HTTP: {result['connections']} buyers, {result['server']}, "
        f"{result['seconds']} s, load average {result['load_average_before']} -> {result['load_average_after']}, "
        f"vacuumed first (the server's autovacuum {result.get('server_autovacuum', 'unknown')})\n"
        f"  {result['orders_per_second']} orders/s   placed {result['orders_placed']}"
        f"   out of stock at checkout {result['out_of_stock_at_checkout']}"
        f"   sold out when adding {result['sold_out_when_adding']}   errors {result['errors_by_status']}"
    )
    for step, numbers in latency.items():
        print(
            f"  {step:<12} {numbers['requests']:>6} requests   p50 {numbers['p50_ms']:>7.1f} ms"
            f"   p95 {numbers['p95_ms']:>7.1f} ms   p99 {numbers['p99_ms']:>7.1f} ms   (in the server)"
        )
    client = result.get("client_latency_ms") or {}
    assert isinstance(client, dict)
    if client:
        print(
            "  every step, as the buyers saw it (waiting for a worker too): "
            + "   ".join(f"{name.removesuffix('_ms')} {value:.1f} ms" for name, value in client.items())
        )
    print(
        f"  oversold units {result['oversold_units']}   allocation mismatches {result['allocation_mismatches']}"
        f"   orders without lines {result['orders_without_lines']}"
        f"   replays {result['replays_answered_same_order']}/{result['replayed']} same order,"
        f" {result['orders_created_by_replays']} new"
    )
