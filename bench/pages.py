"""Pages under load beside the floor, each with one URL repeated and with varied URLs.

For every kind of page (bench/catalog_urls.py draws the paths from the catalog):

- **one URL**: its first path, again and again, which a page or data cache answers after the
  first request;
- **varied URLs**: a different path on every request (categories, pages, filters and sorts,
  products, search words, some misspelt), as a shop's traffic arrives.

Each run starts with a warm-up (the workers' connections, compiled templates, the catalog
version), then a pause for the server to drain, then the measured run. The catalog version is
bumped before the shop's server starts, so no page an earlier run stored can answer, and the
varied runs warm up on paths of the same kind that are not measured: no measured URL is in a
cache when its run starts. Every path is asked once before any is asked again; the results say
how many requests the run sent and how many distinct paths it had (a run that sends more
requests than that comes round again, and may then be answered from a cache). The floor,
``startproject``'s bare view in bench/floor.py on the same gunicorn,
is measured at the start and at the end; ratios are to their mean, both printed. With
``caches=False`` the shop runs with ``CACHE_DISABLED=1`` (Django's dummy cache for everything:
pages, data, the catalog version, sessions through the database) and no API JSON cache.
"""

from __future__ import annotations

import time

from bench.loadgen import LoadResult, run_load
from bench.server import gunicorn_server

WARM_UP_SECONDS = 3
DRAIN_SECONDS = 2
NO_CACHE_ENV = {"CACHE_DISABLED": "1", "API_CATALOG_BODY_CACHE": "0"}
# Pages not measured with every cache off: search corrects spelling against the catalog's words,
# built once per catalog version, and the version lives in the cache; without one, every query
# would rebuild the word list from every product name (seconds at 50,000 products).
NEEDS_A_CACHE = ("search",)


def _run(
    *, url: str, paths: list[str], connections: int, seconds: float, warm_up: list[str] | None = None
) -> LoadResult:
    warm_up = warm_up or paths
    run_load(url=url + warm_up[0], connections=connections, seconds=WARM_UP_SECONDS, paths=warm_up)
    time.sleep(DRAIN_SECONDS)
    return run_load(url=url + paths[0], connections=connections, seconds=seconds, paths=paths)


def _row(result: LoadResult, floor_rps: float, *, paths: int) -> dict[str, object]:
    return {
        **result.as_dict(),
        "distinct_paths": paths,
        "wraps": wraps(result, paths=paths),
        "ratio_to_floor": round(result.requests_per_second / floor_rps, 4) if floor_rps else None,
    }


def wraps(result: LoadResult, *, paths: int) -> bool:
    """Whether a varied run came round to paths it had already asked: the page cache then
    answers the repeats, and its rate says less than a different URL on every request."""
    return paths > 1 and result.requests > paths


def _print(name: str, result: LoadResult, floor_rps: float, *, paths: int = 1) -> None:
    ratio = result.requests_per_second / floor_rps if floor_rps else 0
    wrapped = f"   wraps: {result.requests} requests over {paths} paths" if wraps(result, paths=paths) else ""
    print(
        f"  {name:<36} {result.requests_per_second:>8.1f} req/s   p50 {result.p50_ms:>7.1f} ms   "
        f"p99 {result.p99_ms:>7.1f} ms   errors {result.errors:>4}   {ratio:>7.1%} of floor{wrapped}"
    )


def _measure_kinds(
    *, url: str, kinds: dict[str, list[str]], connections: int, seconds: float
) -> dict[str, tuple[list[str], LoadResult, LoadResult | None]]:
    measured = {}
    for kind, paths in kinds.items():
        one = _run(url=url, paths=paths[:1], connections=connections, seconds=seconds)
        varied = None
        if len(paths) > 1:
            # The last tenth warms up; the rest is measured.
            split = len(paths) - max(1, len(paths) // 10)
            varied = _run(
                url=url, paths=paths[:split], warm_up=paths[split:], connections=connections, seconds=seconds
            )
        measured[kind] = (paths, one, varied)
    return measured


def measure_pages(
    *,
    title: str,
    kinds: dict[str, list[str]],
    connections: int,
    seconds: float,
    extra_env: dict[str, str] | None = None,
    caches: bool = True,
) -> dict[str, object]:
    env = {**(extra_env or {}), **({} if caches else NO_CACHE_ENV)}
    skipped = [] if caches else [kind for kind in kinds if kind in NEEDS_A_CACHE]
    if skipped:
        print(f"\n{title}, every cache off: not measuring {', '.join(skipped)} (see NEEDS_A_CACHE)")
        kinds = {kind: paths for kind, paths in kinds.items() if kind not in NEEDS_A_CACHE}
    if caches:
        # Pages an earlier run stored on the same cache are under the current catalog version
        # and would answer this run's varied URLs: a new version leaves them unread (the
        # warm-ups then fill the data cache again, as after any edit in the admin).
        from emporium.catalog.cache import bump_catalog_version

        bump_catalog_version()
    with gunicorn_server(workers=2, app="bench.floor:application") as floor_url:
        print(f"\n{title}{'' if caches else ', every cache off'}: measuring {', '.join(kinds)} ...")
        floor_start = _run(url=floor_url, paths=["/"], connections=connections, seconds=seconds)
        with gunicorn_server(workers=2, extra_env=env) as url:
            measured = _measure_kinds(url=url, kinds=kinds, connections=connections, seconds=seconds)
        # The shop's server is stopped first: requests it still held would compete for the cores.
        floor_end = _run(url=floor_url, paths=["/"], connections=connections, seconds=seconds)
    floor_rps = (floor_start.requests_per_second + floor_end.requests_per_second) / 2
    print(
        f"gunicorn 2 sync workers each, {connections} connections, {seconds:.0f} s a run after "
        f"{WARM_UP_SECONDS} s of warm-up and {DRAIN_SECONDS} s of drain, tool {floor_start.tool}"
    )
    _print("floor (bare Django view), start", floor_start, floor_rps)
    _print("floor (bare Django view), end", floor_end, floor_rps)
    pages: dict[str, object] = {}
    for kind, (paths, one, varied) in measured.items():
        _print(f"{kind}, one URL", one, floor_rps)
        row: dict[str, object] = {"first_path": paths[0], "one_url": _row(one, floor_rps, paths=1)}
        if varied is not None:
            measured_paths = len(set(paths[: len(paths) - max(1, len(paths) // 10)]))
            _print(f"{kind}, varied URLs", varied, floor_rps, paths=measured_paths)
            row["varied_urls"] = _row(varied, floor_rps, paths=measured_paths)
        pages[kind] = row
    return {
        "caches": "on" if caches else "off (CACHE_DISABLED=1, API_CATALOG_BODY_CACHE=0)",
        "warm_up_seconds": WARM_UP_SECONDS,
        "drain_seconds": DRAIN_SECONDS,
        "floor": {
            "start": floor_start.as_dict(),
            "end": floor_end.as_dict(),
            "mean_rps": round(floor_rps, 1),
        },
        "pages": pages,
        "not_measured": dict.fromkeys(skipped, "needs a cache (bench/pages.py NEEDS_A_CACHE)"),
    }
