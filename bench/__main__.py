"""`make bench`: run the benchmarks, print a table, write bench/results/<name>-<database>.json.

Each benchmark measures its pages beside a bare Django view (``/healthz``: routing,
middleware and a small JSON response, nothing else) in the same run on the same server, so
the ratio says what the page itself costs whatever the machine.

    python -m bench                 # every benchmark
    python -m bench storefront      # one of them
    python -m bench api             # the REST API's product list beside the storefront, with and
                                    # without its cache of rendered JSON
    python -m bench lighthouse      # Lighthouse's mobile scores and CLS per page type (only when
                                    # named: it takes minutes); writes bench/results/lighthouse.json
    python -m bench scaleout        # one server behind nginx, then two (PostgreSQL + Redis)
    python -m bench analytics       # every analytics endpoint, one-year ranges, p50 and p95
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

from bench.api import SERIALISING_SERVER_ENV, SERIALISING_TITLE, api_pages, serialising_api_pages
from bench.api import SERVER_ENV as API_SERVER_ENV
from bench.loadgen import LoadResult, run_load
from bench.server import ROOT, gunicorn_server

RESULTS = Path(__file__).resolve().parent / "results"
BARE_VIEW = "/healthz"


def _print_row(name: str, result: LoadResult, bare: LoadResult) -> None:
    ratio = result.requests_per_second / bare.requests_per_second if bare.requests_per_second else 0
    print(
        f"  {name:<33} {result.requests_per_second:>9.0f} req/s   p50 {result.p50_ms:>7.1f} ms   "
        f"p99 {result.p99_ms:>7.1f} ms   errors {result.errors:>4}   {ratio:>6.0%} of bare"
    )


def measure_pages(
    *,
    title: str,
    pages: dict[str, str],
    connections: int,
    seconds: float,
    extra_env: dict[str, str] | None = None,
) -> dict[str, object]:
    with gunicorn_server(workers=2, extra_env=extra_env) as url:
        for path in [BARE_VIEW, *pages.values()]:  # warm caches and connections
            run_load(url=url + path, connections=4, seconds=2)
        bare = run_load(url=url + BARE_VIEW, connections=connections, seconds=seconds)
        print(
            f"\n{title}: gunicorn 2 workers, {connections} connections, {seconds:.0f} s each, tool {bare.tool}"
        )
        _print_row("bare view", bare, bare)
        results = {}
        for page_name, path in pages.items():
            result = run_load(url=url + path, connections=connections, seconds=seconds)
            _print_row(page_name, result, bare)
            results[page_name] = {
                **result.as_dict(),
                "path": path,
                "ratio_to_bare": round(result.requests_per_second / bare.requests_per_second, 3),
            }
    return {"bare_view": bare.as_dict(), "pages": results}


def home_pages() -> dict[str, str]:
    return {"home": "/"}


def storefront_pages() -> dict[str, str]:
    """The pages a shopper hits most, chosen from the data: the largest top-level category,
    the best-selling product, and a search for a common two-word phrase."""
    from django.db.models import Count

    from emporium.catalog.models import Category, Product

    roots = Category.objects.filter(depth=1)
    category = max(
        roots,
        key=lambda root: Product.objects.filter(category__path__startswith=root.path).count(),
        default=None,
    )
    product = Product.objects.published().order_by("-units_sold").first()
    if category is None or product is None:
        raise SystemExit(
            "the storefront benchmark needs a catalog: run generate_shop_data first (see README)"
        )
    biggest = Product.objects.filter(category__path__startswith=category.path).aggregate(n=Count("pk"))["n"]
    print(f"category {category.slug!r} holds {biggest} products; product {product.slug!r}")
    return {
        "home": "/",
        "category": category.get_absolute_url(),
        "category_sorted": f"{category.get_absolute_url()}?sort=price&in_stock=on&page=2",
        "product": product.get_absolute_url(),
        "search": "/search/?q=candle+holder",
    }


BENCHMARKS: dict[str, tuple[str, Callable[[], dict[str, str]]]] = {
    "home_page": ("home page", home_pages),
    "storefront": ("storefront", storefront_pages),
    "api": ("REST API", api_pages),
}
# Environment of the server under test, per benchmark.
SERVER_ENVS: dict[str, dict[str, str]] = {"api": API_SERVER_ENV}
# Benchmarks measured again on a second server set up otherwise: (title, pages, environment).
SECOND_SERVERS: dict[str, tuple[str, Callable[[], dict[str, str]], dict[str, str]]] = {
    "api": (SERIALISING_TITLE, serialising_api_pages, SERIALISING_SERVER_ENV),
}
# Benchmarks that drive services directly rather than pages over HTTP.
SERVICE_BENCHMARKS = ("checkout", "scaleout", "analytics")
# Run only when named: slow, and their results do not depend on the database.
ON_REQUEST = ("lighthouse", "journey")


def lighthouse_pages() -> dict[str, str]:
    pages = storefront_pages()
    return {
        "home": pages["home"],
        "category": pages["category"],
        "product": pages["product"],
        "search": pages["search"],
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
    parser.add_argument("--workers", type=int, default=4, help="checkout: gunicorn sync workers")
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

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
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
                    connections=args.connections, seconds=args.seconds, workers=args.workers
                ),
            }
            _write("checkout-http", database, report)
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
        title, choose_pages = BENCHMARKS[name]
        report = {
            **header,
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            **measure_pages(
                title=title,
                pages=choose_pages(),
                connections=args.connections,
                seconds=args.seconds,
                extra_env=SERVER_ENVS.get(name),
            ),
        }
        if name in SECOND_SERVERS:
            second_title, second_pages, second_env = SECOND_SERVERS[name]
            report["second_server"] = {
                "title": second_title,
                "environment": second_env,
                **measure_pages(
                    title=second_title,
                    pages=second_pages(),
                    connections=args.connections,
                    seconds=args.seconds,
                    extra_env=second_env,
                ),
            }
        _write(name, database, report)


def _write(name: str, database: str, report: dict[str, object]) -> None:
    out = RESULTS / f"{name}-{database}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
