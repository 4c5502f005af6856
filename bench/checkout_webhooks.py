"""Checkout with webhooks: the same buyers with no endpoint, with three, and with three of which one is down.

``python -m bench checkout --webhooks`` (``make bench BENCH="checkout --webhooks"``). In the
second mode three receivers on 127.0.0.1 answer 200 at once; in the third, two of them do and
the third endpoint accepts connections and never answers, so every request to it waits for
``WEBHOOK_TIMEOUT_SECONDS``. Every endpoint subscribes to every event type, so each order
writes its order.placed and stock.changed events and three deliveries of each in the
checkout's transaction.

In every mode a delivery process runs beside the buyers, sweeping due deliveries and sending
them inline as the embedded mode's beat does (a Celery worker would be a process of its own
too, here at the lowest CPU priority, as a worker sharing checkout's cores should run); with
no endpoint it finds nothing to send. So the runs differ only in the endpoints: none against
three up says what the outbox and its deliveries cost checkout on these cores; three up
against one down says whether a dead receiver reaches it. The modes alternate (``rounds``
each) because the machine is shared and one run of each says little.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from statistics import median
from typing import Any

from django.db import connection, connections

from bench.checkout import measure_checkout

ENDPOINT_PREFIX = "BENCH-CHECKOUT webhook"
DELIVERY_NICENESS = 19


@contextmanager
def _silent_endpoint() -> Iterator[str]:
    """Accepts connections (the kernel completes them from the backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"


def _sweep_until(deadline: float) -> None:
    from config.celery import app as celery_app
    from emporium.webhooks.services import deliver_due_webhooks

    celery_app.conf.task_always_eager = True  # send inline here, as embedded mode's beat does
    # Background work sharing the buyers' two cores yields to them, as a worker on the same box
    # should be run (``nice celery worker``); on a cluster it has cores of its own. Both modes.
    os.nice(DELIVERY_NICENESS)

    try:
        while time.perf_counter() < deadline:
            if not deliver_due_webhooks():
                time.sleep(0.2)
    finally:
        connection.close()


def _register(urls: list[str]) -> list[int]:
    from emporium.webhooks.models import WebhookEndpoint, WebhookEventType

    return [
        WebhookEndpoint.objects.create(
            url=url, description=f"{ENDPOINT_PREFIX} {number}", event_types=list(WebhookEventType.values)
        ).pk
        for number, url in enumerate(urls)
    ]


def _delivery_counts(endpoint_ids: list[int]) -> dict[str, dict[str, int]]:
    from django.db.models import Count

    from emporium.webhooks.models import WebhookDelivery

    counts: dict[str, dict[str, int]] = {}
    rows = (
        WebhookDelivery.objects.filter(endpoint_id__in=endpoint_ids)
        .values_list("endpoint_id", "status")
        .annotate(n=Count("pk"))
    )
    for endpoint_id, status, n in rows:
        counts.setdefault(str(endpoint_ids.index(endpoint_id)), {})[status] = n
    return counts


def _remove_endpoints() -> None:
    from emporium.webhooks.models import WebhookEndpoint, WebhookEvent

    WebhookEndpoint.objects.filter(description__startswith=ENDPOINT_PREFIX).delete()
    WebhookEvent.objects.filter(deliveries__isnull=True).delete()


def _one_run(*, buyers: int, seconds: float, urls: list[str]) -> dict[str, Any]:
    from emporium.webhooks.models import WebhookEvent

    _remove_endpoints()
    endpoint_ids = _register(urls)
    events_before = WebhookEvent.objects.count()
    connections.close_all()  # the sweeper is forked: it must not share this connection
    sweeper = multiprocessing.get_context("fork").Process(
        target=_sweep_until, args=(time.perf_counter() + seconds + 3,)
    )
    sweeper.start()
    try:
        result = measure_checkout(buyers=buyers, seconds=seconds, quiet=True)
        result["webhook_endpoints"] = len(urls)
        result["webhook_events_written"] = WebhookEvent.objects.count() - events_before
        sweeper.join()
        result["deliveries_by_endpoint"] = _delivery_counts(endpoint_ids)
    finally:
        if sweeper.is_alive():
            sweeper.terminate()
        _remove_endpoints()
    return result


def measure_checkout_with_webhooks(*, buyers: int, seconds: float, rounds: int = 2) -> dict[str, object]:
    from django.conf import settings

    from emporium.webhooks.tests.receiver import running_receiver

    if connection.vendor != "postgresql":
        raise SystemExit("the checkout benchmark needs PostgreSQL: set DATABASE_URL")
    runs: dict[str, list[dict[str, Any]]] = {"none": [], "three_up": [], "three_one_down": []}
    with (
        running_receiver() as first,
        running_receiver() as second,
        running_receiver() as third,
        _silent_endpoint() as down,
    ):
        for _ in range(rounds):
            runs["none"].append(_one_run(buyers=buyers, seconds=seconds, urls=[]))
            urls = [first.url, second.url, third.url]
            runs["three_up"].append(_one_run(buyers=buyers, seconds=seconds, urls=urls))
            urls = [first.url, second.url, down]
            runs["three_one_down"].append(_one_run(buyers=buyers, seconds=seconds, urls=urls))
        received = len(first.received) + len(second.received) + len(third.received)

    def summary(mode: str) -> dict[str, float]:
        rates = [float(run["orders_per_second"]) for run in runs[mode]]
        return {
            "orders_per_second_median": round(median(rates), 1),
            "orders_per_second_runs": rates,  # type: ignore[dict-item]
            "place_order_p50_ms_median": round(
                median(float(run["place_order_p50_ms"]) for run in runs[mode]), 1
            ),
            "place_order_p99_ms_median": round(
                median(float(run["place_order_p99_ms"]) for run in runs[mode]), 1
            ),
        }

    none, up, hooked = summary("none"), summary("three_up"), summary("three_one_down")

    def ratio_of(mode: dict[str, float], base: dict[str, float]) -> float:
        rate = base["orders_per_second_median"]
        return mode["orders_per_second_median"] / rate if rate else 0

    ratio, down_ratio = ratio_of(hooked, none), ratio_of(hooked, up)
    report: dict[str, object] = {
        "buyers": buyers,
        "seconds_per_run": seconds,
        "rounds": rounds,
        "webhook_timeout_seconds": settings.WEBHOOK_TIMEOUT_SECONDS,
        "delivery_process_niceness": DELIVERY_NICENESS,
        "no_endpoints": none,
        "three_endpoints_up": up,
        "three_endpoints_one_down": hooked,
        "throughput_ratio": round(ratio, 3),
        # What the dead endpoint itself costs: one down against all three answering.
        "one_down_to_all_up_ratio": round(down_ratio, 3),
        "requests_received_by_live_receivers": received,
        "oversold_units": sum(int(run["oversold_units"]) for mode in runs.values() for run in mode),
        "runs": runs,
    }
    print(
        f"\ncheckout with webhooks: {buyers} buyers, {rounds} x {seconds:.0f} s per mode\n"
        f"  no endpoints:          {none['orders_per_second_median']} orders/s (runs {none['orders_per_second_runs']})"
        f"   p50 {none['place_order_p50_ms_median']} ms   p99 {none['place_order_p99_ms_median']} ms\n"
        f"  3 endpoints, all up:   {up['orders_per_second_median']} orders/s (runs {up['orders_per_second_runs']})"
        f"   p50 {up['place_order_p50_ms_median']} ms   p99 {up['place_order_p99_ms_median']} ms\n"
        f"  3 endpoints, 1 down:   {hooked['orders_per_second_median']} orders/s (runs {hooked['orders_per_second_runs']})"
        f"   p50 {hooked['place_order_p50_ms_median']} ms   p99 {hooked['place_order_p99_ms_median']} ms\n"
        f"  ratio to none {ratio:.2f}   one down to all up {down_ratio:.2f}"
        f"   requests received by the live receivers {received}"
        f"   oversold units {report['oversold_units']}"
    )
    return report
