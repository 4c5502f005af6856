"""`make bench BENCH=scaleout`: does throughput grow when a second server joins?

The same load goes through nginx to one shop server, then to two, sharing one PostgreSQL and
one Redis (bench/cluster.py). Each server runs one gunicorn worker, standing for one machine
of one core; with two cores here the second server can at most double the throughput, and
the load generator, nginx, PostgreSQL and Redis share those same two cores, so the measured
gain is smaller. Compare the ratio, not the absolute numbers.
"""

from __future__ import annotations

import os

from bench.cluster import scale_out_cluster
from bench.loadgen import LoadResult, run_load


def scaleout_pages() -> dict[str, str]:
    """A page rendered for every visit (the best-selling product's) and the bare view."""
    from emporium.catalog.models import Product

    product = Product.objects.published().order_by("-units_sold").first()
    if product is None:
        raise SystemExit(
            "the scale-out benchmark needs a catalog: run `make run` or generate_shop_data first"
        )
    return {"bare": "/healthz", "product": product.get_absolute_url()}


def measure_scaleout(*, connections: int, seconds: float) -> dict[str, object]:
    from django.conf import settings

    if not settings.REDIS_URL:
        raise SystemExit("the scale-out benchmark needs REDIS_URL: the servers share Redis")
    pages = scaleout_pages()
    env = {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": settings.REDIS_URL,
        "API_THROTTLE_ANON": "",
        "API_THROTTLE_USER": "",
        "LOG_LEVEL": "WARNING",
    }
    runs: dict[str, dict[str, LoadResult]] = {}
    for servers in (1, 2):
        with scale_out_cluster(
            servers=servers, workers_per_server=1, env=env, celery_worker=False
        ) as cluster:
            for path in pages.values():  # warm caches and connections
                run_load(url=cluster.proxy_url + path, connections=4, seconds=2)
            runs[str(servers)] = {
                name: run_load(url=cluster.proxy_url + path, connections=connections, seconds=seconds)
                for name, path in pages.items()
            }
        print(f"\n{servers} server(s) behind nginx, 1 gunicorn worker each, {connections} connections:")
        for name, result in runs[str(servers)].items():
            print(
                f"  {name:<10} {result.requests_per_second:>8.0f} req/s   p50 {result.p50_ms:>7.1f} ms   "
                f"p99 {result.p99_ms:>7.1f} ms   errors {result.errors}"
            )
    ratios = {
        name: round(runs["2"][name].requests_per_second / runs["1"][name].requests_per_second, 3)
        for name in pages
        if runs["1"][name].requests_per_second
    }
    print(f"\n  two servers / one server: {ratios} (on {os.cpu_count()} cores shared with everything else)")
    return {
        "paths": pages,
        "workers_per_server": 1,
        "connections": connections,
        "runs": {
            servers: {name: result.as_dict() for name, result in results.items()}
            for servers, results in runs.items()
        },
        "two_over_one": ratios,
        # Other work on the machine takes cores from the servers: read the ratio with this.
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
    }
