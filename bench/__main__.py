"""`make bench`: run every benchmark, print a table, write bench/results/<name>.json.

Each benchmark measures its pages beside a bare Django view (``/healthz``: routing,
middleware and a small JSON response, nothing else) in the same run on the same server, so
the ratio says what the page itself costs whatever the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import django

from bench.loadgen import LoadResult, run_load
from bench.server import ROOT, gunicorn_server

RESULTS = Path(__file__).resolve().parent / "results"
BARE_VIEW = "/healthz"


def _print_row(name: str, result: LoadResult, bare: LoadResult) -> None:
    ratio = result.requests_per_second / bare.requests_per_second if bare.requests_per_second else 0
    print(
        f"  {name:<18} {result.requests_per_second:>9.0f} req/s   p50 {result.p50_ms:>7.1f} ms   "
        f"p99 {result.p99_ms:>7.1f} ms   errors {result.errors:>4}   {ratio:>6.0%} of bare"
    )


def measure_pages(*, name: str, pages: dict[str, str], connections: int, seconds: float) -> dict[str, object]:
    with gunicorn_server(workers=2) as url:
        for path in [BARE_VIEW, *pages.values()]:  # warm caches and connections
            run_load(url=url + path, connections=4, seconds=1)
        bare = run_load(url=url + BARE_VIEW, connections=connections, seconds=seconds)
        print(
            f"\n{name}: gunicorn 2 workers, {connections} connections, {seconds:.0f} s each, tool {bare.tool}"
        )
        _print_row("bare view", bare, bare)
        results = {}
        for page_name, path in pages.items():
            result = run_load(url=url + path, connections=connections, seconds=seconds)
            _print_row(page_name, result, bare)
            results[page_name] = {
                **result.as_dict(),
                "ratio_to_bare": round(result.requests_per_second / bare.requests_per_second, 3),
            }
    return {"bare_view": bare.as_dict(), "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    report = {
        "benchmark": "home_page",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **measure_pages(
            name="home page", pages={"home": "/"}, connections=args.connections, seconds=args.seconds
        ),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"home_page-{database}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
