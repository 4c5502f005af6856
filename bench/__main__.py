"""`make bench`: run the benchmarks, print a table, write bench/results/<name>-<database>.json.

The page benchmarks measure each kind of page with one URL repeated and with a different URL
on every request drawn from the catalog, beside the floor (``startproject``'s bare view on
the same gunicorn, bench/floor.py) measured at the start and the end of the same run, so the
ratio says what the page costs whatever the machine (bench/pages.py).

    python -m bench                 # every benchmark
    python -m bench storefront      # one of them: home, category, filtered and sorted category,
                                    # product and search pages
    python -m bench api             # the REST API's product list, plain and filtered and sorted
    python -m bench storefront api --no-cache   # the same with every cache off (CACHE_DISABLED=1):
                                    # writes <name>-<database>-nocache.json
    python -m bench lighthouse      # Lighthouse's mobile scores and CLS per page type (only when
                                    # named: it takes minutes); writes bench/results/lighthouse.json
    python -m bench scaleout        # one server behind nginx, then two (PostgreSQL + Redis)
    python -m bench analytics       # every analytics endpoint, one-year ranges, p50 and p95
    python -m bench warmup          # a fresh worker's first page of each kind beside its later
                                    # ones, with and without the warm-up; memory per process
    python -m bench journey         # locust: 50 shoppers browse, search, buy and pay for 60 s (1-5 s
                                    # on each page, --think), then every order is checked (only when named)
    python -m bench checkout        # 32 buyers over HTTP through gunicorn, wrk + bench/checkout.lua
                                    # (PostgreSQL + Redis); --in-process: forked buyers instead
    python -m bench checkout --webhooks  # checkout with no webhook endpoint, with 3, and with 3 of
                                    # which one is down, alternately (--rounds); PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import django

from bench.server import ROOT

RESULTS = Path(__file__).resolve().parent / "results"
# Requests from the load generator all come from 127.0.0.1 and would be throttled at once.
API_SERVER_ENV = {"API_THROTTLE_ANON": "", "API_THROTTLE_USER": ""}


def storefront_kinds() -> dict[str, list[str]]:
    from bench.catalog_urls import draw_paths

    paths = draw_paths()
    return {
        "home": ["/"],
        **{kind: paths[kind] for kind in ("category", "category_filtered", "product", "search")},
    }


def api_kinds() -> dict[str, list[str]]:
    from bench.catalog_urls import draw_paths

    paths = draw_paths()
    return {kind: paths[kind] for kind in ("api_products", "api_products_filtered")}


BENCHMARKS: dict[str, tuple[str, Callable[[], dict[str, list[str]]]]] = {
    "storefront": ("storefront", storefront_kinds),
    "api": ("REST API", api_kinds),
}
# Environment of the server under test, per benchmark.
SERVER_ENVS: dict[str, dict[str, str]] = {"api": API_SERVER_ENV}
# Benchmarks that drive services directly rather than pages over HTTP.
SERVICE_BENCHMARKS = ("checkout", "scaleout", "analytics", "warmup")
# Run only when named: slow, and their results do not depend on the database.
ON_REQUEST = ("lighthouse", "journey")


def lighthouse_pages() -> dict[str, str]:
    kinds = storefront_kinds()
    return {
        "home": "/",
        "category": kinds["category"][0],
        "product": kinds["product"][0],
        "search": kinds["search"][0],
        "cart": "/cart/",
        "checkout": "/checkout/",
    }


def _think_range(text: str) -> str:
    """``min-max`` seconds, as locust's ``between`` takes them; refused with a message otherwise."""
    low, _, high = text.partition("-")
    try:
        seconds = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not min-max seconds, e.g. 1-5") from None
    if not 0 <= seconds[0] <= seconds[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: the minimum must be 0 or more and at most the maximum")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "names",
        nargs="*",
        help=f"benchmarks to run, of {sorted([*BENCHMARKS, *SERVICE_BENCHMARKS, *ON_REQUEST])} "
        f"(default: all but {', '.join(ON_REQUEST)})",
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("LIGHTHOUSE_RUNS", 3)))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="storefront, api: every cache off in the server (CACHE_DISABLED=1, API_CATALOG_BODY_CACHE=0)",
    )
    parser.add_argument(
        "--webhooks",
        action="store_true",
        help="checkout: run without webhook endpoints, then with 3 (one down), alternately; "
        "writes checkout-webhooks-<database>.json",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="checkout: the older benchmark, buyers as forked processes calling place_order "
        "(writes checkout-<database>.json)",
    )
    parser.add_argument("--workers", type=int, default=2, help="checkout: gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="checkout: threads per gunicorn worker (more than 1: gthread workers; "
        "writes checkout-http-gthread-<database>.json)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="checkout --webhooks: runs of each mode")
    parser.add_argument("--users", type=int, default=50, help="journey: simulated shoppers")
    parser.add_argument("--journey-seconds", type=float, default=60, help="journey: length of the run")
    parser.add_argument(
        "--think",
        default="1-5",
        type=_think_range,
        help="journey: seconds each shopper spends on a page, min-max (0.2-1 hurries)",
    )
    args = parser.parse_args()
    if unknown := set(args.names) - set(BENCHMARKS) - set(SERVICE_BENCHMARKS) - set(ON_REQUEST):
        parser.error(f"unknown benchmark(s): {sorted(unknown)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    database = connection.vendor  # "postgresql", "sqlite"
    RESULTS.mkdir(exist_ok=True)
    for name in args.names or [*BENCHMARKS, *SERVICE_BENCHMARKS]:
        header = {
            "benchmark": name,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": database,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        }
        if name == "lighthouse":
            from bench.lighthouse import measure_lighthouse

            out = RESULTS / "lighthouse.json"
            out.write_text(
                json.dumps(
                    {**header, **measure_lighthouse(pages=lighthouse_pages(), runs=args.runs)}, indent=2
                )
                + "\n"
            )
            print(f"written to {out.relative_to(ROOT)}")
            continue
        if name == "checkout":
            if database != "postgresql":
                print("\ncheckout: skipped, it needs PostgreSQL (set DATABASE_URL)")
                continue
            if args.webhooks:
                from bench.checkout_webhooks import measure_checkout_with_webhooks

                hooked = measure_checkout_with_webhooks(
                    buyers=args.connections, seconds=args.seconds, rounds=args.rounds
                )
                _write("checkout-webhooks", database, {**header, **hooked})
                continue
            if args.in_process:
                from bench.checkout import measure_checkout

                report: dict[str, object] = {
                    **header,
                    **measure_checkout(buyers=args.connections, seconds=args.seconds),
                }
                _write(name, database, report)
                continue
            from bench.checkout_http import measure_checkout_http

            report = {
                **header,
                **measure_checkout_http(
                    connections=args.connections,
                    seconds=args.seconds,
                    workers=args.workers,
                    threads=args.threads,
                ),
            }
            _write("checkout-http-gthread" if args.threads > 1 else "checkout-http", database, report)
            continue
        if name == "scaleout":
            if database != "postgresql":
                print("\nscaleout: skipped, it needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)")
                continue
            from bench.scaleout import measure_scaleout

            report = {**header, **measure_scaleout(connections=args.connections, seconds=args.seconds)}
            _write(name, database, report)
            continue
        if name == "journey":
            from bench.journey import measure_journey

            _write(
                name,
                database,
                {
                    **header,
                    **measure_journey(users=args.users, seconds=args.journey_seconds, think=args.think),
                },
            )
            continue
        if name == "analytics":
            from bench.analytics import measure_analytics

            cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
            _write(name, database, {**header, "cache": cache, **measure_analytics()})
            continue
        if name == "warmup":
            from bench.catalog_urls import catalog_size
            from bench.warmup import measure_warm_up

            _write(name, database, {**header, "catalog": catalog_size(), **measure_warm_up()})
            continue
        from bench.catalog_urls import catalog_size
        from bench.pages import measure_pages

        title, choose_kinds = BENCHMARKS[name]
        report = {
            **header,
            "catalog": catalog_size(),
            "cache": "DummyCache"
            if args.no_cache
            else settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            **measure_pages(
                title=title,
                kinds=choose_kinds(),
                connections=args.connections,
                seconds=args.seconds,
                extra_env=SERVER_ENVS.get(name),
                caches=not args.no_cache,
            ),
        }
        _write(f"{name}-{database}-nocache" if args.no_cache else f"{name}-{database}", "", report)


def _write(name: str, database: str, report: dict[str, object]) -> None:
    out = RESULTS / (f"{name}-{database}.json" if database else f"{name}.json")
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
