"""Closed-loop HTTP load on 127.0.0.1: N connections, each sending its next request when the
last one is answered, for a fixed time.

``wrk`` (Debian's package) is used when it is on PATH, since it costs the server's two cores
less; otherwise a small asyncio client does the same job. Either way both sides of a
comparison are measured by the same tool in the same run, so their ratio is fair.

Every request says it accepts compressed answers, as every browser does: a page's cost
includes compressing it (GZipMiddleware, or the page cache's copy kept compressed), which a
client that asks for nothing would never meet.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

VARIED_SCRIPT = Path(__file__).resolve().parent / "varied.lua"
# What Chromium and Firefox send.
BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"


@dataclass(frozen=True)
class LoadResult:
    url: str
    tool: str
    connections: int
    seconds: float
    requests: int
    errors: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    accept_encoding: str = BROWSER_ACCEPT_ENCODING

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def run_load(*, url: str, connections: int, seconds: float, paths: list[str] | None = None) -> LoadResult:
    """Load ``url``, or with ``paths`` a different one of them on every request (on ``url``'s
    server, in turn from a random place)."""
    if not url.startswith(("http://127.", "http://localhost")):
        raise ValueError("load is only ever sent to this machine")
    if shutil.which("wrk"):
        return _run_wrk(url=url, connections=connections, seconds=seconds, paths=paths)
    return asyncio.run(_run_asyncio(url=url, connections=connections, seconds=seconds, paths=paths))


def _run_wrk(*, url: str, connections: int, seconds: float, paths: list[str] | None) -> LoadResult:
    command = ["wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{int(seconds)}s"]
    command += ["-H", f"Accept-Encoding: {BROWSER_ACCEPT_ENCODING}"]  # varied.lua's wrk.format adds it too
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="bench-paths-") as listed:
        env = dict(os.environ)
        if paths:
            listed.write("\n".join(paths) + "\n")
            listed.flush()
            command += ["-s", str(VARIED_SCRIPT)]
            env["BENCH_PATHS"] = listed.name
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30, env=env
        ).stdout

    def latency_ms(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise RuntimeError(f"wrk printed no {percentile}% latency:\n{output}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(group) for group in socket_errors.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return LoadResult(
        url, "wrk", connections, seconds, requests, errors, rps, latency_ms("50"), latency_ms("99")
    )


async def _run_asyncio(*, url: str, connections: int, seconds: float, paths: list[str] | None) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    requests = itertools.cycle(
        f"GET {each} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: {BROWSER_ACCEPT_ENCODING}\r\n"
        "Connection: close\r\n\r\n".encode()
        for each in (paths or [path])
    )
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def one_connection() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(next(requests))
                await writer.drain()
                status_line = await reader.readline()
                await reader.read()  # Connection: close, so the body ends with the stream
                writer.close()
                if not status_line.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2", b"HTTP/1.1 3")):
                    errors += 1
                    continue
            except OSError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def percentile(fraction: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    return LoadResult(
        url, "asyncio", connections, seconds, len(latencies), errors,
        len(latencies) / elapsed, percentile(0.50), percentile(0.99),
    )  # fmt: skip
