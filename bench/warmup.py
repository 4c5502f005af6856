"""A fresh web worker: its first page of each kind beside its later ones, and the memory
each process holds.

Each round starts gunicorn as production does (the app preloaded before the fork, DEBUG off)
with one worker, once with the warm-up (``WARM_UP``, the default: templates compiled and the
URL resolver built in the master, emporium.core.startup.warm_up) and once without. Each server
starts with a new catalog version, so no page cached by an earlier round or run is served,
and every URL asked is one no other request of the run asked: no cached page hides what the
process itself still has to do. For each kind of page the first request on the new worker is timed,
then the median of the next ``later`` distinct URLs of that kind, one client at a time.

Memory after the requests, from /proc/<pid>/smaps_rollup: RSS counts every page a process
maps, shared or not; PSS splits each shared page between the processes sharing it, so the
PSS of the master and its workers adds up to what they take together.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx

from bench.server import gunicorn_server

KINDS = ("category", "product", "search", "category_filtered", "api_products")


def _processes_listening_on(port: int) -> list[int]:
    """gunicorn's master and its worker: the processes whose command line names the port."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "gunicorn" in command and f"127.0.0.1:{port}" in command:
                found.append(int(entry.name))
    return sorted(found)


def _memory_mb(pid: int) -> dict[str, float]:
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name.lower() + "_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return values


def _timed_get(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def _one_server(*, paths: dict[str, list[str]], warm_up: bool, later: int) -> dict[str, object]:
    from emporium.catalog.cache import bump_catalog_version

    env = {"WARM_UP": "1" if warm_up else "0", "LOG_LEVEL": "WARNING"}
    with gunicorn_server(workers=1, extra_env=env) as url, httpx.Client(base_url=url, timeout=30) as client:
        # Pages cached by an earlier round or run are under the old version: none is served.
        bump_catalog_version()
        port = int(url.rsplit(":", 1)[1])
        # /healthz brought the server up: it answers in the first middleware, so the worker
        # has rendered nothing yet.
        first = {kind: round(_timed_get(client, paths[kind].pop()), 1) for kind in KINDS}
        steady = {
            kind: round(statistics.median(_timed_get(client, paths[kind].pop()) for _ in range(later)), 1)
            for kind in KINDS
        }
        master, *workers = _processes_listening_on(port)
        memory = {"master": _memory_mb(master), "worker": _memory_mb(workers[0])}
    return {"first_ms": first, "later_median_ms": steady, "memory": memory}


def measure_warm_up(*, rounds: int = 3, later: int = 15, quiet: bool = False) -> dict[str, object]:
    from bench.catalog_urls import draw_paths

    needed = rounds * 2 * (later + 1)  # each URL asked once, on every server of the run
    # Drawn paths repeat on a small catalog and are asked once each: draw more than needed.
    drawn = draw_paths(seed=7, per_kind=needed * 4, search_count=needed * 2)
    paths = {kind: list(drawn[kind]) for kind in KINDS}
    if short := [kind for kind in KINDS if len(paths[kind]) < needed]:
        raise SystemExit(f"warm-up: too few distinct {', '.join(short)} pages for {rounds} rounds")
    runs: dict[str, list[dict[str, object]]] = {"warm_up": [], "no_warm_up": []}
    for _ in range(rounds):
        for warm_up in (True, False):
            runs["warm_up" if warm_up else "no_warm_up"].append(
                _one_server(paths=paths, warm_up=warm_up, later=later)
            )
    summary: dict[str, object] = {"rounds": rounds, "later_requests": later}
    for mode, results in runs.items():
        summary[mode] = {
            "first_ms": {
                kind: round(statistics.median(r["first_ms"][kind] for r in results), 1)  # type: ignore[index]
                for kind in KINDS
            },
            "later_median_ms": {
                kind: round(statistics.median(r["later_median_ms"][kind] for r in results), 1)  # type: ignore[index]
                for kind in KINDS
            },
            "memory_mb": {
                process: {
                    key: round(statistics.median(r["memory"][process][key] for r in results), 1)  # type: ignore[index]
                    for key in ("rss_mb", "pss_mb")
                }
                for process in ("master", "worker")
            },
        }
    if not quiet:
        print(
            f"\nwarm-up: first request on a fresh worker vs the median of the next {later}, {rounds} rounds"
        )
        for mode in runs:
            data = summary[mode]
            print(f"  {mode.replace('_', ' ')}:")
            for kind in KINDS:
                print(
                    f"    {kind:18} first {data['first_ms'][kind]:7.1f} ms"  # type: ignore[index]
                    f"   later {data['later_median_ms'][kind]:6.1f} ms"  # type: ignore[index]
                )
            memory = data["memory_mb"]  # type: ignore[index]
            print(
                f"    memory: master RSS {memory['master']['rss_mb']} MB PSS {memory['master']['pss_mb']} MB;"
                f" worker RSS {memory['worker']['rss_mb']} MB PSS {memory['worker']['pss_mb']} MB"
            )
    return summary
