"""Start the shop under gunicorn, as production runs it, for the length of a benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn_server(
    *,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
    app: str = "config.wsgi",
) -> Iterator[str]:
    """gunicorn on a free port of 127.0.0.1 serving ``app``, with the app loaded before the
    workers fork (``--preload``, as config/gunicorn.conf.py runs it), for the ``with`` block."""
    port = _free_port()
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "0", **(extra_env or {})}
    # The benchmark measures the app, not the dev server: DEBUG off, static files collected.
    if app == "config.wsgi":
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--preload",
         "--workers", str(workers), "--log-level", "warning", *(extra_args or [])],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
